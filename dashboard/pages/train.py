"""Train page: train a model from the browser with live progress, and rename, delete or download
runs.

Start checks the form (each field's error next to it) and starts a job (dashboard/jobs/runner.py):
a thread of the server, or a Celery worker, runs the training in a fresh Python process and keeps
the job's record in the runs directory. The page polls that record, so anyone on /train sees the
live progress; the browser that started the job (its id in local storage) may cancel it and gets
the "Trained…" result even after leaving the page. One training at a time per runs directory.
Changes (train, cancel, rename, delete) need the admin token when the server is open to the network.
"""

from __future__ import annotations

import uuid

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import hardening, ids
from dashboard.components import GRAPH_CONFIG, card
from dashboard.figures.curves import fig_live_curves
from dashboard.jobs import form
from dashboard.jobs import record as records
from dashboard.jobs.manager import celery_app_of
from dashboard.jobs.runner import JobBusy, death_cause, start_job
from dashboard.jobs.status import job_view, sentence
from dashboard.service import current
from dashboard.shell import run_options
from dashboard.validation import (
    check_choice,
    check_clicks,
    check_dict,
    check_list,
    check_run,
    check_text,
)
from model.core.runs import RunError, RunStore, export_run_zip, per_class_table
from model.training.jobs import is_training

dash.register_page(__name__, path="/train", name="Train", title="Train · MNIST Explorer", order=60)

AUGMENT = "on"
POLL_MS = 1000  # how often the page reads the job's record
OWNER_LENGTH = 64


def _field(label: str, control, field: str | None = None) -> html.Label:
    error = (
        [
            html.Div(
                id={"type": ids.TRAIN_FIELD_ERROR, "field": field},
                className="train-hint wrong",
                role="alert",
            )
        ]
        if field
        else []
    )
    return html.Label([html.Span(label), control, *error], className="train-field")


def _form(runs_dir, max_epochs: int) -> html.Div:
    architecture = form.DEFAULTS["architecture"]
    return html.Div(
        [
            _field(
                "Preset",
                dcc.Dropdown(
                    id=ids.TRAIN_PRESET,
                    options=form.preset_options(),
                    value=form.DEFAULTS["preset"],
                    clearable=False,
                    searchable=False,
                ),
                "preset",
            ),
            html.Div(id=ids.TRAIN_PRESET_CHANGES, className="train-hint", role="status"),
            _field(
                "Architecture",
                dcc.Dropdown(
                    id=ids.TRAIN_ARCHITECTURE,
                    options=form.architecture_options(),
                    value=architecture,
                    clearable=False,
                    searchable=False,
                ),
                "architecture",
            ),
            html.Div(
                [
                    _field(
                        "Epochs",
                        dcc.Input(
                            id=ids.TRAIN_EPOCHS,
                            type="number",
                            min=1,
                            max=max_epochs,
                            step=1,
                            value=form.DEFAULTS["epochs"],
                        ),
                        "epochs",
                    ),
                    _field(
                        "Batch size",
                        dcc.Dropdown(
                            id=ids.TRAIN_BATCH_SIZE,
                            options=list(form.BATCH_SIZES),
                            value=form.DEFAULTS["batch_size"],
                            clearable=False,
                            searchable=False,
                        ),
                        "batch_size",
                    ),
                    _field(
                        "Seed",
                        dcc.Input(
                            id=ids.TRAIN_SEED,
                            type="number",
                            min=0,
                            step=1,
                            value=form.DEFAULTS["seed"],
                        ),
                        "seed",
                    ),
                ],
                className="train-row",
            ),
            _field(
                "Training images",
                dcc.Dropdown(
                    id=ids.TRAIN_SIZE,
                    options=[
                        {"label": form.train_size_label(size), "value": size}
                        for size in form.TRAIN_SIZES
                    ],
                    value=form.DEFAULTS["train_size"],
                    clearable=False,
                    searchable=False,
                ),
                "train_size",
            ),
            dcc.Checklist(
                id=ids.TRAIN_AUGMENT,
                options=[{"label": "Augment: random rotation, shift and zoom", "value": AUGMENT}],
                value=[AUGMENT] if form.DEFAULTS["augment"] else [],
                className="radio",
            ),
            _field(
                "Run name",
                dcc.Input(
                    id=ids.TRAIN_NAME,
                    type="text",
                    maxLength=64,
                    value=form.suggest_name(runs_dir, architecture),
                ),
            ),
            html.Div(id=ids.TRAIN_NAME_CHECK, className="train-hint", role="alert"),
            html.Div(
                [
                    html.Button(
                        "Start training", id=ids.TRAIN_START, n_clicks=0, className="button"
                    ),
                    html.Button(
                        "Cancel",
                        id=ids.TRAIN_CANCEL,
                        n_clicks=0,
                        disabled=True,
                        className="button secondary",
                    ),
                ],
                className="controls",
            ),
            html.Div(id=ids.TRAIN_FORM_MESSAGE, role="status"),
        ],
        className="train-form",
    )


def _manager() -> list:
    return [
        html.P(id=ids.TRAIN_SELECTED),
        html.Div(
            [
                dcc.Input(
                    id=ids.TRAIN_RENAME_NAME, type="text", maxLength=64, placeholder="new name"
                ),
                html.Button("Rename", id=ids.TRAIN_RENAME, n_clicks=0, className="button"),
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
                html.Button(
                    "Export (zip)", id=ids.TRAIN_EXPORT, n_clicks=0, className="button secondary"
                ),
                html.Button(
                    "History (CSV)",
                    id=ids.TRAIN_HISTORY_CSV,
                    n_clicks=0,
                    className="button secondary",
                ),
                html.Button(
                    "Per-class scores (CSV)",
                    id=ids.TRAIN_CLASSES_CSV,
                    n_clicks=0,
                    className="button secondary",
                ),
            ],
            className="controls",
        ),
        html.Div(id=ids.TRAIN_MANAGE_MESSAGE, role="status"),
        dcc.Download(id=ids.TRAIN_DOWNLOAD),
    ]


def layout(**_query) -> html.Div:
    """The Train page: the form and the live training on top, the selected run's management
    below."""
    settings = current().settings
    live = html.Div(
        [
            html.Div(
                [
                    html.Progress(id=ids.TRAIN_PROGRESS, value=0, max=100),
                    html.Span(id=ids.TRAIN_PROGRESS_TEXT),
                ],
                id=ids.TRAIN_PROGRESS_BOX,
                className="train-progress",
                hidden=True,
            ),
            html.Div(id=ids.TRAIN_STATUS, role="status", className="train-status"),
            dcc.Graph(id=ids.TRAIN_LIVE, figure=fig_live_curves([], "", 1), config=GRAPH_CONFIG),
        ]
    )
    return html.Div(
        [
            html.H1("Train"),
            # This browser's id (kept in local storage, so it survives leaving the page and
            # reloading it).
            dcc.Store(
                id=ids.TRAIN_OWNER,
                storage_type="local",
                data={"id": uuid.uuid4().hex, "announced": None},
            ),
            dcc.Store(id=ids.TRAIN_SEEN),
            dcc.Store(id=ids.TRAIN_CHANGED),
            dcc.Interval(id=ids.TRAIN_POLL, interval=POLL_MS),
            html.Div(
                [
                    card(
                        "New training",
                        _form(settings.runs_dir, settings.max_epochs),
                        note="A preset is a tested recipe (schedule, learning rate, "
                        "regularization); changing a field "
                        "overrides it. The run is saved when the training ends; Cancel leaves "
                        "nothing behind.",
                    ),
                    card(
                        "Progress",
                        live,
                        note="Loss and accuracy after each epoch, on the training images and on "
                        "the "
                        "5,000 held-out validation images.",
                    ),
                ],
                className="grid-train",
            ),
            card(
                "Selected run",
                *_manager(),
                note="Acts on the model chosen in the Model menu at the top right.",
                class_name="train-manage",
            ),
        ]
    )


def _owner(data: object) -> dict:
    """The TRAIN_OWNER store checked: {"id": this browser's id, "announced": the last job
    announced}."""
    data = check_dict(data, "owner", optional=False)
    check_text(data.get("id"), "owner id", max_length=OWNER_LENGTH, optional=False)
    check_text(data.get("announced"), "announced job", max_length=OWNER_LENGTH)
    return data


@callback(
    Output(ids.TRAIN_ARCHITECTURE, "value"),
    Output(ids.TRAIN_EPOCHS, "value"),
    Output(ids.TRAIN_BATCH_SIZE, "value"),
    Output(ids.TRAIN_SIZE, "value"),
    Output(ids.TRAIN_AUGMENT, "value", allow_duplicate=True),
    Input(ids.TRAIN_PRESET, "value"),
    prevent_initial_call=True,
)
def apply_preset(preset: str) -> tuple:
    """Fill the form with what the chosen preset trains; custom keeps the fields as they are."""
    if check_choice(preset, "preset", list(form.PRESET_LABELS)) == form.CUSTOM:
        raise PreventUpdate
    fields = form.preset_fields(preset)
    return (
        fields["architecture"],
        fields["epochs"],
        fields["batch_size"],
        fields["train_size"],
        [AUGMENT] if fields["augment"] else [],
    )


@callback(
    Output(ids.TRAIN_PRESET_CHANGES, "children"),
    Input(ids.TRAIN_PRESET, "value"),
    Input(ids.TRAIN_ARCHITECTURE, "value"),
    Input(ids.TRAIN_EPOCHS, "value"),
    Input(ids.TRAIN_BATCH_SIZE, "value"),
    Input(ids.TRAIN_SIZE, "value"),
    Input(ids.TRAIN_AUGMENT, "value"),
    prevent_initial_call=True,
)
def show_preset_changes(
    preset, architecture, epochs, batch_size, train_size, augment
) -> str | html.Span:
    """Say which fields now differ from the chosen preset: its time and accuracy no longer describe
    the training."""
    preset = check_choice(preset, "preset", list(form.PRESET_LABELS))
    augment = check_list(
        augment, "augment", lambda value, where: check_choice(value, where, [AUGMENT])
    )
    changes = form.preset_changes(
        preset,
        architecture=architecture,
        epochs=epochs,
        batch_size=batch_size,
        train_size=train_size,
        augment=AUGMENT in augment,
    )
    if not changes:
        return ""
    return html.Span(
        f"Changed from the {preset} preset: {'; '.join(changes)}. Its time and accuracy no longer "
        "apply; its recipe (schedule, learning rate, regularization) still does.",
        className="note",
    )


@callback(
    Output(ids.TRAIN_AUGMENT, "value"),
    Input(ids.TRAIN_ARCHITECTURE, "value"),
    prevent_initial_call=True,
)
def suggest_augment(architecture: str) -> list[str]:
    """Augmentation on for the deep CNN, off for the small models, as `python -m model.train`
    does."""
    check_choice(
        architecture, "architecture", [option["value"] for option in form.architecture_options()]
    )
    return [AUGMENT] if form.augment_by_default(architecture) else []


@callback(Output(ids.TRAIN_NAME_CHECK, "children"), Input(ids.TRAIN_NAME, "value"))
def check_name(name: str | None) -> html.Span:
    """Say at once whether the run name typed can be used."""
    name = check_text(name, "run name")
    try:
        form.check_new_name(name, current().settings.runs_dir)
    except ValueError as error:
        return html.Span(sentence("Cannot use this name", error), className="wrong")
    return html.Span("This name is free.", className="note")


def _changed(run_name: str) -> dict:
    """What `TRAIN_CHANGED` holds after a change of the runs: the run to select, and a fresh id."""
    return {"select": run_name, "change": uuid.uuid4().hex}


@callback(
    Output(ids.RUN_SELECT, "options", allow_duplicate=True),
    Output(ids.RUN_SELECT, "value", allow_duplicate=True),
    Input(ids.TRAIN_CHANGED, "data"),
    prevent_initial_call=True,
)
def refresh_selector(change: dict | None):
    """After a run was trained, renamed or deleted: list the runs again and select the one
    concerned."""
    if not change:
        # the page was just opened (Dash calls this because RUN_SELECT is already there)
        raise PreventUpdate
    return run_options(), check_run(check_dict(change, "change").get("select"), "run to select")


def _field_messages(errors: dict[str, str], fields: list[str]) -> list:
    """The message under each field (in `fields`' order): what is wrong with it, in plain words."""
    return [
        html.Span(f"{errors[field][:1].upper()}{errors[field][1:]}.") if field in errors else ""
        for field in fields
    ]


def _field_of(value: object, name: str) -> str:
    """The form field a TRAIN_FIELD_ERROR id names."""
    return check_choice(
        check_dict(value, name, optional=False).get("field"), name, list(form.FIELDS)
    )


@callback(
    Output({"type": ids.TRAIN_FIELD_ERROR, "field": ALL}, "children"),
    Output(ids.TRAIN_NAME_CHECK, "children", allow_duplicate=True),
    Output(ids.TRAIN_FORM_MESSAGE, "children"),
    Input(ids.TRAIN_START, "n_clicks"),
    State(ids.TRAIN_PRESET, "value"),
    State(ids.TRAIN_ARCHITECTURE, "value"),
    State(ids.TRAIN_EPOCHS, "value"),
    State(ids.TRAIN_BATCH_SIZE, "value"),
    State(ids.TRAIN_SIZE, "value"),
    State(ids.TRAIN_AUGMENT, "value"),
    State(ids.TRAIN_SEED, "value"),
    State(ids.TRAIN_NAME, "value"),
    State(ids.TRAIN_OWNER, "data"),
    State({"type": ids.TRAIN_FIELD_ERROR, "field": ALL}, "id"),
    prevent_initial_call=True,
)
def start_training(
    _clicks,
    preset,
    architecture,
    epochs,
    batch_size,
    train_size,
    augment,
    seed,
    name,
    owner,
    field_ids,
):
    """Check the form (each field's error next to it) and start the training it describes."""
    check_clicks(_clicks)
    owner, field_ids = _owner(owner), check_list(field_ids, "field ids", _field_of)
    augment = check_list(
        augment, "augment", lambda value, where: check_choice(value, where, [AUGMENT])
    )
    settings = current().settings
    values = dict(
        zip(
            form.FIELDS,
            (preset, architecture, epochs, batch_size, train_size, seed, name),
            strict=False,
        )
    )
    errors = form.form_errors(runs_dir=settings.runs_dir, max_epochs=settings.max_epochs, **values)
    name_error = (
        html.Span(sentence("Cannot use this name", errors["name"]), className="wrong")
        if "name" in errors
        else no_update
    )
    if errors:
        return (
            _field_messages(errors, field_ids),
            name_error,
            html.Span("Not started: correct the fields marked above.", className="wrong"),
        )
    refusal = hardening.change_refusal(settings)
    cfg = form.form_config(
        runs_dir=settings.runs_dir,
        max_epochs=settings.max_epochs,
        augment=AUGMENT in augment,
        **values,
    )
    try:
        if refusal:
            raise PermissionError(refusal)
        start_job(cfg, owner["id"], celery_app=celery_app_of(dash.get_app()))
    except (JobBusy, PermissionError) as error:
        return (
            _field_messages({}, field_ids),
            no_update,
            html.Span(sentence("Not started", error), className="wrong"),
        )
    return (
        _field_messages({}, field_ids),
        no_update,
        html.Span(f"Started the training of {cfg.out.name}.", className="note"),
    )


@callback(
    Output(ids.TRAIN_FORM_MESSAGE, "children", allow_duplicate=True),
    Input(ids.TRAIN_CANCEL, "n_clicks"),
    State(ids.TRAIN_OWNER, "data"),
    prevent_initial_call=True,
)
def cancel_training(_clicks, owner) -> html.Span:
    """Ask the running training to stop, if this browser started it (or holds the admin token)."""
    check_clicks(_clicks)
    owner = _owner(owner)
    settings = current().settings
    job = records.effective(records.read_record(settings.runs_dir))
    if job is None or job["state"] != records.RUNNING:
        return html.Span("No training is running.", className="note")
    admin = hardening.is_admin(settings)
    refusal = hardening.change_refusal(settings)
    if refusal or (job["owner"] != owner["id"] and not admin):
        reason = (
            refusal or "only the browser that started it, or an admin with the token, can cancel it"
        )
        return html.Span(
            sentence(f"Not cancelled: {job['run']} was not started here", reason), className="wrong"
        )
    records.request_cancel(settings.runs_dir, job["job"])
    return html.Span(f"Cancelling the training of {job['run']}…", className="note")


def _announce(job: dict | None, owner: dict) -> tuple:
    """TRAIN_CHANGED and TRAIN_OWNER after a poll: a run this browser trained is selected once."""
    if (
        job is None
        or job["state"] != records.DONE
        or job["owner"] != owner["id"]
        or owner["announced"] == job["job"]
    ):
        return no_update, no_update
    return _changed(job["run"]), {**owner, "announced": job["job"]}


@callback(
    Output(ids.TRAIN_NAME, "value", allow_duplicate=True),
    Input(ids.TRAIN_ARCHITECTURE, "value"),
    State(ids.TRAIN_NAME, "value"),
    prevent_initial_call=True,
)
def follow_architecture(architecture: str, name: object) -> str:
    """A suggested run name follows the architecture ("fast_cnn-2" becomes "wide_cnn-2"); a name
    typed stays."""
    architecture = check_choice(
        architecture, "architecture", [option["value"] for option in form.architecture_options()]
    )
    if not form.is_suggested_name(name):
        raise PreventUpdate
    return form.suggest_name(current().settings.runs_dir, architecture)


@callback(
    Output(ids.TRAIN_NAME, "value"),
    Input(ids.TRAIN_CHANGED, "data"),
    State(ids.TRAIN_ARCHITECTURE, "value"),
    prevent_initial_call=True,
)
def suggest_next_name(change: dict | None, architecture: str) -> str:
    """After a run was added, renamed or deleted, a free name for the next training."""
    if not check_dict(change, "change"):
        raise PreventUpdate
    architecture = check_choice(
        architecture, "architecture", [option["value"] for option in form.architecture_options()]
    )
    return form.suggest_name(current().settings.runs_dir, architecture)


def _run_or_none(name: str):
    try:
        return current().run(name)
    except RunError:
        return None


@callback(
    Output(ids.TRAIN_PROGRESS, "value"),
    Output(ids.TRAIN_PROGRESS_TEXT, "children"),
    Output(ids.TRAIN_PROGRESS_BOX, "hidden"),
    Output(ids.TRAIN_LIVE, "figure"),
    Output(ids.TRAIN_STATUS, "children"),
    Output(ids.TRAIN_CANCEL, "disabled"),
    Output(ids.TRAIN_START, "disabled"),
    Output(ids.TRAIN_SEEN, "data"),
    Output(ids.TRAIN_CHANGED, "data", allow_duplicate=True),
    Output(ids.TRAIN_OWNER, "data"),
    Input(ids.TRAIN_POLL, "n_intervals"),
    State(ids.TRAIN_OWNER, "data"),
    State(ids.TRAIN_SEEN, "data"),
    prevent_initial_call="initial_duplicate",
)
def show_job(_ticks, owner, seen):
    """The running or last training as this browser may see it: progress, curves, status, and the
    buttons."""
    check_clicks(_ticks, "n_intervals")
    owner, seen = _owner(owner), check_dict(seen, "seen") or {}
    settings = current().settings
    job = records.effective(records.read_record(settings.runs_dir))
    if (
        job is not None
        and job["state"] == records.FAILED
        and job.get("celery")
        and not job.get("finished")
    ):
        job = {
            **job,
            "message": death_cause(celery_app_of(dash.get_app()), job["job"]) or job["message"],
        }
    view = job_view(job, owner=owner["id"], admin=hardening.is_admin(settings), run_of=_run_or_none)
    history = ((job or {}).get("progress") or {}).get("history") or []
    shown = {
        "job": (job or {}).get("job"),
        "state": (job or {}).get("state"),
        "epochs": len(history),
    }
    figure = (
        no_update
        if shown == seen
        else fig_live_curves(
            history, (job or {}).get("run", ""), int((job or {}).get("epochs") or 1)
        )
    )
    return (
        view.progress,
        view.progress_text,
        not view.running,
        figure,
        view.status,
        not view.may_cancel,
        view.running,
        shown,
        *_announce(job, owner),
    )


@callback(
    Output(ids.TRAIN_SELECTED, "children"),
    Output(ids.TRAIN_RENAME, "disabled"),
    Output(ids.TRAIN_DELETE_BUTTON, "disabled"),
    Output(ids.TRAIN_DELETE, "message"),
    Input(ids.RUN_SELECT, "value"),
)
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


@callback(
    Output(ids.TRAIN_MANAGE_MESSAGE, "children"),
    Output(ids.TRAIN_CHANGED, "data", allow_duplicate=True),
    Output(ids.TRAIN_RENAME_NAME, "value"),
    Input(ids.TRAIN_RENAME, "n_clicks"),
    Input(ids.TRAIN_DELETE, "submit_n_clicks"),
    State(ids.RUN_SELECT, "value"),
    State(ids.TRAIN_RENAME_NAME, "value"),
    prevent_initial_call=True,
)
def change_run(_rename, _delete, run_name: str, new_name: str | None):
    """Rename or delete the selected run; `refresh_selector` then updates the run selector."""
    check_clicks(_rename), check_clicks(_delete, "submit_n_clicks")
    run_name, new_name = check_run(run_name), check_text(new_name, "new name")
    service = current()
    runs_dir = service.settings.runs_dir
    renaming = ctx.triggered_id == ids.TRAIN_RENAME
    try:
        path = service.run_path(run_name)
        refusal = hardening.change_refusal(service.settings) or form.change_refusal(
            path,
            runs_dir,
            renaming=renaming,
            training=is_training(runs_dir) or records.is_running(runs_dir),
            only_run=len(service.run_names()) == 1,
        )
        if refusal:
            raise ValueError(refusal)
        store = RunStore(runs_dir)  # `path` is in runs_dir (refused above if not): the same run
        if renaming:
            selected = store.rename(run_name, form.check_new_name(new_name, runs_dir)).name
            message = f"Renamed {run_name} to {selected}."
        else:
            store.delete(run_name)
            selected = service.default_run()
            message = f"Deleted {run_name}; {selected} is selected now."
    except (ValueError, RunError) as error:
        return (
            html.Span(
                sentence("Not renamed" if renaming else "Not deleted", error), className="wrong"
            ),
            no_update,
            no_update,
        )
    return html.Span(message, className="right"), _changed(selected), ""


@callback(
    Output(ids.TRAIN_DOWNLOAD, "data"),
    Output(ids.TRAIN_MANAGE_MESSAGE, "children", allow_duplicate=True),
    Input(ids.TRAIN_EXPORT, "n_clicks"),
    Input(ids.TRAIN_HISTORY_CSV, "n_clicks"),
    Input(ids.TRAIN_CLASSES_CSV, "n_clicks"),
    State(ids.RUN_SELECT, "value"),
    prevent_initial_call=True,
)
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
    return dcc.send_data_frame(table.to_csv, f"{run.name}-{kind}.csv", index=False), ""
