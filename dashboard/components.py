"""Layout pieces shared by the pages: cards, graphs, image galleries, tables."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from dash import dcc, html

from dashboard.figures.images import png_data_url

GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def card(title: str, *children, note: str | None = None, class_name: str = "") -> html.Section:
    """A titled panel; `note` is a one-line explanation under the title."""
    head = [html.H3(title)] + ([html.P(note, className="note")] if note else [])
    return html.Section(head + list(children), className=f"card {class_name}".strip())


def stat(value: str, label: str) -> html.Div:
    """A big number with its label."""
    return html.Div([html.Strong(value), html.Span(label)], className="stat")


def graph(component_id: str, figure=None, **kwargs) -> dcc.Loading:
    """A Plotly graph with the shared toolbar settings, in a loading spinner."""
    inner = dcc.Graph(id=component_id, figure=figure or {}, config=GRAPH_CONFIG, **kwargs)
    return dcc.Loading(inner, type="circle", delay_show=300)


def tile(
    image: np.ndarray,
    caption: Sequence[str],
    *,
    tile_id: dict | None = None,
    link: tuple[str, str] | None = None,
) -> html.Figure:
    """One digit with caption lines; clickable when it has a `tile_id`, with an optional (text,
    href) link."""
    body = [html.Img(src=png_data_url(image), alt=" ".join(caption))]
    body.append(html.Figcaption([html.Span(line) for line in caption]))
    if link is not None:
        body.append(dcc.Link(link[0], href=link[1], className="tile-link"))
    if tile_id is None:
        return html.Figure(body, className="tile")
    return html.Figure(
        body, id=tile_id, n_clicks=0, className="tile clickable", title="show its probabilities"
    )


def gallery(tiles: list, *, empty: str = "No images.") -> html.Div:
    """A wrapping grid of tiles, or the `empty` message."""
    return html.Div(tiles, className="gallery") if tiles else html.P(empty, className="note")


def table(
    header: Sequence[str], rows: Sequence[Sequence], *, highlight: int | None = None
) -> html.Div:
    """A plain table, scrolling sideways inside its card when too wide; row number `highlight` is
    the selected one."""
    return html.Div(
        html.Table(
            [
                html.Thead(html.Tr([html.Th(cell) for cell in header])),
                html.Tbody(
                    [
                        html.Tr(
                            [html.Td(cell) for cell in row],
                            className="selected" if number == highlight else None,
                        )
                        for number, row in enumerate(rows)
                    ]
                ),
            ],
            className="data-table",
        ),
        className="table-scroll",
    )


def query_notice(messages: Sequence[str]) -> html.Div:
    """The messages about unusable values in the page's link (hidden when there is none)."""
    return html.Div(
        [html.P(message) for message in messages],
        className="notice query-notice",
        role="status",
        hidden=not messages,
    )


def duration(seconds: float) -> str:
    """A training time for people: "48 s", "7 min 05 s", "1 h 02 min"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def scale_note(calibrated: bool, uncalibrated: Sequence[str] = ()) -> str:
    """What the probabilities shown are: "raw probabilities", "calibrated probabilities", or
    calibrated except
    for the runs named in `uncalibrated` (shown raw: they have no calibration.json)."""
    if not calibrated:
        return "raw probabilities"
    if uncalibrated:
        return f"raw probabilities: {', '.join(uncalibrated)} not calibrated"
    return "calibrated probabilities"
