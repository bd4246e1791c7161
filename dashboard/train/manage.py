"""The Train page's "Selected run" card: rename, delete or download the run chosen in the Model
menu. The shipped runs, the default one and the only one stay (`form.change_refusal`).
"""

from __future__ import annotations

import uuid

from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from dashboard import hardening, ids
from dashboard.jobs import form
from dashboard.jobs.view import sentence
from dashboard.service import current
from dashboard.validation import check_clicks, check_run, check_text
from model.core.runs import RunError, RunStore, export_run_zip, per_class_table
from model.core.spreadsheet import safe_table
from model.training.admission import is_training

MAX_NAME_INPUT = 4096  # characters of a new name read (then refused by the name check, if long)


def changed(run_name: str) -> dict:
    """What `TRAIN_CHANGED` holds after a change of the runs: the run to select, and a fresh id."""
    return {"select": run_name, "change": uuid.uuid4().hex}


def _button(label: str, id_: str, kind: str = "secondary") -> html.Button:
    return html.Button(label, id=id_, n_clicks=0, className=f"button {kind}".strip())


def manager() -> list:
    """The card's content: the selected run in one line, rename and delete, the downloads."""
    return [
        html.P(id=ids.TRAIN_SELECTED),
        html.Div(
            [
                dcc.Input(
                    id=ids.TRAIN_RENAME_NAME, type="text", maxLength=64, placeholder="new name"
                ),
                _button("Rename", ids.TRAIN_RENAME, ""),
                dcc.ConfirmDialogProvider(
                    html.Button("Delete", id=ids.TRAIN_DELETE_BUTTON, className="button danger"),
                    id=ids.TRAIN_DELETE,
                    message="Delete this run?",
                ),
            ],
            className="controls",
        ),
        html.Div(
            [
                _button("Export (zip)", ids.TRAIN_EXPORT),
                _button("History (CSV)", ids.TRAIN_HISTORY_CSV),
                _button("Per-class scores (CSV)", ids.TRAIN_CLASSES_CSV),
            ],
            className="controls",
        ),
        html.Div(id=ids.TRAIN_MANAGE_MESSAGE, role="status"),
        dcc.Download(id=ids.TRAIN_DOWNLOAD),
    ]


def show_selected(run_name: str):
    """The selected run in one line; renaming and deleting are off for a run that must stay."""
    service = current()
    run = service.run(check_run(run_name))
    refusal = form.change_refusal(
        run.path, service.settings.runs_dir, renaming=False, only_run=len(service.run_names()) == 1
    )
    summary = [
        html.Strong(run.name),
        f" · {run.metadata.get('architecture', '?')} · "
        f"test accuracy {run.evaluation['accuracy']:.2%} · "
        f"{len(run.history)} epoch{'s' if len(run.history) != 1 else ''}",
    ]
    if refusal:
        summary += [html.Br(), html.Span(f"{refusal}.", className="note")]
    return (
        summary,
        bool(refusal),
        bool(refusal),
        f"Delete the run {run.name} (its model and metrics)? This cannot be undone.",
    )


def _rename_or_delete(run_name: str, new_name: str | None, renaming: bool) -> tuple[str, str]:
    """Rename or delete run `run_name`: (the run to select, what was done); `ValueError` or
    `RunError` saying why not."""
    service = current()
    runs_dir = service.settings.runs_dir
    path = service.run_path(run_name)
    refusal = hardening.change_refusal(service.settings) or form.change_refusal(
        path,
        runs_dir,
        renaming=renaming,
        training=is_training(runs_dir),
        only_run=len(service.run_names()) == 1,
    )
    if refusal:
        raise ValueError(refusal)
    store = RunStore(runs_dir)  # `path` is in runs_dir (refused above if not): the same run
    if renaming:
        selected = store.rename(run_name, form.check_new_name(new_name, runs_dir)).name
        return selected, f"Renamed {run_name} to {selected}."
    store.delete(run_name)
    selected = service.default_run()
    return selected, f"Deleted {run_name}; {selected} is selected now."


def change_run(_rename, _delete, run_name: str, new_name: str | None):
    """Rename or delete the selected run; the page's `refresh_selector` then updates the run
    selector."""
    check_clicks(_rename), check_clicks(_delete, "submit_n_clicks")
    run_name = check_run(run_name)
    renaming = ctx.triggered_id == ids.TRAIN_RENAME
    try:  # a name too long is the name check's message, not a silent refusal
        new_name = check_text(new_name, "new name", max_length=MAX_NAME_INPUT)
        selected, message = _rename_or_delete(run_name, new_name, renaming)
    except (ValueError, RunError) as error:
        context = "Not renamed" if renaming else "Not deleted"
        return html.Span(sentence(context, error), className="wrong"), no_update, no_update
    return html.Span(message, className="right"), changed(selected), ""


def download(_zip, _history, _classes, run_name: str):
    """The selected run as a zip (model and metrics), or one of its metric tables as CSV."""
    for clicks in (_zip, _history, _classes):
        check_clicks(clicks)
    try:
        run = current().run(check_run(run_name))
        if ctx.triggered_id == ids.TRAIN_EXPORT:
            return dcc.send_bytes(export_run_zip(run.path), f"{run.name}.zip"), ""
    except RunError as error:
        return no_update, html.Span(sentence("Cannot download", error), className="wrong")
    table, kind = (
        (run.history, "history")
        if ctx.triggered_id == ids.TRAIN_HISTORY_CSV
        else (per_class_table(run), "per-class")
    )
    return dcc.send_data_frame(safe_table(table).to_csv, f"{run.name}-{kind}.csv", index=False), ""


def register_callbacks() -> None:
    """Register the card's callbacks; the Train page calls this, so that every app built gets
    them (Dash runs a page module once per app, but imports this module once per process)."""
    callback(
        Output(ids.TRAIN_SELECTED, "children"),
        Output(ids.TRAIN_RENAME, "disabled"),
        Output(ids.TRAIN_DELETE_BUTTON, "disabled"),
        Output(ids.TRAIN_DELETE, "message"),
        Input(ids.RUN_SELECT, "value"),
    )(show_selected)
    callback(
        Output(ids.TRAIN_MANAGE_MESSAGE, "children"),
        Output(ids.TRAIN_CHANGED, "data", allow_duplicate=True),
        Output(ids.TRAIN_RENAME_NAME, "value"),
        Input(ids.TRAIN_RENAME, "n_clicks"),
        Input(ids.TRAIN_DELETE, "submit_n_clicks"),
        State(ids.RUN_SELECT, "value"),
        State(ids.TRAIN_RENAME_NAME, "value"),
        prevent_initial_call=True,
    )(change_run)
    callback(
        Output(ids.TRAIN_DOWNLOAD, "data"),
        Output(ids.TRAIN_MANAGE_MESSAGE, "children", allow_duplicate=True),
        Input(ids.TRAIN_EXPORT, "n_clicks"),
        Input(ids.TRAIN_HISTORY_CSV, "n_clicks"),
        Input(ids.TRAIN_CLASSES_CSV, "n_clicks"),
        State(ids.RUN_SELECT, "value"),
        prevent_initial_call=True,
    )(download)
