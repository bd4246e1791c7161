"""Train page: train a model from the browser with live progress, and rename, delete or download
runs.

Start checks the form (each field's error next to it) and starts a job (dashboard/jobs/launcher.py):
a thread of the server, or a Celery worker, starts the training process, which takes the training
lock and keeps the job's record in the runs directory (model/training/jobs.py). The page polls that
record, so anyone on /train sees the live progress; the browser that started the job (its id in
local storage) may cancel it and gets the "Trained…" result even after leaving the page. One
training at a time per runs directory. Changes (train, cancel, rename, delete) need the admin token
when the server is open to the network. The form is dashboard/train/form_view.py, the selected
run's card dashboard/train/manage.py.
"""

from __future__ import annotations

import uuid

import dash
from dash import ALL, Input, Output, State, callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import hardening, ids
from dashboard.components import GRAPH_CONFIG, card
from dashboard.figures.curves import fig_live_curves
from dashboard.jobs import form
from dashboard.jobs.launcher import JobRefused, death_cause, start_job
from dashboard.jobs.manager import celery_app_of
from dashboard.jobs.view import job_view, sentence
from dashboard.service import current
from dashboard.shell import run_options
from dashboard.train import form_view, manage
from dashboard.validation import (
    check_choice,
    check_clicks,
    check_dict,
    check_list,
    check_run,
    check_text,
)
from model.core.runs import RunError
from model.training.job_record import DONE, LOST, RUNNING, job_status, request_cancel

dash.register_page(__name__, path="/train", name="Train", title="Train · MNIST Explorer", order=60)

POLL_MS = 1000  # how often the page reads the job's record
OWNER_LENGTH = 64
FORM_NOTE = (
    "A preset is a tested recipe (schedule, learning rate, regularization); changing a field "
    "overrides it. The run is saved when the training ends; Cancel leaves nothing behind."
)
PROGRESS_NOTE = (
    "Loss and accuracy after each epoch, on the training images and on the 5,000 held-out "
    "validation images."
)


def _live() -> html.Div:
    """The progress bar, the status line and the growing learning curves."""
    return html.Div(
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


def layout(**_query) -> html.Div:
    """The Train page: the form and the live training on top, the selected run's management
    below."""
    settings = current().settings
    new_training = form_view.form_layout(settings.runs_dir, settings.max_epochs)
    return html.Div(
        [
            html.H1("Train"),
            # This browser's id (in local storage: it survives leaving the page and reloading it).
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
                    card("New training", new_training, note=FORM_NOTE),
                    card("Progress", _live(), note=PROGRESS_NOTE),
                ],
                className="grid-train",
            ),
            card(
                "Selected run",
                *manage.manager(),
                note="Acts on the model chosen in the Model menu at the top right.",
                class_name="train-manage",
            ),
        ]
    )


form_view.register_callbacks()
manage.register_callbacks()


def _owner(data: object) -> dict:
    """The TRAIN_OWNER store checked: {"id": this browser's id, "announced": the last job
    announced}."""
    data = check_dict(data, "owner", optional=False)
    check_text(data.get("id"), "owner id", max_length=OWNER_LENGTH, optional=False)
    check_text(data.get("announced"), "announced job", max_length=OWNER_LENGTH)
    return data


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


def _not_started(errors: dict[str, str], fields: list[str]) -> tuple:
    """Start's answer to a form with bad fields: each field's message, the name's, the form's."""
    name_error = (
        html.Span(sentence("Cannot use this name", errors["name"]), className="wrong")
        if "name" in errors
        else no_update
    )
    message = html.Span("Not started: correct the fields marked above.", className="wrong")
    return _field_messages(errors, fields), name_error, message


def _launch(cfg, owner: dict) -> html.Span:
    """Start the training `cfg` for this browser; what the form says about it."""
    settings = current().settings
    try:
        refusal = hardening.change_refusal(settings)
        if refusal:
            raise PermissionError(refusal)
        start_job(cfg, owner["id"], celery_app=celery_app_of(dash.get_app()))
    except (JobRefused, PermissionError, RunError) as error:
        return html.Span(sentence("Not started", error), className="wrong")
    return html.Span(f"Started the training of {cfg.out.name}.", className="note")


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
    fields,
):
    """Check the form (each field's error next to it) and start the training it describes."""
    check_clicks(_clicks)
    owner, fields = _owner(owner), check_list(fields, "field ids", _field_of)
    augment = form_view.augment_values(augment)
    settings = current().settings
    try:
        cfg = form.form_config(
            runs_dir=settings.runs_dir,
            max_epochs=settings.max_epochs,
            augment=form_view.AUGMENT in augment,
            **dict(
                zip(
                    form.FIELDS,
                    (preset, architecture, epochs, batch_size, train_size, seed, name),
                    strict=True,
                )
            ),
        )
    except form.FormError as error:
        return _not_started(error.errors, fields)
    return _field_messages({}, fields), no_update, _launch(cfg, owner)


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
    job = job_status(settings.runs_dir)
    if job is None or job["state"] != RUNNING:
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
    try:
        request_cancel(settings.runs_dir, job["job"])
    except RunError as error:
        return html.Span(sentence("Not cancelled", error), className="wrong")
    return html.Span(f"Cancelling the training of {job['run']}…", className="note")


def _announce(job: dict | None, owner: dict) -> tuple:
    """TRAIN_CHANGED and TRAIN_OWNER after a poll: a run this browser trained is selected once."""
    if (
        job is None
        or job["state"] != DONE
        or job["owner"] != owner["id"]
        or owner["announced"] == job["job"]
    ):
        return no_update, no_update
    return manage.changed(job["run"]), {**owner, "announced": job["job"]}


def _run_or_none(name: str):
    try:
        return current().run(name)
    except RunError:
        return None


def _curves(job: dict | None, seen: dict) -> tuple:
    """The live curves of `job` unless this browser already shows them; what it shows then."""
    job = job or {}
    history = (job.get("progress") or {}).get("history") or []
    shown = {"job": job.get("job"), "state": job.get("state"), "epochs": len(history)}
    if shown == seen:
        return no_update, shown
    return fig_live_curves(history, job.get("run", ""), int(job.get("epochs") or 1)), shown


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
    job = job_status(settings.runs_dir)
    cause = (
        death_cause(celery_app_of(dash.get_app()), job)
        if job is not None and job["state"] == LOST
        else None
    )
    view = job_view(
        job,
        owner=owner["id"],
        admin=hardening.is_admin(settings),
        run_of=_run_or_none,
        death_cause=cause,
    )
    figure, shown = _curves(job, seen)
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
