"""Where the Train page's trainings run: threads of the server (default) or Celery workers through
Redis.

- Default: no background-callback manager; `dashboard/jobs/launcher.py` runs each training from a
  thread of the server process, which starts the training process (it dies with the server).
- `Settings.redis_url` (`--redis-url`, `$MNIST_REDIS_URL`): a `CeleryManager` whose Celery app has
  the training task; `celery -A dashboard.wsgi:celery_app worker` processes run the trainings, on
  this machine or others that see the same runs directory.
Either way every server process and page reads the job's record in the runs directory.
"""

from __future__ import annotations

import dash
from dash import CeleryManager

from dashboard import dash_private
from dashboard.jobs.launcher import register_task
from dashboard.settings import Settings

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
    register_task(app)
    return app


def make_manager(settings: Settings) -> CeleryManager | None:
    """Celery with Redis if `settings.redis_url` is set (its workers run the trainings), else None.

    Without Redis the trainings run in threads of the server (dashboard/jobs/launcher.py): no Dash
    background job is forked from the server, so none can keep its listening socket.
    """
    if settings.redis_url:
        return CeleryManager(make_celery(settings.redis_url))
    return None


def celery_app_of(app: dash.Dash):
    """The Celery app behind `app`'s background callbacks, or None when they run in local
    processes."""
    manager = dash_private.background_manager(app)
    return manager.handle if isinstance(manager, CeleryManager) else None
