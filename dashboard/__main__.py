"""Start the MNIST explorer: `python -m dashboard [--host 127.0.0.1] [--port 8050] [--run DIR]
[--runs-dir DIR] [--debug] [--redis-url URL]`."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from pathlib import Path

from dashboard.settings import Settings


def _add_server_options(parser: argparse.ArgumentParser, defaults: Settings) -> None:
    """Where and how the server listens, and who may change runs."""
    parser.add_argument(
        "--host", default=defaults.host, help=f"address to bind (default {defaults.host})"
    )
    parser.add_argument(
        "--port", type=int, default=defaults.port, help=f"port (default {defaults.port})"
    )
    parser.add_argument(
        "--debug", action="store_true", help="Dash debug mode: reloader and dev tools"
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=list(defaults.allowed_hosts),
        help="a host name the server answers to besides loopback and --host (repeatable; "
        "default $MNIST_ALLOWED_HOSTS, comma-separated)",
    )
    parser.add_argument(
        "--admin-token",
        default=defaults.admin_token,
        help="token needed to train, cancel, rename or delete when the server is reachable from "
        "the network (default $MNIST_ADMIN_TOKEN); open a page once with ?admin_token=TOKEN",
    )


def _add_run_options(parser: argparse.ArgumentParser, defaults: Settings) -> None:
    """Which runs the app shows, and where the Train page's jobs run."""
    parser.add_argument(
        "--run",
        type=Path,
        default=None,
        help="run directory preselected in the model selector (default: the run that "
        "RUNS_DIR/DEFAULT names)",
    )
    parser.add_argument(
        "--runs-dir",
        type=Path,
        default=defaults.runs_dir,
        help=f"directory of the runs to choose from (default {defaults.runs_dir}, or $MNIST_RUNS)",
    )
    parser.add_argument(
        "--redis-url",
        default=defaults.redis_url,
        help="run the Train page's jobs on Celery workers through Redis at this URL "
        "(default $MNIST_REDIS_URL; none: local processes)",
    )


def parse_args(argv: list[str] | None) -> Settings:
    """Read the command line into `Settings`."""
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="python -m dashboard", description="The MNIST explorer, a Dash app."
    )
    _add_server_options(parser, defaults)
    _add_run_options(parser, defaults)
    args = parser.parse_args(argv)
    try:
        return Settings(
            host=args.host,
            port=args.port,
            debug=args.debug,
            runs_dir=args.runs_dir,
            run=args.run,
            redis_url=args.redis_url,
            allowed_hosts=tuple(args.allowed_host),
            admin_token=args.admin_token or None,
        )
    except ValueError as error:
        parser.error(str(error))


def port_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on `host`:`port`, or None if it can (always None in the
    reloader's child)."""
    if (
        os.environ.get("WERKZEUG_RUN_MAIN") == "true"
    ):  # the debug reloader's parent holds the socket already
        return None
    try:
        with socket.socket(
            socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM
        ) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        return error.strerror or str(error)
    return None


def open_url(host: str, port: int) -> str:
    """An address of the server that a browser on this machine can open: loopback for a wildcard
    bind (the server answers "0.0.0.0" with 400), else the bound address."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def token_warning(settings: Settings) -> str | None:
    """What to tell the operator of a server open to the network without an admin token."""
    from dashboard.hardening import is_loopback

    if is_loopback(settings.host) or settings.admin_token:
        return None
    return (
        f"warning: {settings.host} is open to the network and there is no admin token: trainings, "
        "renames, deletions and label marks are off; start with --admin-token TOKEN (or "
        "MNIST_ADMIN_TOKEN) to allow them, then open a page once with ?admin_token=TOKEN"
    )


def main(argv: list[str] | None = None) -> int:
    """Build the app from the shipped data and runs and serve it until interrupted."""
    settings = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    problem = port_problem(settings.host, settings.port)
    if problem:
        print(
            f"error: cannot serve on {settings.host}:{settings.port} ({problem}); choose another "
            "--port or --host",
            file=sys.stderr,
        )
        return 1
    from dashboard.app import create_app
    from dashboard.hardening import QuietRequestHandler
    from dashboard.service import EXTENSION_KEY
    from model.core.mnist import DataError
    from model.core.runs import RunError

    try:
        app = create_app(settings)
    except (DataError, RunError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    service = app.server.extensions[EXTENSION_KEY]
    print(
        f"MNIST explorer: model {service.default_run()} of {len(service.run_names())} runs; "
        f"open {open_url(settings.host, settings.port)}",
        flush=True,
    )
    warning = token_warning(settings)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    app.run(
        host=settings.host,
        port=settings.port,
        debug=settings.debug,
        dev_tools_disable_version_check=True,
        request_handler=QuietRequestHandler,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
