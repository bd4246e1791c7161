"""The admin token under gunicorn, the production server: `?admin_token=` sets the cookie and
redirects to the same address without it, and gunicorn's access log shows it masked."""

from __future__ import annotations

import requests

from dashboard.hardening import ADMIN_COOKIE
from tests.support.servers import app_env, gunicorn
from tests.support.waiting import until

TOKEN = "gunicorn-s3cret"
REQUEST_LINE = '"%(r)s" %(s)s query=%(q)s'  # gunicorn's request line and query string


def test_the_token_leaves_the_address_and_the_access_log(runs_dir, tmp_path):
    env = {**app_env(runs_dir), "MNIST_ADMIN_TOKEN": TOKEN}
    with gunicorn(env, tmp_path, workers=1, access_format=REQUEST_LINE) as url:
        first = requests.get(f"{url}/train?admin_token={TOKEN}&run=convnet", timeout=60)
        (redirect,) = first.history
        assert redirect.status_code == 303 and redirect.headers["Location"] == "/train?run=convnet"
        assert (
            ADMIN_COOKIE in redirect.headers["Set-Cookie"]
            and TOKEN in redirect.headers["Set-Cookie"]
        )
        assert first.status_code == 200 and first.url == f"{url}/train?run=convnet"
        log = tmp_path / "access.log"
        until(lambda: "admin_token=***&run=convnet" in log.read_text(), 30, what="the masked line")
        assert TOKEN not in log.read_text()
