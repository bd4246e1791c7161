"""The frame around every page (navigation, run selector, notice) and the run guard shared by all callbacks."""

from dashboard.shell.guard import on_callback_error
from dashboard.shell.layout import layout, register, run_notice, run_options

__all__ = ["layout", "on_callback_error", "register", "run_notice", "run_options"]
