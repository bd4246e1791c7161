"""The shape of a callback request body, checked against the app's registered callbacks before Dash
dispatches it.

Dash trusts the body's shape: a missing `output`, one input too many or too few, inputs sent as an
object or a pattern-matching id without one of its keys reach its dispatcher and end as a 500.
`shape_refusal(body, callback_map)` says in one sentence what is wrong, or None; the request is then
answered 400 (dashboard/hardening.py). Values are not judged here: each callback checks its own
(dashboard/validation.py).

A body names its callback by `output` (a key of `callback_map`); `outputs`, `inputs` and `state` are
lists with one item per dependency of that callback, in its order. An item is
`{"id", "property", "value"?}` with the dependency's id and property; a pattern-matching dependency
(its id a JSON object) is a list of such items for `ALL`/`ALLSMALLER`, one item for `MATCH`, each
id an object with exactly the pattern's keys, wildcard keys holding text, numbers or booleans and
the others the pattern's own values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import cache

from dashboard.validation import MAX_TEXT, shown

MAX_CHANGED = 256  # entries of changedPropIds (a page's callbacks have a few inputs each)
MANY = ("ALL", "ALLSMALLER")  # wildcards that match a list of components


@cache
def _pattern(id_text: str) -> dict | None:
    """The pattern of a dependency id (a JSON object), or None for a plain id."""
    return json.loads(id_text) if id_text.startswith("{") else None


def output_specs(output: str) -> list[tuple[str, str]]:
    """The (id, property) of each output named by a callback's `output` key (duplicate-output hashes
    dropped)."""
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    specs = [tuple(part.split("@", 1)[0].rsplit(".", 1)) for part in parts]
    return [spec for spec in specs if len(spec) == 2]  # type: ignore[misc]


def _wildcard_value_ok(value: object) -> bool:
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, (int, bool))


def _pattern_id_refusal(ident: object, pattern: dict, where: str) -> str | None:
    """Why the id of one matched component does not fit `pattern`, or None."""
    if not isinstance(ident, dict) or set(ident) != set(pattern):
        return f"{where} has the id {shown(ident)}; it must be an object with exactly the keys " + (
            ", ".join(sorted(pattern))
        )
    for key, wanted in pattern.items():
        value = ident[key]
        if isinstance(wanted, list) and not _wildcard_value_ok(value):
            return f"{where} has {key}={shown(value)}; it must be text, a number or a boolean"
        if not isinstance(wanted, list) and value != wanted:
            return f"{where} has {key}={shown(value)}; the callback expects {wanted!r}"
    return None


def _item_refusal(item: object, spec: tuple[str, str], where: str) -> str | None:
    """Why one item of `outputs`/`inputs`/`state` does not fit its dependency `spec`, or None."""
    id_text, prop = spec
    pattern = _pattern(id_text)
    many = pattern is not None and any(
        isinstance(v, list) and v and v[0] in MANY for v in pattern.values()
    )
    if many and not isinstance(item, list):
        return f"{where} must be a list of the components matching {id_text}"
    for one in item if many else [item]:  # type: ignore[union-attr]
        if not isinstance(one, dict) or not isinstance(one.get("property"), str):
            return f"{where} must be an object with an id and a property, got {shown(one)}"
        if one["property"].split("@", 1)[0] != prop.split("@", 1)[0]:
            return f"{where} must be the property {prop!r}, got {shown(one['property'])}"
        if pattern is None and one.get("id") != id_text:
            return f"{where} must be the id {id_text!r}, got {shown(one.get('id'))}"
        if pattern is not None:
            refusal = _pattern_id_refusal(one.get("id"), pattern, where)
            if refusal:
                return refusal
    return None


def _list_refusal(items: object, specs: list[tuple[str, str]], field: str) -> str | None:
    """Why the `field` list of a body does not fit the callback's dependencies `specs`, or None."""
    if not isinstance(items, list):
        return f"{field} must be a list, got {type(items).__name__}"
    if len(items) != len(specs):
        return f"{field} must have {len(specs)} items for this callback, got {len(items)}"
    for index, (item, spec) in enumerate(zip(items, specs, strict=True)):
        refusal = _item_refusal(item, spec, f"{field}[{index}]")
        if refusal:
            return refusal
    return None


def _changed_refusal(changed: object) -> str | None:
    if not isinstance(changed, list) or len(changed) > MAX_CHANGED:
        return f"changedPropIds must be a list of at most {MAX_CHANGED} texts"
    if not all(isinstance(entry, str) and len(entry) <= 4 * MAX_TEXT for entry in changed):
        return "changedPropIds must hold texts naming a component's property"
    return None


def shape_refusal(body: object, callback_map: Mapping[str, Mapping]) -> str | None:
    """Why a callback request `body` does not fit the callback it names in `callback_map`, or
    None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object naming a callback"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return f"output must name a registered callback, got {shown(output)}"
    callback = callback_map[output]
    outputs = output_specs(output)
    given = body.get("outputs")
    if not output.startswith(".."):
        given = [given]  # a single output is sent as one item, not a list
    deps = (
        ("outputs", given, outputs),
        ("inputs", body.get("inputs"), _specs(callback["inputs"])),
        ("state", body.get("state", []), _specs(callback.get("state", []))),
    )
    for field, items, specs in deps:
        refusal = _list_refusal(items, specs, field)
        if refusal:
            return refusal
    return _changed_refusal(body.get("changedPropIds", []))


def _specs(dependencies: list[Mapping]) -> list[tuple[str, str]]:
    return [(str(d["id"]), str(d["property"])) for d in dependencies]
