"""runway_nb: make AI video, images and audio with Runway's API from a Jupyter notebook."""

__version__ = "0.1.0"
