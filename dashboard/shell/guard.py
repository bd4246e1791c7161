"""The run guard: one rule for every callback that reads a run.

A callback that asks the service for a run that was renamed, deleted or damaged meanwhile gets
`RunError`. The app's `on_error` hook (Dash's public per-app error handler) turns it into "no
update" for that callback's outputs, for every callback at once, so no page needs a decorator and
none can forget it. It also writes the shell's `SHELL_LOST` store (a side update of the same
response), so the shell's run choice falls back to the default run and its notice names the run
that vanished (dashboard/shell/choice.py): the page goes on, on another run, instead of stopping.
"""

from __future__ import annotations

import logging
import time

from dash import ctx, set_props
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.validation import InvalidInput
from model.core.runs import RunError

log = logging.getLogger(__name__)


def on_callback_error(error: Exception) -> None:
    """Dash's `on_error` hook: a vanished or unreadable run leaves the outputs as they are and asks
    the shell
    to choose a run again; an input no component sends leaves them too; other errors propagate."""
    if isinstance(error, RunError):
        log.info("callback left its outputs unchanged: %s", error)
        key = f"{ids.RUN_SELECT}.value"
        run = ctx.inputs.get(key, ctx.states.get(key))  # the run the callback was given, if it was
        set_props(
            ids.SHELL_LOST, {"data": {"run": run, "error": str(error)[:300], "at": time.time()}}
        )
        return None
    if isinstance(error, InvalidInput):
        log.warning("callback refused its input: %s", error)
        raise PreventUpdate from error
    raise error
