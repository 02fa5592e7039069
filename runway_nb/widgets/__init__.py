"""Notebook widgets (anywidget): TaskView, BatchView, Player, GenerateForm, Gallery.

Each holds small state in traitlets and talks to its front end (runway_nb/static/*.js, built from
js/) by small messages; none carries media bytes in its saved state. Each also has text/plain and
text/html faces, so a notebook without widgets (nbconvert, GitHub, VS Code, a kernel-less reopen)
still shows the result. A displayed TaskView leaves plain HTML behind when its task ends (see
task_view.py for why).
"""

from .batch_view import BatchView
from .fallback import StaticResult
from .form import GenerateForm
from .gallery import Gallery
from .player import Player
from .task_view import TaskView, show

__all__ = ["TaskView", "BatchView", "Player", "GenerateForm", "Gallery", "StaticResult", "show"]
