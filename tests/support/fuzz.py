"""Crafted callback requests for the fuzz suite: the values a buggy client or an attacker would
send.

`baseline(session, url)` collects a valid value for every component property of every page (from
the shell's layout and each page's layout as Dash's page router serves it), so that one field at a
time can be replaced by a crafted value while the others stay sensible and the code past the first
check is reached. Bodies are serialized by hand: a deeply nested value cannot go through
`json.dumps`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests

from tests.support.dash_client import UPDATE, Callback, component_values, find_callback

NESTING = 100_000  # depth of the deeply nested JSON value
LONG = "7" * 200_000
NESTED = "__deeply_nested__"  # stands for the nested value until the body is serialized
BATTERY: dict[str, object] = {
    "None": None,
    "'abc'": "abc",
    "-1": -1,
    "10**30": 10**30,
    "1e308": 1e308,
    "true": True,
    "[]": [],
    "{}": {},
    "[1, 2]": [1, 2],
    "[[1]]": [[1]],
    "200,000 characters": LONG,
    f"nested {NESTING:,} deep": NESTED,
}


@dataclass(frozen=True)
class Answer:
    """What the server answered to one crafted request."""

    callback: str
    field: str
    value: str
    status: int


def page_paths(session: requests.Session, url: str) -> list[str]:
    """The paths of the pages the shell's navigation links to."""
    layout = session.get(f"{url}/_dash-layout", timeout=60).json()
    found: dict[str, object] = {}
    found.update(component_values(layout))
    paths = {
        value
        for key, value in found.items()
        if key.endswith(".href") and str(value).startswith("/")
    }
    text = json.dumps(layout)
    paths |= {part.split('"')[0] for part in text.split('"href": "')[1:] if part.startswith("/")}
    return sorted(paths)


def baseline(session: requests.Session, url: str) -> dict[str, object]:
    """A valid value of every component property ("id.property") of the shell and of every page."""
    values: dict[str, object] = {}
    values.update(component_values(session.get(f"{url}/_dash-layout", timeout=60).json()))
    router = find_callback(session, url, "_pages_content.children")
    for path in page_paths(session, url):
        body = router.payload(
            {"_pages_location.pathname": path, "_pages_location.search": ""},
            "_pages_location.pathname",
        )
        answer = session.post(f"{url}{UPDATE}", json=body, timeout=120).json()
        values.update(component_values(answer["response"]["_pages_content"]["children"]))
    return values


def fields(callback: Callback) -> list[tuple[str, str]]:
    """Each (field, trigger) of `callback`: its inputs and states by "id.property" (pattern-matching
    ones left out)."""
    inputs = [f"{d['id']}.{d['property']}" for d in callback.inputs if not d["id"].startswith("{")]
    states = [f"{d['id']}.{d['property']}" for d in callback.state if not d["id"].startswith("{")]
    first = inputs[0] if inputs else ""
    return [(field, field) for field in inputs] + [(field, first) for field in states]


def body(
    callback: Callback, values: dict[str, object], field: str, value: object, trigger: str
) -> str:
    """The JSON text of a request to `callback` with `value` in `field` and `values` elsewhere."""
    text = json.dumps(
        callback.payload({**values, field: NESTED if value == NESTED else value}, trigger)
    )
    if value == NESTED:
        text = text.replace(json.dumps(NESTED), "[" * NESTING + "]" * NESTING)
    return text


def post(
    session: requests.Session, url: str, text: str, *, timeout: float = 120, **params
) -> requests.Response:
    """POST a callback request body as it is (no raise on an HTTP error)."""
    return session.post(
        f"{url}{UPDATE}",
        data=text.encode(),
        params=params or None,
        timeout=timeout,
        headers={"Content-Type": "application/json"},
    )


def is_background(session: requests.Session, url: str, callback: Callback) -> bool:
    """Whether `callback` is a background callback (its first answer is a job to poll)."""
    listed = session.get(f"{url}/_dash-dependencies", timeout=60).json()
    return any(d["output"] == callback.output and d.get("background") for d in listed)


PATTERN_CHANGES = ("missing a key", "without its type", "with an extra key")


def _pattern_item(dependency: dict, change: str) -> list[dict]:
    """One matched component for a pattern-matching `dependency`, its id changed as `change` says
    (one of `PATTERN_CHANGES`)."""
    ident = {
        key: (value if isinstance(value, str) else 0)
        for key, value in json.loads(dependency["id"]).items()
    }
    if change == "missing a key":
        ident.pop(sorted(k for k in ident if k != "type")[0], None)
    elif change == "without its type":
        ident.pop("type")
    else:
        ident["extra"] = "x"
    return [{"id": ident, "property": dependency["property"], "value": None}]


def _pattern_shapes(callback: Callback, good: dict) -> dict[str, dict]:
    """Bodies whose pattern-matching items (outputs, inputs, state) have ids with a key too few or
    too many."""
    multi = callback.output.startswith("..")
    parts = callback.output.strip(".").split("...") if multi else [callback.output]
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1), strict=True)) for p in parts]
    shapes = {}
    for field, listed in (
        ("outputs", outputs),
        ("inputs", callback.inputs),
        ("state", callback.state),
    ):
        for index, dependency in enumerate(listed):
            if not dependency["id"].startswith("{"):
                continue
            for change in PATTERN_CHANGES:
                item = _pattern_item(dependency, change)
                items = list(good[field]) if multi or field != "outputs" else [good[field]]
                items[index] = item
                changed = items if multi or field != "outputs" else items[0]
                shapes[f"{field}[{index}] pattern id {change}"] = {**good, field: changed}
    return shapes


def malformed(callback: Callback, values: dict[str, object]) -> dict[str, object]:
    """Bodies of the wrong shape for `callback`, by label: each must answer 4xx, never 5xx."""
    good = callback.payload(values, "")
    good.pop("changedPropIds")
    inputs, state = good["inputs"], good["state"]
    shapes: dict[str, object] = {
        "no output": {k: v for k, v in good.items() if k != "output"},
        "no outputs": {k: v for k, v in good.items() if k != "outputs"},
        "no inputs": {k: v for k, v in good.items() if k != "inputs"},
        "one input too many": {**good, "inputs": [*inputs, inputs[0]]},
        "one input too few": {**good, "inputs": inputs[:-1]},
        "inputs as an object": {**good, "inputs": {"0": inputs[0]}},
        "null inputs": {**good, "inputs": [None] * len(inputs)},
        "null outputs": {**good, "outputs": None},
        "state as an object": {**good, "state": {"x": 1}},
        "one state too many": {**good, "state": [*state, {"id": "x", "property": "y"}]},
        "output unknown": {**good, "output": "nothing.children"},
        "output a list": {**good, "output": [callback.output]},
        "changedPropIds a number": {**good, "changedPropIds": 7},
        "a list body": [good],
    }
    shapes.update(_pattern_shapes(callback, good))
    return {label: json.dumps(shape) for label, shape in shapes.items()}
