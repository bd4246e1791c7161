"""Fuzz every server callback of a real `python -m dashboard` over HTTP: no 5xx, no hang, the server
still answers.

The callbacks are enumerated from the running app (`/_dash-dependencies`). Each input and state gets
the fixed battery of `tests.support.fuzz.BATTERY` (the others keep a valid value taken from the
pages' layouts), then property-based values from Hypothesis. The server works on a temporary copy of
the tiny runs, whose two runs are listed as shipped (so rename and delete are refused, not carried
out, and every later request still finds its run); the test holds the training lock, so a fuzzed
form that happens to be valid is refused as busy instead of starting a training.

Run with `-s` to see the counts (crafted requests, 5xx answers).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.training.admission import exclusive_training
from tests.support import fuzz
from tests.support.dash_client import callbacks
from tests.support.servers import app_env, dashboard

REQUEST_SECONDS = (
    120  # a request slower than this counts as a hang (the machine is shared and slow)
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def server(runs_dir: Path, tmp_path_factory):
    """A real server over a temporary copy of the tiny runs, both listed as shipped; yields its URL
    and a session."""
    root = tmp_path_factory.mktemp("fuzz")
    runs = shutil.copytree(runs_dir, root / "runs")
    (runs / "SHIPPED").write_text("baseline\nconvnet\n")
    with (
        exclusive_training(runs),
        dashboard(root, "--runs-dir", str(runs), env=app_env(runs)) as (url, _),
    ):
        with requests.Session() as session:
            yield url, session, fuzz.baseline(session, url), callbacks(session, url)


def _answer(session, url: str, callback, text: str) -> int:
    """The status of the request; for a background callback, the worst status while polling its job
    to the end."""
    response = fuzz.post(session, url, text, timeout=REQUEST_SECONDS)
    if response.status_code != 200 or not fuzz.is_background(session, url, callback):
        return response.status_code
    handles = response.json()
    deadline = time.monotonic() + REQUEST_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.5)
        response = fuzz.post(session, url, text, cacheKey=handles["cacheKey"], job=handles["job"])
        if response.status_code != 200 or "response" in response.json():
            return response.status_code
    raise TimeoutError(
        f"background callback {callback.output} did not answer in {REQUEST_SECONDS} s"
    )


def test_every_callback_survives_the_battery(server, tmp_path_factory):
    url, session, values, listed = server
    answers = []
    for callback in listed:
        for field, trigger in fuzz.fields(callback):
            for label, value in fuzz.BATTERY.items():
                status = _answer(
                    session, url, callback, fuzz.body(callback, values, field, value, trigger)
                )
                answers.append(fuzz.Answer(callback.output, field, label, status))
    failures = [answer for answer in answers if answer.status >= 500]
    pairs = {(answer.callback, answer.field) for answer in answers}
    print(
        f"\nfuzz battery: {len(answers)} crafted requests over {len(listed)} callbacks and "
        f"{len(pairs)} "
        f"callback x field pairs; {len(failures)} answered 5xx"
    )
    (tmp_path_factory.getbasetemp() / "fuzz-failures.json").write_text(
        json.dumps([answer.__dict__ for answer in failures], indent=1)
    )
    assert requests.get(f"{url}/draw", timeout=60).status_code == 200  # still serving
    assert failures == [], "\n".join(
        f"{a.status} {a.callback} {a.field}={a.value}" for a in failures[:40]
    )


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_property_based_values_never_crash_a_callback(server, data):
    url, session, values, listed = server
    callback = data.draw(st.sampled_from([c for c in listed if fuzz.fields(c)]), label="callback")
    field, trigger = data.draw(st.sampled_from(fuzz.fields(callback)), label="field")
    value = data.draw(json_values, label="value")
    status = _answer(session, url, callback, fuzz.body(callback, values, field, value, trigger))
    assert status < 500, f"{status} for {callback.output} with {field}={value!r}"


def test_malformed_bodies_are_refused_with_a_4xx(server, tmp_path_factory):
    url, session, values, listed = server
    answers = [
        fuzz.Answer(callback.output, "body", label, fuzz.post(session, url, text).status_code)
        for callback in listed
        for label, text in fuzz.malformed(callback, values).items()
    ]
    failures = [answer for answer in answers if answer.status >= 500]
    pattern = [answer for answer in answers if "pattern id" in answer.value]
    print(
        f"\nmalformed bodies: {len(answers)} requests ({len(pattern)} with pattern-matching ids); "
        f"{len(failures)} answered 5xx ({sum(a.status >= 500 for a in pattern)} with "
        "pattern-matching ids)"
    )
    (tmp_path_factory.getbasetemp() / "fuzz-malformed-failures.json").write_text(
        json.dumps([answer.__dict__ for answer in failures], indent=1)
    )
    assert all(400 <= answer.status < 500 for answer in answers), "\n".join(
        f"{a.status} {a.callback} {a.value}" for a in answers if not 400 <= a.status < 500
    )[:4000]
    paths = ("/_dash-component-suites/dash/nothing.js", "/_dash-component-suites/nopackage/a.js")
    assert [session.get(f"{url}{path}", timeout=60).status_code for path in paths] == [404, 404]
