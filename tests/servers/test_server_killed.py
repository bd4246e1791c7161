"""A real `python -m dashboard` killed with SIGKILL mid-training: the port is free at once, the
training
process dies with it, the lock is released, no run (half-written or not) appears, and a server
restarted
on the same port answers and reports the lost training on /train."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
from pathlib import Path

import psutil
import requests

from dashboard import ids
from model.core.runs import list_runs
from model.training import job_record
from model.training.admission import is_training
from tests.support import training
from tests.support.servers import app_env, dashboard, free_port
from tests.support.traces import trainer_processes

OWNER = training.owner("a")


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_for(condition, seconds: float, what: str) -> float:
    """Seconds until `condition()` held; `TimeoutError` naming `what` after `seconds`."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise TimeoutError(what)
        time.sleep(0.05)
    return time.monotonic() - start


def test_sigkill_mid_training_frees_everything_and_a_restart_works(runs_dir: Path, tmp_path: Path):
    runs = shutil.copytree(runs_dir, tmp_path / "runs")
    port = free_port()
    env = app_env(runs)
    with dashboard(tmp_path, "--runs-dir", str(runs), port=port, env=env) as (url, server):
        with requests.Session() as session:
            answer = training.start(
                session, url, "doomed", OWNER, epochs=50, architecture="convnet"
            )
            assert "Started the training of doomed" in answer, answer[:500]
        wait_for(lambda: is_training(runs), 300, "the training never took the lock")
        trainers = trainer_processes(runs)
        assert (
            len(trainers) == 1 and trainers[0].ppid() == server.pid
        )  # server -> trainer, nothing between
        open_files = {f.path for f in trainers[0].open_files()}
        assert not any(c.status == psutil.CONN_LISTEN for c in trainers[0].net_connections())
        os.kill(server.pid, signal.SIGKILL)
        server.wait(30)
        freed = wait_for(lambda: port_is_free(port), 10, "the port stayed taken")
        stopped = wait_for(
            lambda: not trainer_processes(runs), 30, "the training process survived the server"
        )
        released = wait_for(lambda: not is_training(runs), 30, "the training lock stayed held")
    print(
        f"\nafter SIGKILL: port free in {freed:.2f} s, trainer gone in {stopped:.2f} s, lock "
        "released in "
        f"{released:.2f} s; the trainer had open: {sorted(open_files)[:5]}"
    )
    assert [p.name for p in list_runs(runs)] == ["baseline", "convnet"] and not (
        runs / "doomed"
    ).exists()
    restart = time.monotonic()
    with dashboard(tmp_path, "--runs-dir", str(runs), port=port, env=env) as (url, _):
        print(f"restarted on the same port in {time.monotonic() - restart:.1f} s")
        job = job_record.job_status(runs)  # settled as the app started: the lock was free
        assert job["state"] == job_record.FAILED and "stopped without a word" in job["message"]
        assert "found when the app started again" in job["message"]
        with requests.Session() as session:
            status = training.text_of(training.poll(session, url, OWNER)[ids.TRAIN_STATUS])
        assert "Training of doomed failed" in status, status
        assert [p.name for p in list_runs(runs)] == ["baseline", "convnet"]
