"""Training page: learning curves of the selected run, several runs overlaid, and the table of runs."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from dashboard import ids
from dashboard.components import card, duration, graph, table
from dashboard.figures.curves import fig_learning_curves, fig_runs_overlay
from dashboard.figures.theme import fig_message
from dashboard.service import current
from dashboard.validation import check_list, check_run
from model.runs import RunError

dash.register_page(__name__, path="/training", name="Training", title="Training · MNIST Explorer", order=20)

COMPARED_AT_FIRST = 4
TABLE_HEADER = ("run", "architecture", "parameters", "epochs", "training time", "test accuracy", "test errors")


def layout(**_query) -> html.Div:
    """The Training page; the comparison starts with the first few runs."""
    names = list(current().run_names())
    return html.Div([
        html.H1("Training"),
        card("Learning curves", graph(ids.TRAINING_CURVES),
             note="Loss and accuracy after every epoch, on the training images and on the 5,000 held-out "
                  "validation images."),
        card("Runs compared",
             dcc.Dropdown(id=ids.TRAINING_COMPARE, options=names, value=names[:COMPARED_AT_FIRST], multi=True,
                          placeholder="Choose runs to compare"),
             graph(ids.TRAINING_OVERLAY),
             note="Pick two or more runs: each has its own color; training is dotted, validation solid."),
        card("All runs", html.Div(id=ids.TRAINING_TABLE), note="The selected model is highlighted."),
    ])


@callback(Output(ids.TRAINING_CURVES, "figure"), Input(ids.RUN_SELECT, "value"))
def show_curves(run_name: str):
    """Training against validation for the selected run."""
    run = current().run(check_run(run_name))
    return fig_learning_curves(run.history, run.name)


@callback(Output(ids.TRAINING_OVERLAY, "figure"), Input(ids.TRAINING_COMPARE, "value"))
def show_overlay(run_names: list[str] | None):
    """The chosen runs' curves on shared axes; unreadable runs are left out."""
    histories = {}
    for name in check_list(run_names, "runs to compare", check_run):
        try:
            histories[name] = current().run(name).history
        except RunError:
            continue
    return fig_runs_overlay(histories) if histories else fig_message("Choose runs to compare.")


@callback(Output(ids.TRAINING_TABLE, "children"), Input(ids.RUN_SELECT, "value"))
def show_table(run_name: str | None):
    """Every readable run: architecture, size, epochs, time and test accuracy."""
    run_name = None if run_name is None else check_run(run_name)
    summaries = current().summaries()
    rows = [
        (s.name, s.architecture, f"{s.parameters:,}", s.epochs, duration(s.seconds), f"{s.accuracy:.2%}", f"{s.errors:,}")
        for s in summaries
    ]
    selected = next((number for number, s in enumerate(summaries) if s.name == run_name), None)
    return table(TABLE_HEADER, rows, highlight=selected)
