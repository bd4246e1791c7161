"""The run guard: one rule for every callback that reads a run.

A callback that asks the service for a run that was renamed, deleted or damaged meanwhile gets
`RunError`. The app's `on_error` hook (Dash's public per-app error handler) turns it into "no
update" (HTTP 204) for every callback at once, so no page needs a decorator and none can forget
it; the shell's notice line says why the view stopped following the selection.
"""

from __future__ import annotations

import logging

from dash.exceptions import PreventUpdate

from dashboard.validation import InvalidInput
from model.runs import RunError

log = logging.getLogger(__name__)


def on_callback_error(error: Exception) -> None:
    """Dash's `on_error` hook: a vanished or unreadable run, or an input no component sends, leaves the outputs
    as they are; other errors propagate."""
    if isinstance(error, RunError):
        log.info("callback left its outputs unchanged: %s", error)
        raise PreventUpdate from error
    if isinstance(error, InvalidInput):
        log.warning("callback refused its input: %s", error)
        raise PreventUpdate from error
    raise error
