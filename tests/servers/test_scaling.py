"""Past one machine: gunicorn with two workers, the Train page's jobs on a real Celery worker
through a real Redis.

The servers are real processes on free 127.0.0.1 ports (tests/servers.py): Debian's redis-server,
`gunicorn dashboard.wsgi:server`, `celery -A dashboard.wsgi:celery_app worker`. The client talks
HTTP to them as the browser's Dash renderer does (tests/dash_client.py).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from dashboard import ids
from dashboard.__main__ import parse_args
from dashboard.jobs.launcher import TASK_NAME
from model.core.runs import list_runs, load_run
from model.training.admission import is_training
from tests.support import training
from tests.support.dash_client import find_callback
from tests.support.servers import app_env, celery_worker, gunicorn, redis_server
from tests.support.traces import hidden_dirs, trainer_processes

PAGES = ("/", "/dataset", "/training", "/errors", "/saliency", "/draw", "/train")


@pytest.fixture(scope="module")
def shared_runs(runs_dir: Path, tmp_path_factory) -> Path:
    """A copy of the tiny runs for this module's servers, which add runs to it."""
    return shutil.copytree(runs_dir, tmp_path_factory.mktemp("scaling") / "runs")


@pytest.fixture(scope="module")
def two_workers(shared_runs: Path, tmp_path_factory):
    """`gunicorn -w 2 dashboard.wsgi:server` over the runs; yields its URL and its access log."""
    logs = tmp_path_factory.mktemp("gunicorn")
    with gunicorn(app_env(shared_runs), logs, workers=2) as url:
        yield url, logs / "access.log"


@pytest.fixture(scope="module")
def celery_stack(shared_runs: Path, tmp_path_factory):
    """Redis, a Celery worker and a gunicorn server configured with its URL; yields the server URL
    and worker log."""
    logs = tmp_path_factory.mktemp("celery")
    with redis_server(logs) as redis_url:
        env = app_env(shared_runs, redis_url)
        with celery_worker(env, logs) as worker_log, gunicorn(env, logs, workers=1) as url:
            yield url, worker_log


def train_through(url: str, name: str) -> tuple[dict, list[float]]:
    """Train a tiny run through the server at `url` as a browser would; the final poll answer and
    the progress seen."""
    seen: list[float] = []
    browser = training.owner("d")
    with requests.Session() as session:
        assert f"Started the training of {name}" in training.start(
            session, url, name, browser, epochs=2
        )
        final = training.follow(session, url, browser, on_progress=seen.append)
    return final, seen


def json_text(component) -> str:
    """The text of a component as a callback answer serializes it ({"props": {"children": ...}})."""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, list):
        return "".join(json_text(child) for child in component)
    if isinstance(component, dict):
        return json_text(component.get("props", {}).get("children", ""))
    return ""


def status_text(final: dict) -> str:
    """The text of the Train page's status in a poll answer."""
    return json_text(final[ids.TRAIN_STATUS]["children"])


def test_two_gunicorn_workers_serve_pages_and_callbacks(two_workers):
    url, access_log = two_workers
    with requests.Session() as session:
        check = find_callback(session, url, f"{ids.TRAIN_NAME_CHECK}.children")

    def visit(number: int) -> tuple[int, str]:
        with requests.Session() as session:
            page = session.get(f"{url}{PAGES[number % len(PAGES)]}", timeout=60)
            assert page.status_code == 200 and "_dash-config" in page.text
            name = "convnet" if number % 2 else f"free-{number}"
            body = check.payload({f"{ids.TRAIN_NAME}.value": name}, f"{ids.TRAIN_NAME}.value")
            answer = session.post(f"{url}/_dash-update-component", json=body, timeout=60)
            return answer.status_code, json_text(
                answer.json()["response"][ids.TRAIN_NAME_CHECK]["children"]
            )

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(visit, range(48)))
    assert all(code == 200 for code, _ in answers)
    assert all(
        ("already exists" in text) == (number % 2 == 1) for number, (_, text) in enumerate(answers)
    )
    assert all("This name is free" in text for _, text in answers[::2])
    workers = {
        line.split()[0]
        for line in access_log.read_text().splitlines()
        if " POST /_dash-update-component 200" in line
    }
    assert len(workers) == 2, workers  # both workers answered callbacks


def test_training_through_two_gunicorn_workers(two_workers, shared_runs):
    url, _ = two_workers
    final, seen = train_through(
        url, "gunicorn-run"
    )  # each poll may go to either worker: they read one record
    assert "Trained gunicorn-run: test accuracy" in status_text(final)
    assert final[ids.TRAIN_CHANGED]["data"]["select"] == "gunicorn-run"
    assert seen and seen == sorted(seen) and any(0 < f <= 100 for f in seen)
    assert load_run(shared_runs / "gunicorn-run").metadata["epochs"] == 2 and not is_training(
        shared_runs
    )


def test_celery_worker_runs_the_training(celery_stack, shared_runs):
    url, worker_log = celery_stack
    final, seen = train_through(url, "celery-run")
    assert "Trained celery-run: test accuracy" in status_text(final) and seen
    assert load_run(shared_runs / "celery-run").metadata["epochs"] == 2
    # the training process writes "done" and exits; the task ends when it has waited for it
    succeeded = re.compile(rf"Task {TASK_NAME}\[[\w-]+\] succeeded")
    deadline = time.monotonic() + 60
    while not succeeded.search(worker_log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert succeeded.search(worker_log.read_text()), worker_log.read_text()[-2000:]


def _wait_for_training(runs: Path) -> None:
    deadline = time.monotonic() + 240
    while not (is_training(runs) and trainer_processes(runs)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert is_training(runs) and trainer_processes(runs)


def test_celery_refuses_a_second_training_and_cancel_leaves_no_trace(celery_stack, shared_runs):
    url, _ = celery_stack
    before = sorted(p.name for p in list_runs(shared_runs))
    starter, other = training.owner("e"), training.owner("f")
    with requests.Session() as session:
        assert "Started" in training.start(
            session, url, "celery-cancelled", starter, epochs=60, train_size=5000
        )
        _wait_for_training(shared_runs)
        refused = training.start(session, url, "celery-second", other, epochs=1)
        assert "Not started: another training is already running" in refused
        assert "only that browser" in status_text(training.poll(session, url, other))
        assert "was not started here" in training.cancel(session, url, other)
        assert "Cancelling the training of celery-cancelled" in training.cancel(
            session, url, starter
        )
        final = training.follow(session, url, starter, timeout=60)
    assert "Cancelled: the training of celery-cancelled" in status_text(final)
    deadline = time.monotonic() + 30
    while (
        is_training(shared_runs) or trainer_processes(shared_runs)
    ) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not is_training(shared_runs) and trainer_processes(shared_runs) == []
    assert not (shared_runs / "celery-cancelled").exists() and hidden_dirs(shared_runs) == []
    assert sorted(p.name for p in list_runs(shared_runs)) == before


def test_a_celery_worker_killed_mid_training_is_reported_as_failed(celery_stack, shared_runs):
    url, _ = celery_stack
    starter = training.owner("g")
    with requests.Session() as session:
        assert "Started" in training.start(
            session, url, "celery-killed", starter, epochs=60, train_size=5000
        )
        _wait_for_training(shared_runs)
        [trainer] = trainer_processes(shared_runs)
        os.kill(trainer.ppid(), signal.SIGKILL)  # the worker process running the job
        final = training.follow(session, url, starter, timeout=120)
    status = status_text(final)
    assert "Training of celery-killed failed" in status and "WorkerLostError" in status, status
    assert not (shared_runs / "celery-killed").exists() and not is_training(shared_runs)


def test_load_function_answers_every_request(two_workers):
    from tests.support.load import run_load

    result = run_load(two_workers[0], clients=4, requests_per_client=5, max_seconds=300)
    assert result.errors == [] and len(result.latencies) == 20


def test_redis_url_comes_from_the_command_line_or_the_environment(monkeypatch):
    monkeypatch.setenv("MNIST_REDIS_URL", "redis://127.0.0.1:6390/0")
    assert parse_args([]).redis_url == "redis://127.0.0.1:6390/0"
    assert (
        parse_args(["--redis-url", "redis://cache-host:6379/1"]).redis_url
        == "redis://cache-host:6379/1"
    )
    monkeypatch.delenv("MNIST_REDIS_URL")
    assert parse_args([]).redis_url is None
    with pytest.raises(SystemExit):
        parse_args(["--redis-url", "localhost:6379"])
