"""Labels page: images of the dataset whose own label is probably wrong, found by confident
learning.

The suspects come from `python -m model.labels` (cleanlab on out-of-sample probabilities). Each
shows its image, given label, suggested label and label-quality score; filter by split, class and
mark, sort, and mark a suspect "label wrong" or "label right" (kept in a JSON file beside the data,
with the time), or export them all with the marks as CSV.
"""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import hardening, ids
from dashboard.components import card, gallery, tile
from dashboard.service import current
from model.core.runs import RunError
from model.trust.label_marks import marks_csv
from model.trust.labels import SHOWS, SORTS, SPLITS, select_suspects

dash.register_page(
    __name__, path="/labels", name="Labels", title="Labels · MNIST Explorer", order=37
)

SALIENCY_PATH = "/saliency"
ANY = "any"
SORT_LABELS = {
    "score": "most suspect first",
    "index": "image number",
    "given": "given label",
    "suggested": "suggested label",
}
SHOW_LABELS = {
    "all": "all",
    "unmarked": "not yet marked",
    "wrong": "marked label wrong",
    "right": "marked label right",
}
VERDICT_TEXT = {"wrong": "label wrong", "right": "label right"}


def _radio(component_id: str, labels: dict[str, str], value: str) -> dcc.RadioItems:
    return dcc.RadioItems(
        id=component_id,
        value=value,
        inline=True,
        className="radio",
        options=[{"label": text, "value": key} for key, text in labels.items()],
    )


def _dropdown(title: str, component_id: str, options: list, value: object, **style) -> html.Label:
    return html.Label(
        [
            title,
            dcc.Dropdown(
                id=component_id,
                options=options,
                value=value,
                clearable=False,
                searchable=False,
                **style,
            ),
        ]
    )


def _controls() -> html.Div:
    """The filters, the page number and the CSV export."""
    digits = [{"label": "any digit", "value": ANY}] + [
        {"label": str(d), "value": d} for d in range(10)
    ]
    sorts = [{"label": SORT_LABELS[s], "value": s} for s in SORTS]
    shows = [{"label": t, "value": k} for k, t in SHOW_LABELS.items()]
    page = dcc.Input(id=ids.LABELS_PAGE, type="number", min=1, step=1, value=1, debounce=True)
    return html.Div(
        [
            _radio(ids.LABELS_SPLIT, {"test": "test images", "train": "training images"}, "test"),
            _dropdown("Class", ids.LABELS_DIGIT, digits, ANY, className="digit-select"),
            _dropdown("Sort", ids.LABELS_SORT, sorts, "score"),
            _dropdown("Show", ids.LABELS_SHOW, shows, "all"),
            html.Label(["Page", page]),
            html.Button("Export CSV", id=ids.LABELS_EXPORT, n_clicks=0, className="button"),
            dcc.Download(id=ids.LABELS_DOWNLOAD),
        ],
        className="labels-controls",
    )


def layout(**_query) -> html.Div:
    """The Labels page: filters, the suspects' gallery and the CSV export."""
    return html.Div(
        [
            html.H1("Label errors in MNIST"),
            dcc.Store(id=ids.LABELS_MARKS, data=0),
            card(
                "Likely mislabeled images",
                _controls(),
                html.Div(id=ids.LABELS_SUMMARY, className="note"),
                html.Div(id=ids.LABELS_MESSAGE, className="message", role="status"),
                dcc.Loading(html.Div(id=ids.LABELS_GALLERY), delay_show=300),
                note="Found by confident learning (cleanlab) from probabilities of models that "
                "never saw the image: "
                "for training images, k-fold cross-validation; for test images, the selected "
                "model (its calibrated probabilities). "
                "Score: cleanlab's label quality, the probability given to the label (lower: more "
                "suspect). A test image also shows the selected model's answer, raw or calibrated "
                "as the Probabilities switch says. "
                "Mark what you see; marks are shared by everyone using this app.",
            ),
        ]
    )


def suspect_tile(row: dict, verdict: str | None, answer: str | None = None) -> html.Div:
    """One suspect: the image, given and suggested labels, score, the model's `answer` (test
    images), its mark and the two mark buttons."""
    service = current()
    images = service.mnist.x_test if row["split"] == "test" else service.mnist.x_train
    caption = (
        [
            f"{row['split']} #{row['index']}",
            f"label {row['given']} → {row['suggested']}?",
            f"score {row['score']:.3f}",
        ]
        + ([answer] if answer else [])
        + ([f"marked: {VERDICT_TEXT[verdict]}"] if verdict else [])
    )
    link = ("explain", f"{SALIENCY_PATH}?index={row['index']}") if row["split"] == "test" else None
    buttons = [
        html.Button(
            text,
            n_clicks=0,
            className="button small" + (" active" if verdict == key else ""),
            id={
                "type": ids.LABELS_MARK,
                "split": row["split"],
                "index": row["index"],
                "verdict": key,
            },
            title="click again to clear the mark" if verdict == key else f"mark: {text}",
        )
        for key, text in VERDICT_TEXT.items()
    ]
    return html.Div(
        [
            tile(images[row["index"]], caption, link=link),
            html.Div(buttons, className="mark-buttons"),
        ],
        className=f"suspect {('marked-' + verdict) if verdict else ''}".strip(),
    )


@callback(
    Output(ids.LABELS_SUMMARY, "children"),
    Output(ids.LABELS_GALLERY, "children"),
    Input(ids.LABELS_SPLIT, "value"),
    Input(ids.LABELS_DIGIT, "value"),
    Input(ids.LABELS_SORT, "value"),
    Input(ids.LABELS_SHOW, "value"),
    Input(ids.LABELS_PAGE, "value"),
    Input(ids.LABELS_MARKS, "data"),
    Input(ids.RUN_SELECT, "value"),
    Input(ids.PROBABILITY_SCALE, "value"),
)
def show_suspects(
    split: str, digit, sort: str, show: str, page, _version, run_name: str, scale="calibrated"
):
    """One page of the suspects chosen by the filters (unknown values read as the defaults), with
    their marks and, for test images, the run's answer (raw or calibrated as the switch says)."""
    split, sort, show = (
        value if value in allowed else default
        for value, allowed, default in (
            (split, SPLITS, "test"),
            (sort, SORTS, "score"),
            (show, SHOWS, "all"),
        )
    )
    digit = (
        digit if isinstance(digit, int) and not isinstance(digit, bool) and 0 <= digit <= 9 else ANY
    )
    store = current().labels
    data = store.suspects()
    if split == "train" and data is None:
        return (
            [
                "No training-set suspects computed yet: run ",
                html.Code("python -m model.labels"),
                ".",
            ],
            None,
        )
    marks = store.marks()
    rows = select_suspects(
        all_suspects(data, run_name),
        marks,
        split=split,
        digit=None if digit == ANY else digit,
        sort=sort,
        show=show,
    )
    return suspects_page(rows, marks, page, data, split, run_name, calibrated=scale != "raw")


def suspects_page(
    rows: list[dict],
    marks: dict,
    page,
    data: dict | None,
    split: str,
    run_name: str,
    *,
    calibrated: bool,
) -> tuple[str, html.Div]:
    """The summary line and the gallery of page `page` of `rows` (clamped to the pages there
    are)."""
    size = current().settings.suspects_page_size
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, page if isinstance(page, int) else 1), pages)
    shown = rows[(page - 1) * size : page * size]
    source = (
        data.get("sources", {}).get("train", "")
        if split == "train"
        else f"run {run_name} (the selected model)"
    )
    marked = sum(1 for row in rows if f"{row['split']}:{row['index']}" in marks)
    answers = answer_lines(shown, run_name, calibrated=calibrated)
    summary = (
        f"{len(rows):,} suspects ({marked} marked), page {page} of {pages}"
        + (f" · probabilities from {source}" if source else "")
        + (f" · answers {current().described(run_name, calibrated=calibrated)}" if answers else "")
        + f" · cleanlab {cleanlab_version()}"
    )
    tiles = [
        suspect_tile(
            row,
            marks.get(f"{row['split']}:{row['index']}", {}).get("verdict"),
            answers.get(row["index"]) if row["split"] == "test" else None,
        )
        for row in shown
    ]
    return summary, gallery(tiles, empty="No suspect matches these filters.")


def answer_lines(rows: list[dict], run_name: str, *, calibrated: bool) -> dict[int, str]:
    """For each test image among `rows`, run `run_name`'s answer: "model: 3 (97.1%)"."""
    indices = [row["index"] for row in rows if row["split"] == "test"]
    if not indices:
        return {}
    probabilities = current().test_answer(run_name, indices, calibrated=calibrated).probabilities
    return {
        index: f"model: {p.argmax()} ({p.max():.1%})"
        for index, p in zip(indices, probabilities, strict=True)
    }


@callback(
    Output(ids.LABELS_MARKS, "data"),
    Output(ids.LABELS_MESSAGE, "children"),
    Input({"type": ids.LABELS_MARK, "split": ALL, "index": ALL, "verdict": ALL}, "n_clicks"),
    State(ids.LABELS_MARKS, "data"),
    prevent_initial_call=True,
)
def mark(_clicks: list, version):
    """Record the clicked verdict (a second click on the same one clears it) and redraw the
    gallery."""
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate  # buttons were (re)drawn, not clicked
    button = ctx.triggered_id
    refusal = hardening.change_refusal(current().settings)
    if refusal:
        return dash.no_update, f"Not marked: {refusal}."
    store = current().labels
    previous = store.marks().get(f"{button['split']}:{button['index']}", {}).get("verdict")
    verdict = None if previous == button["verdict"] else button["verdict"]
    try:
        store.mark(button["split"], button["index"], verdict)
    except (ValueError, OSError, RunError) as error:
        return dash.no_update, f"Could not save the mark: {error}"
    done = (
        f"cleared the mark of {button['split']} #{button['index']}"
        if verdict is None
        else f"marked {button['split']} #{button['index']}: {VERDICT_TEXT[verdict]}"
    )
    return (version if isinstance(version, int) else 0) + 1, done.capitalize() + "."


@callback(
    Output(ids.LABELS_DOWNLOAD, "data"),
    Input(ids.LABELS_EXPORT, "n_clicks"),
    State(ids.RUN_SELECT, "value"),
    prevent_initial_call=True,
)
def export(_clicks: int, run_name: str):
    """Every suspect (training set from the file, test set by the selected run) with its mark and
    time, as CSV."""
    store = current().labels
    return {
        "content": marks_csv(all_suspects(store.suspects(), run_name), store.marks()),
        "filename": "label_suspects.csv",
    }


def all_suspects(data: dict | None, run_name: str) -> list[dict]:
    """The training-set suspects of the file (none if it is missing) and the selected run's test-set
    suspects."""
    train = [row for row in (data or {}).get("suspects", []) if row["split"] == "train"]
    return train + current().test_suspects(run_name)


def cleanlab_version() -> str:
    """The installed cleanlab's version, as the summary line names it."""
    from importlib.metadata import version

    return version("cleanlab")
