"""The frame around every page (navigation, run selector, notice) and the run guard shared by all
callbacks."""

from dash import Dash

from dashboard.shell import choice
from dashboard.shell import layout as _layout
from dashboard.shell.guard import on_callback_error
from dashboard.shell.layout import layout, run_options


def register(app: Dash) -> None:
    """The shell's callbacks: the current page highlighted, the run followed by every page and kept
    in the URL."""
    _layout.register(app)
    choice.register_choice(app)


__all__ = ["layout", "on_callback_error", "register", "run_options"]
