"""The nginx configuration that puts a buffering proxy in front of gunicorn (deploy/).

nginx reads each request whole before gunicorn sees it, and closes connections that send their
header or body too slowly, so slow clients cannot hold gunicorn's threads.

    python -m dashboard.proxy --listen 0.0.0.0:8050 --upstream 127.0.0.1:8051 --dir /var/tmp/mnist
    nginx -c /var/tmp/mnist/nginx.conf
"""

from __future__ import annotations

import argparse
from pathlib import Path
from string import Template

from dashboard.drawing.upload import MAX_BODY_BYTES
from dashboard.hardening import HEADERS
from dashboard.settings import PROXY_BODY_TIMEOUT, PROXY_HEADER_TIMEOUT, PROXY_READ_TIMEOUT
from model.config import PROJECT_ROOT

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.template"


def render(
    listen: str,
    upstream: str,
    directory: Path,
    *,
    header_timeout: int = PROXY_HEADER_TIMEOUT,
    body_timeout: int = PROXY_BODY_TIMEOUT,
) -> str:
    """The nginx configuration: listen on `listen`, pass to gunicorn at `upstream` ("host:port"),
    pid, logs and buffered bodies under `directory` (an absolute path)."""
    for name, value in (("header_timeout", header_timeout), ("body_timeout", body_timeout)):
        if value < 1:
            raise ValueError(f"{name} must be at least 1 second, got {value}")
    if not directory.is_absolute():
        raise ValueError(f"directory must be an absolute path, got {directory}")
    return Template(TEMPLATE.read_text()).substitute(
        listen=listen,
        upstream=upstream,
        directory=directory,
        header_timeout=header_timeout,
        body_timeout=body_timeout,
        read_timeout=PROXY_READ_TIMEOUT,
        max_body=MAX_BODY_BYTES,
        security_headers=security_headers(),
    )


def security_headers() -> str:
    """nginx lines that put the app's security headers on every answer, its own errors included."""
    lines = []
    for name, value in HEADERS.items():
        lines += [
            f"        proxy_hide_header {name};",
            f'        add_header {name} "{value}" always;',
        ]
    return "\n".join(lines)


def write(directory: Path, text: str) -> Path:
    """Write the configuration `text` to `directory`/nginx.conf (created if missing); its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "nginx.conf"
    path.write_text(text)
    return path


def main(argv: list[str] | None = None) -> None:
    """Write nginx.conf for the given addresses and print the command that starts nginx."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="0.0.0.0:8050", help="address nginx listens on")
    parser.add_argument("--upstream", default="127.0.0.1:8051", help="gunicorn's address")
    parser.add_argument("--dir", type=Path, required=True, help="nginx.conf, pid, logs, buffers")
    parser.add_argument("--header-timeout", type=int, default=PROXY_HEADER_TIMEOUT)
    parser.add_argument("--body-timeout", type=int, default=PROXY_BODY_TIMEOUT)
    args = parser.parse_args(argv)
    directory = args.dir.resolve()
    text = render(
        args.listen,
        args.upstream,
        directory,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
    )
    print(f"nginx -c {write(directory, text)}")


if __name__ == "__main__":
    main()
