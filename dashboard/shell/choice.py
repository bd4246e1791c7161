"""Which run the pages follow: the URL's `?run=`, else the stored choice, else the default, with a
notice.

One callback decides for every page. It runs when a page loads (the URL), when the user picks a
run, and when any callback met a run that vanished meanwhile (the run guard writes `SHELL_LOST`).
A run renamed or deleted elsewhere falls back to the default run with a notice naming the old
one; that also repairs a stale choice kept in the browser's session storage, because a value set
by a callback replaces the stored one.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import Dash, Input, Output, ctx, no_update

from dashboard import ids
from dashboard.service import current
from dashboard.shell.layout import run_options
from dashboard.validation import check_text
from model.core.runs import RunError

RUN_QUERY = "run"  # the query parameter that names the run, on every page
MAX_QUERY = 4000  # characters of the address's query string
MODEL_PAGES = (
    "/draw",
    "/saliency",
)  # the pages that run the selected model (the others read its files)


def query_run(search: str | None) -> str | None:
    """The run named by the URL's query string (`?run=NAME`), None when there is none."""
    values = parse_qs((search or "").lstrip("?")).get(RUN_QUERY)
    return values[-1] if values else None


def fallback_notice(lost: object, default: str) -> str:
    """The notice shown when run `lost` cannot be followed any more and `default` is shown
    instead."""
    return (
        f"The model “{str(lost)[:80]}” is not available any more (renamed, deleted or damaged, "
        "perhaps by "
        f"another user): showing the default model “{default}” instead."
    )


def resolve(wanted: object) -> tuple[str, str | None]:
    """The run to show for `wanted` and the notice (None when `wanted` is readable and shown as
    asked)."""
    service = current()
    try:
        service.run(wanted)
        return str(wanted), None
    except RunError:
        pass
    try:
        default = service.default_run()
    except RunError as error:  # no run left at all: say so (and never ask again, which would loop)
        return str(wanted), f"{error}"
    return default, fallback_notice(wanted, default)


def model_notice(name: str, pathname: object) -> str | None:
    """Why run `name`'s model cannot be used, if it cannot: loaded on the pages that run it, else
    its file checked."""
    entry = current().entry(name)
    if isinstance(pathname, str) and pathname.startswith(MODEL_PAGES):
        try:
            entry.predictor()  # loaded once and cached; a model Keras refuses says why here
        except RunError:
            pass
    problem = entry.model_problem()
    return f"{problem} (the Draw and Saliency pages cannot use this run)" if problem else None


def choose_run(search: str | None, path: str | None, value: str | None, lost: dict | None):
    """The shell's callback: (selected run, run options, notice text, notice hidden)."""
    search = check_text(search, "address query", max_length=MAX_QUERY)
    trigger = ctx.triggered_id
    asked = query_run(search) if trigger in (None, ids.SHELL_URL) else None
    chosen, notice = resolve(asked or value)
    if notice is None:
        notice = model_notice(chosen, path)
    selected = (
        chosen if chosen != value else no_update
    )  # never the same value again: pages would reread it
    options = run_options()
    if notice is not None:
        return selected, options, notice, False
    if trigger == ids.SHELL_LOST and isinstance(lost, dict) and lost.get("run") == value:
        return (
            selected,
            options,
            str(lost.get("error", ""))[:300],
            False,
        )  # the run is there, a part is unreadable
    if trigger == ids.RUN_SELECT or (asked is not None and asked != value):
        return (
            selected,
            options,
            "",
            True,
        )  # a choice of the user's (or of a link): the old notice is settled
    return selected, options, no_update, no_update


# The selected run goes into the URL (kept there when another page opens), so that a link shows the
# same model.
WRITE_RUN_TO_URL = "(run, _path) => { if (run) { window.mnistQuery({run: run}); } }"


def register_choice(app: Dash) -> None:
    """Register the run choice and the run's place in the URL."""
    app.callback(
        Output(ids.RUN_SELECT, "value"),
        Output(ids.RUN_SELECT, "options"),
        Output(ids.SHELL_NOTICE, "children"),
        Output(ids.SHELL_NOTICE, "hidden"),
        Input(ids.SHELL_URL, "search"),
        Input(ids.SHELL_URL, "pathname"),
        Input(ids.RUN_SELECT, "value"),
        Input(ids.SHELL_LOST, "data"),
    )(choose_run)
    app.clientside_callback(
        WRITE_RUN_TO_URL, Input(ids.RUN_SELECT, "value"), Input(ids.SHELL_URL, "pathname")
    )
