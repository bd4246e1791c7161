"""The download path against a real HTTP server on 127.0.0.1 (no test goes online)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from model import config
from model.core.mnist import DataError, download_mnist, load_mnist


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Serve a folder holding a copy of the dataset; yields (base URL, the copy's SHA-256)."""
    root = tmp_path_factory.mktemp("www")
    shutil.copy(config.DATA_PATH, root / "mnist.npz")
    (root / "garbage.npz").write_bytes(b"not a dataset" * 1000)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    digest = hashlib.sha256((root / "mnist.npz").read_bytes()).hexdigest()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", digest
    httpd.shutdown()


def test_missing_file_is_downloaded_checked_and_loaded(server, tmp_path):
    base, digest = server
    dest = tmp_path / "data" / "mnist.npz"
    mnist = load_mnist(dest, download=True, url=f"{base}/mnist.npz", sha256=digest)
    assert dest.is_file() and len(mnist.y_train) == 60000
    assert [p.name for p in dest.parent.iterdir()] == ["mnist.npz"]


def test_wrong_checksum_leaves_nothing_behind(server, tmp_path):
    base, _ = server
    dest = tmp_path / "mnist.npz"
    with pytest.raises(DataError, match="SHA-256"):
        download_mnist(dest, url=f"{base}/mnist.npz", sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_http_error_leaves_nothing_behind(server, tmp_path):
    base, _ = server
    with pytest.raises(DataError, match="could not download"):
        download_mnist(tmp_path / "mnist.npz", url=f"{base}/no-such-file.npz", sha256="0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_downloaded_file_that_is_not_mnist_is_refused_on_load(server, tmp_path):
    base, _ = server
    digest = hashlib.sha256(b"not a dataset" * 1000).hexdigest()
    dest = download_mnist(tmp_path / "mnist.npz", url=f"{base}/garbage.npz", sha256=digest)
    with pytest.raises(DataError, match="corrupt"):
        load_mnist(Path(dest))
