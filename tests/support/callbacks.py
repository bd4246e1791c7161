"""Calling a page's callback function directly, with the context Dash gives it in a request."""

from __future__ import annotations

from contextvars import copy_context

from dash._callback_context import context_value
from dash._utils import AttributeDict


def call(callback, trigger: str, *args, value: object = None):
    """Run a page callback as Dash would when `trigger` ("id.property") changed to `value`
    (`ctx.triggered_id` works)."""

    def run():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": value}]))
        return callback(*args)

    return copy_context().run(run)
