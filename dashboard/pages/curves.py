"""Training page: learning curves of the selected run, several runs overlaid, and the table of
runs."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from dashboard import ids
from dashboard.components import card, duration, graph, table
from dashboard.figures.curves import fig_learning_curves, fig_runs_overlay
from dashboard.figures.theme import fig_message
from dashboard.service import current
from dashboard.validation import check_list, check_run
from model.core.runs import RunError

dash.register_page(
    __name__, path="/training", name="Training", title="Training · MNIST Explorer", order=20
)

COMPARED_AT_FIRST = 4
TABLE_HEADER = (
    "run",
    "architecture",
    "preset",
    "parameters",
    "epochs",
    "batch",
    "augment",
    "training images",
    "seed",
    "training time",
    "test accuracy",
    "test errors",
)


def hyperparameter_cells(recorded: dict) -> tuple[str, ...]:
    """Preset, batch size, augmentation, training subset and seed as the table shows them
    ("–" when not recorded)."""

    def shown(key: str, format_value) -> str:
        return format_value(recorded[key]) if key in recorded else "–"

    return (
        shown("preset", lambda value: str(value) if value else "custom"),
        shown("batch_size", str),
        shown("augment", lambda value: "yes" if value else "no"),
        shown("train_size", lambda value: "all" if value is None else f"{int(value):,}"),
        shown("seed", str),
    )


def layout(**_query) -> html.Div:
    """The Training page; the comparison starts with the first few runs."""
    names = list(current().run_names())
    return html.Div(
        [
            html.H1("Training"),
            card(
                "Learning curves",
                graph(ids.TRAINING_CURVES),
                note="Loss, error rate (1 − accuracy) and learning rate after every epoch, "
                "on the training images "
                "(dotted) and the 5,000 held-out validation images (solid). Loss and error are on "
                "log axes: "
                "a halved error is the same step anywhere.",
            ),
            card(
                "Runs compared",
                dcc.Dropdown(
                    id=ids.TRAINING_COMPARE,
                    options=names,
                    value=names[:COMPARED_AT_FIRST],
                    multi=True,
                    placeholder="Choose runs to compare",
                ),
                graph(ids.TRAINING_OVERLAY),
                note="Pick two or more runs: each run keeps its own colour on every chart; "
                "training is dotted, "
                "validation solid.",
            ),
            card(
                "All runs",
                html.Div(id=ids.TRAINING_TABLE),
                note='The selected model is highlighted; "–": not recorded by that run.',
            ),
        ]
    )


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
    """Every readable run: architecture, hyperparameters, size, epochs, time and test accuracy."""
    run_name = None if run_name is None else check_run(run_name)
    summaries = current().summaries()
    rows = []
    for s in summaries:
        preset, batch, augment, subset, seed = hyperparameter_cells(s.hyperparameters)
        rows.append(
            (
                s.name,
                s.architecture,
                preset,
                f"{s.parameters:,}",
                s.epochs,
                batch,
                augment,
                subset,
                seed,
                duration(s.seconds),
                f"{s.accuracy:.2%}",
                f"{s.errors:,}",
            )
        )
    selected = next((number for number, s in enumerate(summaries) if s.name == run_name), None)
    return table(TABLE_HEADER, rows, highlight=selected)
