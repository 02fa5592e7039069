"""runway_nb: make AI video, images and audio with Runway's API from a Jupyter notebook.

    from runway_nb import RunwayML
    task = RunwayML().text_to_image.create(model="gen4_image", prompt_text="...", ratio="1920:1080")

Names are imported on first use, so `import runway_nb` costs almost nothing (httpx and the rest load
when a client is first made).
"""

from __future__ import annotations

import importlib

from ._version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would double this module's import time

# public name -> the module that defines it (relative to this package)
_LAZY = {
    "RunwayML": ".client",
    "AsyncRunwayML": ".client",
    **dict.fromkeys(("resume", "history", "costs", "open_result"), ".recovery"),
    **dict.fromkeys((
        "RunwayNBError", "RunwayNBWarning", "APIError", "APIStatusError", "BadRequestError",
        "AuthenticationError", "PermissionDeniedError", "NotFoundError", "ConflictError",
        "UnprocessableEntityError", "RateLimitError", "InternalServerError", "APIConnectionError",
        "APITimeoutError", "TaskMayExistError", "TaskError", "TaskFailedError", "TaskTimeoutError",
        "TaskCancelledError", "ValidationError", "MissingAPIKeyError", "MediaError"), ".errors"),
    "mux": "._mux",
}
_SUBMODULES = ("sandbox", "errors", "catalog")

__all__ = ["__version__", *_LAZY, *_SUBMODULES]

if TYPE_CHECKING:
    from . import catalog, errors, sandbox  # noqa: F401
    from ._mux import mux  # noqa: F401
    from .client import AsyncRunwayML, RunwayML  # noqa: F401
    from .errors import *  # noqa: F403
    from .recovery import costs, history, open_result, resume  # noqa: F401


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'runway_nb' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load_ipython_extension(ipython) -> None:
    """`%load_ext runway_nb`: the %runway magics (imported only now, so `import runway_nb` stays fast)."""
    from .magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython) -> None:
    """`%unload_ext runway_nb`: remove the magics; running tasks keep running."""
    from .magics import unload_ipython_extension as unload

    unload(ipython)
