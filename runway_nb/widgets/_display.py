"""The two calls that put a view into a notebook output and later replace it (one seam for tests)."""

from __future__ import annotations

from typing import Any


def publish(obj: Any, display_id: str, *, update: bool = False) -> None:
    """Show `obj` (its own mimebundle) under `display_id`, or replace what that id shows."""
    from IPython.display import display, update_display

    if update:
        update_display(obj, display_id=display_id)
    else:
        display(obj, display_id=display_id)


def publish_raw(data: dict, metadata: dict, display_id: str, *, update: bool = False) -> None:
    """Show a ready mimebundle under `display_id`, or replace what that id shows with it."""
    from IPython.display import display, update_display

    if update:
        update_display(data, raw=True, metadata=metadata, display_id=display_id)
    else:
        display(data, raw=True, metadata=metadata, display_id=display_id)
