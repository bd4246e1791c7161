"""Drive the Train page of a running server over HTTP as a browser would: Start, the poll,
Cancel."""

from __future__ import annotations

import json
import time

import requests

from dashboard import ids
from tests.support.dash_client import UPDATE, callbacks, find_callback


def owner(letter: str = "a") -> dict:
    """The TRAIN_OWNER store of a browser (one id per letter)."""
    return {"id": letter * 32, "announced": None}


def text_of(answer: object) -> str:
    """Every string in a callback answer, joined (enough to look for a sentence)."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, dict):
        return " ".join(text_of(value) for value in answer.values())
    if isinstance(answer, list):
        return " ".join(text_of(value) for value in answer)
    return ""


def start(
    session: requests.Session,
    url: str,
    name: str,
    browser: dict,
    *,
    epochs: int,
    train_size: int = 1024,
    architecture: str = "baseline",
) -> str:
    """Press Start with a tiny form; the text of the answer (field messages and the form
    message)."""
    callback = find_callback(session, url, f"{ids.TRAIN_FORM_MESSAGE}.children")
    body = callback.payload(
        {
            f"{ids.TRAIN_START}.n_clicks": 1,
            f"{ids.TRAIN_PRESET}.value": "custom",
            f"{ids.TRAIN_ARCHITECTURE}.value": architecture,
            f"{ids.TRAIN_EPOCHS}.value": epochs,
            f"{ids.TRAIN_BATCH_SIZE}.value": 128,
            f"{ids.TRAIN_SIZE}.value": train_size,
            f"{ids.TRAIN_AUGMENT}.value": [],
            f"{ids.TRAIN_SEED}.value": 0,
            f"{ids.TRAIN_NAME}.value": name,
            f"{ids.TRAIN_OWNER}.data": browser,
        },
        f"{ids.TRAIN_START}.n_clicks",
    )
    answer = session.post(f"{url}{UPDATE}", json=body, timeout=120)
    answer.raise_for_status()
    return text_of(answer.json()["response"])


def poll(session: requests.Session, url: str, browser: dict) -> dict:
    """One tick of the page's poll as `browser`: the response by component id."""
    callback = find_callback(session, url, f"{ids.TRAIN_STATUS}.children")
    body = callback.payload(
        {f"{ids.TRAIN_POLL}.n_intervals": 1, f"{ids.TRAIN_OWNER}.data": browser},
        f"{ids.TRAIN_POLL}.n_intervals",
    )
    answer = session.post(f"{url}{UPDATE}", json=body, timeout=120)
    answer.raise_for_status()
    return answer.json()["response"]


def cancel(session: requests.Session, url: str, browser: dict) -> str:
    """Press Cancel as `browser`; the text of the answer."""
    [callback] = [
        c
        for c in callbacks(session, url)
        if [(i["id"], i["property"]) for i in c.inputs] == [(ids.TRAIN_CANCEL, "n_clicks")]
    ]
    body = callback.payload(
        {f"{ids.TRAIN_CANCEL}.n_clicks": 1, f"{ids.TRAIN_OWNER}.data": browser},
        f"{ids.TRAIN_CANCEL}.n_clicks",
    )
    answer = session.post(f"{url}{UPDATE}", json=body, timeout=120)
    answer.raise_for_status()
    return text_of(answer.json()["response"])


def follow(
    session: requests.Session, url: str, browser: dict, *, timeout: float = 300, on_progress=None
) -> dict:
    """Poll until the training is over (the progress box hidden); the last response.
    `on_progress(percent)` each tick."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = poll(session, url, browser)
        if response[ids.TRAIN_PROGRESS_BOX]["hidden"]:
            return response
        if on_progress is not None:
            on_progress(response[ids.TRAIN_PROGRESS]["value"])
        time.sleep(0.5)
    raise TimeoutError(f"the training did not end in {timeout:g} s: {json.dumps(response)[:300]}")
