"""Train page: train a model from the browser with live progress, and rename, delete or download runs.

Start runs `start_training` as a Dash background callback: in a local process (diskcache) or a
Celery worker (Redis), see dashboard/background.py. It starts the training in a fresh Python
process (dashboard/trainer.py) and relays its reports to the progress bar and the growing curves.
Cancel kills the job and so the training: the run is written atomically, so nothing is left.
One training at a time per runs directory (`model.jobs`); a second request is told so at once.
"""

from __future__ import annotations

import time
import uuid

import dash
from dash import Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.components import GRAPH_CONFIG, card, duration
from dashboard.figures.curves import fig_live_curves
from dashboard.jobs.form import (
    BATCH_SIZES,
    DEFAULTS,
    TRAIN_SIZES,
    architecture_options,
    augment_by_default,
    change_refusal,
    check_new_name,
    form_config,
    suggest_name,
    train_size_label,
)
from dashboard.jobs.manager import job_service
from dashboard.jobs.process import TrainingFailed, train_in_process
from dashboard.service import current
from dashboard.shell import run_options
from model.data import DataError
from model.jobs import TrainingBusyError, exclusive_training, is_training
from model.runs import Run, RunError, delete_run, export_run_zip, per_class_table, rename_run

dash.register_page(__name__, path="/train", name="Train", title="Train · MNIST Explorer", order=60)

AUGMENT = "on"
BUSY = "A training is running on this server: wait for it to end before starting another."
CANCEL_WAIT_SECONDS = 10.0  # how long the Cancel message waits for the training process to be gone
REFUSED = (ValueError, RunError, TrainingBusyError)  # bad input or a busy server: nothing was started
FAILED = (TrainingFailed, DataError)  # the training started and died


def _field(label: str, control) -> html.Label:
    return html.Label([html.Span(label), control], className="train-field")


def _form(runs_dir, max_epochs: int) -> html.Div:
    architecture = DEFAULTS["architecture"]
    return html.Div([
        _field("Architecture", dcc.Dropdown(id=ids.TRAIN_ARCHITECTURE, options=architecture_options(),
                                            value=architecture, clearable=False, searchable=False)),
        html.Div([
            _field("Epochs", dcc.Input(id=ids.TRAIN_EPOCHS, type="number", min=1, max=max_epochs, step=1,
                                       value=DEFAULTS["epochs"])),
            _field("Batch size", dcc.Dropdown(id=ids.TRAIN_BATCH_SIZE, options=list(BATCH_SIZES),
                                              value=DEFAULTS["batch_size"], clearable=False, searchable=False)),
            _field("Seed", dcc.Input(id=ids.TRAIN_SEED, type="number", min=0, step=1, value=DEFAULTS["seed"])),
        ], className="train-row"),
        _field("Training images", dcc.Dropdown(
            id=ids.TRAIN_SIZE, options=[{"label": train_size_label(size), "value": size} for size in TRAIN_SIZES],
            value=DEFAULTS["train_size"], clearable=False, searchable=False)),
        dcc.Checklist(id=ids.TRAIN_AUGMENT, options=[{"label": "Augment: random rotation, shift and zoom",
                                                      "value": AUGMENT}],
                      value=[AUGMENT] if augment_by_default(architecture) else [], className="radio"),
        _field("Run name", dcc.Input(id=ids.TRAIN_NAME, type="text", maxLength=64,
                                     value=suggest_name(runs_dir, architecture))),
        html.Div(id=ids.TRAIN_NAME_CHECK, className="train-hint"),
        html.Div([
            html.Button("Start training", id=ids.TRAIN_START, n_clicks=0, className="button"),
            html.Button("Cancel", id=ids.TRAIN_CANCEL, n_clicks=0, disabled=True, className="button secondary"),
        ], className="controls"),
    ], className="train-form")


def _manager() -> list:
    return [
        html.P(id=ids.TRAIN_SELECTED),
        html.Div([
            dcc.Input(id=ids.TRAIN_RENAME_NAME, type="text", maxLength=64, placeholder="new name"),
            html.Button("Rename", id=ids.TRAIN_RENAME, n_clicks=0, className="button"),
            dcc.ConfirmDialogProvider(html.Button("Delete", id=ids.TRAIN_DELETE_BUTTON, className="button danger"),
                                      id=ids.TRAIN_DELETE, message="Delete this run?"),
        ], className="controls"),
        html.Div([
            html.Button("Export (zip)", id=ids.TRAIN_EXPORT, n_clicks=0, className="button secondary"),
            html.Button("History (CSV)", id=ids.TRAIN_HISTORY_CSV, n_clicks=0, className="button secondary"),
            html.Button("Per-class scores (CSV)", id=ids.TRAIN_CLASSES_CSV, n_clicks=0, className="button secondary"),
        ], className="controls"),
        html.Div(id=ids.TRAIN_MANAGE_MESSAGE, role="status"),
        dcc.Download(id=ids.TRAIN_DOWNLOAD),
    ]


def layout(**_query) -> html.Div:
    """The Train page: the form and the live training on top, the selected run's management below."""
    settings = current().settings
    live = html.Div([
        html.Div([html.Progress(id=ids.TRAIN_PROGRESS, value=0, max=100),
                  html.Span(id=ids.TRAIN_PROGRESS_TEXT)], id=ids.TRAIN_PROGRESS_BOX, className="train-progress",
                 hidden=True),
        html.Div(BUSY if is_training(settings.runs_dir) else "", id=ids.TRAIN_STATUS, role="status",
                 className="train-status"),
        dcc.Graph(id=ids.TRAIN_LIVE, figure=fig_live_curves([], "", 1), config=GRAPH_CONFIG),
    ])
    return html.Div([
        html.H1("Train"),
        dcc.Store(id=ids.TRAIN_TOKEN, data=uuid.uuid4().hex),
        dcc.Store(id=ids.TRAIN_CHANGED),
        html.Div([
            card("New training", _form(settings.runs_dir, settings.max_epochs),
                 note="A few thousand images and a few epochs train in about a minute. "
                      "The run is saved when the training ends; Cancel leaves nothing behind."),
            card("Progress", live, note="Loss and accuracy after each epoch, on the training images and on the "
                                        "5,000 held-out validation images."),
        ], className="grid-train"),
        card("Selected run", *_manager(), note="Acts on the model chosen in the Model menu at the top right.",
             class_name="train-manage"),
    ])


@callback(Output(ids.TRAIN_AUGMENT, "value"), Input(ids.TRAIN_ARCHITECTURE, "value"), prevent_initial_call=True)
def suggest_augment(architecture: str) -> list[str]:
    """Augmentation on for the deep CNN, off for the small models, as `python -m model.train` does."""
    return [AUGMENT] if augment_by_default(architecture) else []


@callback(Output(ids.TRAIN_NAME_CHECK, "children"), Input(ids.TRAIN_NAME, "value"))
def check_name(name: str | None) -> html.Span:
    """Say at once whether the run name typed can be used."""
    try:
        check_new_name(name, current().settings.runs_dir)
    except ValueError as error:
        return html.Span(_sentence("Cannot use this name", error), className="wrong")
    return html.Span("This name is free.", className="note")


def _sentence(context: str, error: Exception | str) -> str:
    """`error` after `context` as one sentence, e.g. "Not started: a run called 'x' already exists."."""
    text = str(error)
    return f"{context}: {text}" + ("" if text.endswith(".") else ".")


def progress_text(report: dict) -> str:
    """One line about a progress report of `model.jobs.run_training`."""
    if report["fraction"] >= 1:
        return "Evaluating on the 10,000 test images and saving the run…"
    if report["steps"] == 0:
        return "Building the model…"
    return (f"Epoch {report['epoch']} of {report['epochs']} · batch {report['step']} of {report['steps']} · "
            f"{report['fraction']:.0%}")


def _result(run: Run) -> html.Div:
    """How a finished training is announced: its test accuracy, and where to look at it."""
    evaluation, meta = run.evaluation, run.metadata
    return html.Div([
        html.Strong(f"Trained {run.name}: "),
        f"test accuracy {evaluation['accuracy']:.2%} ({evaluation['errors']:,} errors) in "
        f"{duration(meta.get('duration_seconds', 0))}. It is now the selected model on every page: ",
        dcc.Link("its learning curves", href="/training"), ", ", dcc.Link("its errors", href="/errors"), ".",
    ], className="right")


def _changed(run_name: str) -> dict:
    """What `TRAIN_CHANGED` holds after a change of the runs: the run to select, and a fresh id."""
    return {"select": run_name, "change": uuid.uuid4().hex}


@callback(Output(ids.RUN_SELECT, "options", allow_duplicate=True), Output(ids.RUN_SELECT, "value", allow_duplicate=True),
          Input(ids.TRAIN_CHANGED, "data"), prevent_initial_call=True)
def refresh_selector(change: dict | None):
    """After a run was trained, renamed or deleted: list the runs again and select the one concerned."""
    if not change:
        raise PreventUpdate  # the page was just opened (Dash calls this because RUN_SELECT is already there)
    return run_options(), change["select"]


@callback(
    Output(ids.TRAIN_STATUS, "children"),
    Output(ids.TRAIN_CHANGED, "data"),
    Output(ids.TRAIN_NAME, "value"),
    Input(ids.TRAIN_START, "n_clicks"),
    State(ids.TRAIN_ARCHITECTURE, "value"), State(ids.TRAIN_EPOCHS, "value"), State(ids.TRAIN_BATCH_SIZE, "value"),
    State(ids.TRAIN_SIZE, "value"), State(ids.TRAIN_AUGMENT, "value"), State(ids.TRAIN_SEED, "value"),
    State(ids.TRAIN_NAME, "value"), State(ids.TRAIN_TOKEN, "data"),
    background=True,
    progress=[Output(ids.TRAIN_PROGRESS, "value"), Output(ids.TRAIN_PROGRESS_TEXT, "children"),
              Output(ids.TRAIN_LIVE, "figure")],
    running=[(Output(ids.TRAIN_START, "disabled"), True, False), (Output(ids.TRAIN_CANCEL, "disabled"), False, True),
             (Output(ids.TRAIN_PROGRESS_BOX, "hidden"), False, True), (Output(ids.TRAIN_STATUS, "hidden"), True, False)],
    cancel=[Input(ids.TRAIN_CANCEL, "n_clicks")],
    interval=500,
    prevent_initial_call=True,
)
def start_training(set_progress, _clicks, architecture, epochs, batch_size, train_size, augment, seed, name, _token):
    """Train what the form says, showing progress; `refresh_selector` then lists the new run and selects it."""
    with job_service() as service:
        settings = service.settings
        try:
            cfg = form_config(runs_dir=settings.runs_dir, max_epochs=settings.max_epochs, architecture=architecture,
                              epochs=epochs, batch_size=batch_size, train_size=train_size,
                              augment=AUGMENT in (augment or []), seed=seed, name=name)
            with exclusive_training(settings.runs_dir):
                pass  # TrainingBusyError now rather than after the training process has started
            set_progress((0, "Starting: loading TensorFlow and the training images…",
                          fig_live_curves([], cfg.out.name, cfg.epochs)))
            run_dir = train_in_process(cfg, lambda report: set_progress(
                (round(100 * report["fraction"], 1), progress_text(report),
                 fig_live_curves(report["history"], cfg.out.name, cfg.epochs))))
        except REFUSED as error:
            return html.Span(_sentence("Not started", error), className="wrong"), no_update, no_update
        except FAILED as error:
            return html.Span(_sentence("Training failed", error), className="wrong"), no_update, no_update
        return _result(service.run(run_dir.name)), _changed(run_dir.name), suggest_name(settings.runs_dir, cfg.architecture)


@callback(Output(ids.TRAIN_STATUS, "children", allow_duplicate=True), Input(ids.TRAIN_CANCEL, "n_clicks"),
          State(ids.TRAIN_NAME, "value"), prevent_initial_call=True)
def show_cancelled(_clicks, name: str | None) -> html.Span:
    """Say that the cancelled training is gone, once its process has released the training lock."""
    runs_dir = current().settings.runs_dir
    deadline = time.monotonic() + CANCEL_WAIT_SECONDS
    while is_training(runs_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    if is_training(runs_dir):
        return html.Span("Cancelling: the training process has not stopped yet.", className="wrong")
    return html.Span(f"Cancelled: the training of {name} was stopped and nothing was saved.", className="note")


@callback(Output(ids.TRAIN_SELECTED, "children"), Output(ids.TRAIN_RENAME, "disabled"),
          Output(ids.TRAIN_DELETE_BUTTON, "disabled"), Output(ids.TRAIN_DELETE, "message"),
          Input(ids.RUN_SELECT, "value"))
def show_selected(run_name: str):
    """The selected run in one line; renaming and deleting are off for a run that must stay."""
    service = current()
    run = service.run(run_name)
    refusal = change_refusal(run.path, service.settings.runs_dir, renaming=False,
                             only_run=len(service.run_names()) == 1)
    summary = [html.Strong(run.name), f" · {run.metadata.get('architecture', '?')} · "
               f"test accuracy {run.evaluation['accuracy']:.2%} · "
               f"{len(run.history)} epoch{'s' if len(run.history) != 1 else ''}"]
    if refusal:
        summary += [html.Br(), html.Span(f"{refusal}.", className="note")]
    return summary, bool(refusal), bool(refusal), f"Delete the run {run.name} (its model and metrics)? This cannot be undone."


@callback(Output(ids.TRAIN_MANAGE_MESSAGE, "children"), Output(ids.TRAIN_CHANGED, "data", allow_duplicate=True),
          Output(ids.TRAIN_RENAME_NAME, "value"),
          Input(ids.TRAIN_RENAME, "n_clicks"), Input(ids.TRAIN_DELETE, "submit_n_clicks"),
          State(ids.RUN_SELECT, "value"), State(ids.TRAIN_RENAME_NAME, "value"), prevent_initial_call=True)
def change_run(_rename, _delete, run_name: str, new_name: str | None):
    """Rename or delete the selected run; `refresh_selector` then updates the run selector."""
    service = current()
    runs_dir = service.settings.runs_dir
    renaming = ctx.triggered_id == ids.TRAIN_RENAME
    try:
        path = service.run(run_name).path
        refusal = change_refusal(path, runs_dir, renaming=renaming, training=is_training(runs_dir),
                                 only_run=len(service.run_names()) == 1)
        if refusal:
            raise ValueError(refusal)
        if renaming:
            selected = rename_run(path, check_new_name(new_name, runs_dir)).name
            message = f"Renamed {run_name} to {selected}."
        else:
            delete_run(path)
            selected = service.default_run()
            message = f"Deleted {run_name}; {selected} is selected now."
    except (ValueError, RunError) as error:
        return html.Span(_sentence("Not renamed" if renaming else "Not deleted", error), className="wrong"), no_update, no_update
    return html.Span(message, className="right"), _changed(selected), ""


@callback(Output(ids.TRAIN_DOWNLOAD, "data"), Output(ids.TRAIN_MANAGE_MESSAGE, "children", allow_duplicate=True),
          Input(ids.TRAIN_EXPORT, "n_clicks"), Input(ids.TRAIN_HISTORY_CSV, "n_clicks"),
          Input(ids.TRAIN_CLASSES_CSV, "n_clicks"), State(ids.RUN_SELECT, "value"), prevent_initial_call=True)
def download(_zip, _history, _classes, run_name: str):
    """The selected run as a zip (model and metrics), or one of its metric tables as CSV."""
    try:
        run = current().run(run_name)
        if ctx.triggered_id == ids.TRAIN_EXPORT:
            return dcc.send_bytes(export_run_zip(run.path), f"{run.name}.zip"), ""
    except RunError as error:
        return no_update, html.Span(_sentence("Cannot download", error), className="wrong")
    table, kind = (run.history, "history") if ctx.triggered_id == ids.TRAIN_HISTORY_CSV else \
        (per_class_table(run), "per-class")
    return dcc.send_data_frame(table.to_csv, f"{run.name}-{kind}.csv", index=False), ""
