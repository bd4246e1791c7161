"""The background-callback manager: Celery workers through Redis when a Redis URL is set, else local processes.

- Default: `DiskcacheManager`: each job is a process forked from the app's process; results and
  progress go through a diskcache in `CACHE_DIR/background`, shared by every worker process of
  one machine (gunicorn workers agree on one signing secret and see each other's jobs).
- `Settings.redis_url` (`--redis-url`, `$MNIST_REDIS_URL`): `CeleryManager`: jobs are queued in
  Redis and run by `celery -A dashboard.wsgi:celery_app worker` processes, on this machine or
  others that see the same runs directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dash
from dash import CeleryManager, DiskcacheManager

from dashboard import dash_private
from dashboard.service import Service, current
from dashboard.settings import Settings

CACHE_SUBDIR = "background"
RESULT_SECONDS = 24 * 3600  # Celery results (and progress) kept at most this long in Redis


def make_celery(redis_url: str):
    """A Celery app using Redis at `redis_url` as broker and result backend."""
    from celery import Celery

    app = Celery("mnist_explorer", broker=redis_url, backend=redis_url)
    app.conf.update(
        broker_connection_retry_on_startup=True,
        result_expires=RESULT_SECONDS,
        worker_prefetch_multiplier=1,  # a training is long: a worker takes one job at a time
        task_track_started=True,
    )
    return app


def make_manager(settings: Settings) -> DiskcacheManager | CeleryManager:
    """The manager `settings` ask for: Celery with Redis if `redis_url` is set, else diskcache."""
    if settings.redis_url:
        return CeleryManager(make_celery(settings.redis_url))
    import diskcache

    return DiskcacheManager(diskcache.Cache(str(Path(settings.cache_dir) / CACHE_SUBDIR)))


def celery_app_of(app: dash.Dash):
    """The Celery app behind `app`'s background callbacks, or None when they run in local processes."""
    manager = dash_private.background_manager(app)
    return manager.handle if isinstance(manager, CeleryManager) else None


@contextmanager
def job_service() -> Iterator[Service]:
    """The app's service inside a background job, which runs outside any request (forked process, Celery)."""
    with dash.get_app().server.app_context():
        yield current()
