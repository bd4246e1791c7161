"""What the Train page shows of a training job, for the browser looking at it.

The browser that started the job sees its progress, may cancel it and gets the "Trained…" result,
even after leaving the page and coming back; every other browser sees the same progress and is
told who may cancel. A lost job (its process, server or worker died) reads as failed, with
Celery's cause when there is one. Pure functions of the job's status
(`model.training.job_record.job_status`): the page's poll callback calls them.
"""

from __future__ import annotations

from dataclasses import dataclass

from dash import dcc, html

from dashboard.components import duration
from model.core.runs import Run
from model.training import job_record

STARTING = "Starting: loading TensorFlow and the training images…"


@dataclass(frozen=True)
class JobView:
    """The Train page's live part for one browser: progress, status line, and which buttons work."""

    running: bool
    progress: float  # 0-100
    progress_text: str
    status: object  # Dash children
    may_cancel: bool


def progress_text(report: dict | None) -> str:
    """One line about a progress report of a job (`model.training.progress`; None: the process is
    starting)."""
    if not report:
        return STARTING
    if report["fraction"] >= 1:
        return "Evaluating on the 10,000 test images and saving the run…"
    if report["steps"] == 0:
        return "Building the model…"
    return (
        f"Epoch {report['epoch']} of {report['epochs']} · batch {report['step']} of "
        f"{report['steps']} · "
        f"{report['fraction']:.0%}"
    )


def sentence(context: str, error: Exception | str) -> str:
    """`error` after `context` as one sentence, e.g. "Not started: a run called 'x' already
    exists."."""
    text = str(error)
    return f"{context}: {text}" + ("" if text.endswith(".") else ".")


def trained(run: Run) -> html.Div:
    """How a finished training is announced: its test accuracy, and where to look at it."""
    evaluation, meta = run.evaluation, run.metadata
    return html.Div(
        [
            html.Strong(f"Trained {run.name}: "),
            f"test accuracy {evaluation['accuracy']:.2%} ({evaluation['errors']:,} errors) in "
            f"{duration(meta.get('duration_seconds', 0))}. It is now the selected model on every "
            "page: ",
            dcc.Link("its learning curves", href="/training"),
            ", ",
            dcc.Link("its errors", href="/errors"),
            ".",
        ],
        className="right",
    )


def _running(job: dict, mine: bool, admin: bool) -> JobView:
    report = job.get("progress")
    fraction = float(report["fraction"]) if report else 0.0
    if mine:
        status = html.Span(
            f"Training {job['run']}, started from this browser: Cancel stops it.", className="note"
        )
    else:
        status = html.Span(
            f"A training of {job['run']} is running on this server, started from another browser: "
            "only that "
            f"browser{' or an admin (you are one)' if admin else ' (or an admin with the token)'} "
            "can cancel it.",
            className="note",
        )
    return JobView(True, round(100 * fraction, 1), progress_text(report), status, mine or admin)


def job_view(
    job: dict | None, *, owner: str, admin: bool, run_of, death_cause: str | None = None
) -> JobView:
    """What browser `owner` sees of `job` (a `job_status`, or None); `run_of(name)` gives a finished
    run, `death_cause` why a lost job died when the launcher knows."""
    if job is None:
        return JobView(False, 0, "", "", False)
    mine = job.get("owner") == owner
    state, name = job.get("state"), job.get("run")
    if state == job_record.RUNNING:
        return _running(job, mine, admin)
    if state == job_record.DONE:
        run = run_of(name) if mine else None
        status = (
            trained(run)
            if run is not None
            else html.Span(
                f"The last training, {name}, finished."
                if not mine
                else f"{name} was trained here, then renamed or deleted.",
                className="note",
            )
        )
    elif state == job_record.CANCELLED:
        status = html.Span(
            f"Cancelled: the training of {name} was stopped and nothing was saved."
            if mine
            else f"The last training, {name}, was cancelled.",
            className="note",
        )
    else:  # failed, or lost: its process died
        reason = (death_cause if state == job_record.LOST else None) or job.get("message")
        status = html.Span(
            sentence(f"Training of {name} failed", reason or "no reason given"), className="wrong"
        )
    return JobView(False, 0, "", status, False)
