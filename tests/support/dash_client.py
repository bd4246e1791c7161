"""Talk to a running Dash server over HTTP as its renderer does: the callbacks it lists and the
layout it serves.

Used by the callback and server tests and bench/load.py; no browser, only `requests` or Flask's test
client.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

UPDATE = "/_dash-update-component"


@dataclass(frozen=True)
class Callback:
    """One server callback as `/_dash-dependencies` lists it."""

    output: str  # the renderer's output key, e.g. "..a.children...b.value@hash.."
    inputs: list[dict]
    state: list[dict]

    @property
    def outputs(self) -> list[dict] | dict:
        """The `outputs` field of a request: one {id, property} per output (a dict for a single
        output)."""
        multi = self.output.startswith("..")
        parts = self.output.strip(".").split("...") if multi else [self.output]
        specs = [dict(zip(("id", "property"), part.rsplit(".", 1), strict=False)) for part in parts]
        specs = [
            [] if spec["id"].startswith("{") else spec for spec in specs
        ]  # pattern-matching: none matched
        return specs if multi else specs[0]

    def payload(self, values: dict[str, object], changed: str) -> dict:
        """The request body with `values` by "id.property" (missing ones None), `changed` the
        trigger.

        A pattern-matching dependency (its id a JSON object) matches no component: an empty list.
        """

        def fill(dependencies: list[dict]) -> list:
            return [
                []
                if d["id"].startswith("{")
                else {**d, "value": values.get(f"{d['id']}.{d['property']}")}
                for d in dependencies
            ]

        return {
            "output": self.output,
            "outputs": self.outputs,
            "inputs": fill(self.inputs),
            "state": fill(self.state),
            "changedPropIds": [changed],
        }


def callbacks(session, base_url: str = "") -> list[Callback]:
    """Every server callback of the app (`session` is a `requests.Session` or a Flask test
    client)."""
    response = session.get(f"{base_url}/_dash-dependencies")
    listed = response.json() if callable(response.json) else response.json
    return [
        Callback(d["output"], d["inputs"], d["state"])
        for d in listed
        if not d.get("clientside_function")
    ]


def find_callback(session: requests.Session, base_url: str, output: str) -> Callback:
    """The server callback whose outputs include `output` ("id.property")."""
    for dependency in session.get(f"{base_url}/_dash-dependencies", timeout=30).json():
        key = dependency["output"]
        if f".{output}." in f".{key}." or f".{output}@" in key:
            return Callback(key, dependency["inputs"], dependency["state"])
    raise LookupError(f"no callback of {base_url} outputs {output}")


def component_values(layout: object) -> dict[str, object]:
    """Every property (but children) of every component with a string id in `layout`, by
    "id.property"."""
    values: dict[str, object] = {}
    stack = [layout]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            props = node.get("props", {})
            if isinstance(props.get("id"), str):
                values.update(
                    {
                        f"{props['id']}.{key}": value
                        for key, value in props.items()
                        if key != "children"
                    }
                )
            stack.extend(props.values())
    return values


def layout_value(session: requests.Session, base_url: str, component_id: str, prop: str):
    """The value of `prop` of component `component_id` in the app's layout (`/_dash-layout`)."""
    values = component_values(session.get(f"{base_url}/_dash-layout", timeout=30).json())
    if f"{component_id}.id" not in values:
        raise LookupError(f"no component {component_id!r} in the layout of {base_url}")
    return values.get(f"{component_id}.{prop}")
