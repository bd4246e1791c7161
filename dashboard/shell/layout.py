"""The frame around every page: navigation bar from the page registry, run selector, notice line."""

from __future__ import annotations

import dash
from dash import ALL, Dash, Input, Output, dcc, html

from dashboard import ids
from dashboard.service import current


def run_options() -> list[dict]:
    """The run selector's choices, rescanned now."""
    return [{"label": summary.label, "value": summary.name} for summary in current().summaries()]


def _nav() -> list:
    """One link per registered page."""
    return [
        dcc.Link(
            page["name"],
            href=page["relative_path"],
            id={"type": ids.SHELL_NAV_LINK, "path": page["path"]},
            className="nav-link",
        )
        for page in dash.page_registry.values()
    ]


def _run_selector() -> dcc.Dropdown:
    """The model selector, preselecting the default run.

    No browser-side persistence: the address (`?run=`, dashboard/shell/choice.py) keeps the choice
    across reloads, and a stale one is repaired there (Dash's session storage kept a vanished run
    for ever).
    """
    return dcc.Dropdown(
        id=ids.RUN_SELECT,
        options=run_options(),
        value=current().default_run(),
        clearable=False,
        searchable=False,
    )


def _probability_switch() -> html.Label:
    """The raw / calibrated switch that every page follows."""
    return html.Label(
        [
            "Probabilities",
            dcc.RadioItems(
                id=ids.PROBABILITY_SCALE,
                value="calibrated",
                inline=True,
                className="radio",
                persistence=True,
                persistence_type="session",
                options=[
                    {"label": "calibrated", "value": "calibrated"},
                    {"label": "raw", "value": "raw"},
                ],
            ),
        ],
        className="probability-scale",
        title="Temperature-scaled (calibrated) or the model's raw "
        "softmax probabilities, on every page",
    )


def _topbar() -> html.Header:
    """The brand, the pages' menu, the model selector and the probability switch."""
    return html.Header(
        [
            html.A("MNIST Explorer", href="/", className="brand"),
            html.Button(
                "☰ Pages",
                id=ids.SHELL_MENU,
                n_clicks=0,
                className="menu-button",
                **{"aria-controls": ids.SHELL_NAV, "aria-expanded": "false"},
            ),
            html.Nav(_nav(), id=ids.SHELL_NAV, className="nav"),
            html.Label(["Model", _run_selector()], className="run-select"),
            _probability_switch(),
        ],
        className="topbar",
    )


def layout() -> html.Div:
    """The shell; the selected page goes in `dash.page_container`."""
    return html.Div(
        [
            dcc.Location(id=ids.SHELL_URL),
            dcc.Store(id=ids.SHELL_LOST),
            dcc.Store(
                id=ids.SHELL_DRAWING, storage_type="session"
            ),  # the last drawing's id: written by the Draw page, read by /network, /attack
            _topbar(),
            html.Div(id=ids.SHELL_NOTICE, className="notice", hidden=True),
            html.Main(dash.page_container, className="page"),
        ]
    )


def register(app: Dash) -> None:
    """The shell's own callback: highlight the current page (the run choice is in
    `dashboard.shell.choice`)."""
    app.clientside_callback(
        "(path, ids) => ids.map(id => id.path === path ? 'nav-link active' : 'nav-link')",
        Output({"type": ids.SHELL_NAV_LINK, "path": ALL}, "className"),
        Input(ids.SHELL_URL, "pathname"),
        dash.State({"type": ids.SHELL_NAV_LINK, "path": ALL}, "id"),
    )
    # narrow screens: the button opens and closes the links, opening a page closes them
    app.clientside_callback(
        "(_clicks, _path, current) => { const menu = dash_clientside.callback_context.triggered"
        ".some(t => t.prop_id === 'shell-menu.n_clicks'); const open = menu && current !== 'nav "
        "open';"
        " return [open ? 'nav open' : 'nav', String(open)]; }",
        Output(ids.SHELL_NAV, "className"),
        Output(ids.SHELL_MENU, "aria-expanded"),
        Input(ids.SHELL_MENU, "n_clicks"),
        Input(ids.SHELL_URL, "pathname"),
        dash.State(ids.SHELL_NAV, "className"),
    )
