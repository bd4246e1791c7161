"""The frame around every page: navigation bar from the page registry, run selector, notice line."""

from __future__ import annotations

import dash
from dash import ALL, Dash, Input, Output, dcc, html

from dashboard import ids
from dashboard.service import current
from model.runs import RunError


def run_options() -> list[dict]:
    """The run selector's choices, rescanned now."""
    return [{"label": summary.label, "value": summary.name} for summary in current().summaries()]


def layout() -> html.Div:
    """The shell; the selected page goes in `dash.page_container`."""
    nav = [
        dcc.Link(page["name"], href=page["relative_path"], id={"type": ids.SHELL_NAV_LINK, "path": page["path"]},
                 className="nav-link")
        for page in dash.page_registry.values()
    ]
    selector = dcc.Dropdown(id=ids.RUN_SELECT, options=run_options(), value=current().default_run(),
                            clearable=False, searchable=False, persistence=True, persistence_type="session")
    return html.Div([
        dcc.Location(id=ids.SHELL_URL),
        dcc.Store(id=ids.SHELL_DRAWING, storage_type="session"),  # written by the Draw page, read by /network, /attack
        html.Header([
            html.A("MNIST Explorer", href="/", className="brand"),
            html.Nav(nav, className="nav"),
            html.Label(["Model", selector], className="run-select"),
        ], className="topbar"),
        html.Div(id=ids.SHELL_NOTICE, className="notice", hidden=True),
        html.Main(dash.page_container, className="page"),
    ])


def run_notice(name: str | None) -> tuple[str, bool]:
    """The notice text and whether it is hidden: why the selected run cannot be shown, if it cannot."""
    try:
        current().run(name)
    except RunError as error:
        return str(error), False
    return "", True


def register(app: Dash) -> None:
    """The shell's callbacks: highlight the current page, refresh the runs, explain an unreadable run."""
    app.clientside_callback(
        "(path, ids) => ids.map(id => id.path === path ? 'nav-link active' : 'nav-link')",
        Output({"type": ids.SHELL_NAV_LINK, "path": ALL}, "className"),
        Input(ids.SHELL_URL, "pathname"),
        dash.State({"type": ids.SHELL_NAV_LINK, "path": ALL}, "id"),
    )
    app.callback(Output(ids.RUN_SELECT, "options"), Input(ids.SHELL_URL, "pathname"))(lambda _: run_options())
    app.callback(Output(ids.SHELL_NOTICE, "children"), Output(ids.SHELL_NOTICE, "hidden"),
                 Input(ids.RUN_SELECT, "value"))(run_notice)
