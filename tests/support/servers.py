"""Real servers for tests and bench/: redis-server, gunicorn and a Celery worker on free local
ports.

Each is a context manager that starts the process (in its own process group), waits until it
answers, and stops it, and whatever it started, on exit. Logs go to files in the given directory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from model.config import PROJECT_ROOT

START_SECONDS = (
    300  # TensorFlow and the app load in every gunicorn and Celery worker: slow on 2 busy cores
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_env(runs_dir: Path, redis_url: str | None = None) -> dict[str, str]:
    """The environment of a server or worker of the app over `runs_dir` (and Celery through
    `redis_url`)."""
    env = {
        **os.environ,
        "MNIST_RUNS": str(runs_dir),
        "PYTHONPATH": str(PROJECT_ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    env.pop("MNIST_REDIS_URL", None)
    if redis_url:
        env["MNIST_REDIS_URL"] = redis_url
    return env


@contextlib.contextmanager
def _process(command: list[str], log: Path, env: dict | None = None) -> Iterator[subprocess.Popen]:
    with open(log, "ab") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
            env=env,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen, grace: float = 30) -> None:
    """SIGTERM the process group we started, then SIGKILL what is left of it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)


def _wait(ready, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{what} exited with code {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        with contextlib.suppress(Exception):
            if ready():
                return
        time.sleep(0.5)
    raise TimeoutError(f"{what} did not start in {START_SECONDS} s:\n{log.read_text()[-3000:]}")


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """Debian's redis-server on a free port, no persistence, data in `directory`; yields its URL."""
    import redis

    port = free_port()
    command = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(directory),
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    log = directory / "redis.log"
    with _process(command, log) as process:
        _wait(lambda: redis.Redis(port=port).ping(), process, log, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"


@contextlib.contextmanager
def gunicorn(
    env: dict,
    log_dir: Path,
    *,
    workers: int = 2,
    threads: int = 1,
    access_format: str = "%(p)s %(m)s %(U)s %(s)s",
) -> Iterator[str]:
    """`gunicorn dashboard.wsgi:server` on a free port; yields its URL. The access log
    (`access_format`, by default naming each worker's pid) goes to `log_dir/access.log`."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-w",
        str(workers),
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--graceful-timeout",
        "5",
        "--access-logfile",
        str(log_dir / "access.log"),
        "--access-logformat",
        access_format,
        "dashboard.wsgi:server",
    ]
    url = f"http://127.0.0.1:{port}"
    log = log_dir / "gunicorn.log"
    with _process(command, log, env) as process:
        _wait(lambda: requests.get(url, timeout=5).ok, process, log, "gunicorn")
        yield url


@contextlib.contextmanager
def celery_worker(env: dict, log_dir: Path, *, concurrency: int = 2) -> Iterator[Path]:
    """`celery -A dashboard.wsgi:celery_app worker`; yields its log.

    Prefork, so that Cancel can end a job; two processes, so that a second training request is
    refused at once instead of waiting in the queue for the first to end.
    """
    log = log_dir / "celery.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "dashboard.wsgi:celery_app",
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"test-{os.getpid()}@%h",
    ]
    with _process(command, log, env) as process:
        _wait(lambda: " ready." in log.read_text(), process, log, "celery worker")
        yield log


@contextlib.contextmanager
def dashboard(
    log_dir: Path, *options: str, port: int | None = None, env: dict | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python -m dashboard OPTIONS` on `port` (default: a free one), once it answers; yields its
    URL and process."""
    port = port or free_port()
    command = [sys.executable, "-m", "dashboard", "--port", str(port), *options]
    url = f"http://127.0.0.1:{port}"
    log = Path(log_dir) / "dashboard.log"
    with _process(command, log, env) as process:
        _wait(lambda: requests.get(url, timeout=5).ok, process, log, "python -m dashboard")
        yield url, process


@contextlib.contextmanager
def nginx(upstream: str, log_dir: Path, **timeouts: int) -> Iterator[str]:
    """Debian's nginx on a free port in front of `upstream` (a URL), configured by
    `python -m dashboard.proxy` (its timeouts overridable); yields its URL."""
    from dashboard import proxy

    port = free_port()
    directory = Path(log_dir).resolve() / "nginx"
    text = proxy.render(
        f"127.0.0.1:{port}", upstream.removeprefix("http://"), directory, **timeouts
    )
    config = proxy.write(directory, text)
    # As root nginx's workers would run as nobody, who cannot enter pytest's private directories
    user = "user root;" if os.geteuid() == 0 else ""
    command = ["nginx", "-e", str(directory / "error.log"), "-c", str(config)]
    command += ["-g", f"daemon off; {user}"]
    url = f"http://127.0.0.1:{port}"
    log = Path(log_dir) / "nginx.log"
    with _process(command, log) as process:
        _wait(lambda: requests.get(url, timeout=5).ok, process, log, "nginx")
        yield url


@contextlib.contextmanager
def production(env: dict, log_dir: Path, **timeouts: int) -> Iterator[str]:
    """The README's production setup: `gunicorn -w 2 --threads 4` behind nginx (its timeouts
    overridable); yields nginx's URL."""
    with (
        gunicorn(env, log_dir, workers=2, threads=4) as upstream,
        nginx(upstream, log_dir, **timeouts) as url,
    ):
        yield url
