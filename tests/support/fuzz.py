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
