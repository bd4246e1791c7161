"""The dashboard's defaults, in one place; `python -m dashboard` overrides some from the command
line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from model import config
from model.dataset import projection
from model.trust import label_marks, labels

# At most this many readings (an upload's decoding included) run at once per server process; a
# request finding them all busy waits this long for one, then is answered "busy, try again".
READINGS_AT_ONCE = 2
BUSY_WAIT_SECONDS = 1.5
# glibc's malloc: at most this many arenas, and blocks from this size mapped and unmapped on their
# own, so that what a reading frees leaves the server (dashboard/service/memory.py)
MALLOC_ARENAS = 2
MMAP_THRESHOLD = 1024 * 1024
# nginx in front of gunicorn (dashboard/proxy.py): the whole request header within this many
# seconds, at most this long between two reads of a body, and gunicorn's answer within this long
PROXY_HEADER_TIMEOUT = 10
PROXY_BODY_TIMEOUT = 10
PROXY_READ_TIMEOUT = 130  # a little over gunicorn's --timeout 120
REDIS_URL_ENV = "MNIST_REDIS_URL"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
ADMIN_TOKEN_ENV = "MNIST_ADMIN_TOKEN"
ALLOWED_HOSTS_ENV = "MNIST_ALLOWED_HOSTS"


def _env_hosts() -> tuple[str, ...]:
    return tuple(h.strip() for h in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",") if h.strip())


@dataclass(frozen=True)
class Settings:
    """Where the data and runs are, how the server runs, and how much each view shows."""

    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    runs_dir: Path = field(default_factory=lambda: config.RUNS_DIR)
    # The preselected run; None: the one runs_dir/DEFAULT names (model/core/runs/store.py)
    run: Path | None = None
    cache_dir: Path = projection.CACHE_DIR
    projection_size: int = projection.DEFAULT_SIZE
    projection_seed: int = projection.DEFAULT_SEED
    gallery_size: int = 24  # images in the Dataset page's class gallery
    cell_gallery_size: int = 40  # images shown for a confusion-matrix cell
    mistakes_size: int = 24  # most confident mistakes shown
    # Background callbacks (the Train page's training): Celery workers through Redis at this URL;
    # None: a local process per job, results in a diskcache under cache_dir.
    redis_url: str | None = field(default_factory=lambda: os.environ.get(REDIS_URL_ENV) or None)
    max_epochs: int = 100  # most epochs the Train page accepts
    # Host names served besides loopback and the bound address (--allowed-host,
    # $MNIST_ALLOWED_HOSTS, comma-separated)
    allowed_hosts: tuple[str, ...] = field(default_factory=_env_hosts)
    # The operator's token for train, cancel, rename and delete when the server is reachable from
    # the network
    admin_token: str | None = field(default_factory=lambda: os.environ.get(ADMIN_TOKEN_ENV) or None)
    label_suspects: Path = (
        labels.SUSPECTS_PATH
    )  # written by `python -m model.labels`, read by /labels
    label_marks: Path = label_marks.MARKS_PATH  # people's "label wrong/right" marks
    suspects_page_size: int = 48  # label suspects shown at once on /labels
    robustness_size: int = (
        1000  # test images in a run's robustness curve (model/insight/derived.py)
    )

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be between 1 and 65535, got {self.port}")
        if self.redis_url is not None and not self.redis_url.startswith(REDIS_SCHEMES):
            raise ValueError(
                f"redis_url must start with one of {', '.join(REDIS_SCHEMES)}, got "
                f"{self.redis_url!r}"
            )
        for name in (
            "projection_size",
            "gallery_size",
            "cell_gallery_size",
            "mistakes_size",
            "max_epochs",
            "suspects_page_size",
            "robustness_size",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
