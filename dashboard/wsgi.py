"""Production entry points, configured from the environment.

    gunicorn -w 2 --threads 4 --timeout 120 -b 127.0.0.1:8051 dashboard.wsgi:server
    python -m dashboard.proxy --listen 0.0.0.0:8050 --upstream 127.0.0.1:8051 --dir DIR
    nginx -c DIR/nginx.conf      # in front: holds slow clients (dashboard/proxy.py)
    celery -A dashboard.wsgi:celery_app worker --concurrency 2   # only with MNIST_REDIS_URL

Environment: `MNIST_RUNS` (runs directory, default runs/), `MNIST_DATA` (dataset file),
`MNIST_REDIS_URL` (e.g. redis://127.0.0.1:6379/0: the Train page's jobs go to Celery workers;
the server and every worker need the same URL and the same runs directory).
Without `--preload`: each gunicorn worker builds its own app, since TensorFlow does not survive a
fork.
Celery workers: the default prefork pool, so that a job whose worker process dies is reported with
Celery's cause (Cancel reaches the job through its record in the runs directory, with any pool).
Set `MNIST_ALLOWED_HOSTS` (the public host name) and `MNIST_ADMIN_TOKEN` behind a public address.
"""

from __future__ import annotations

from dashboard.app import create_app
from dashboard.jobs.manager import celery_app_of
from dashboard.settings import REDIS_URL_ENV

app = create_app()
server = app.server
_celery = celery_app_of(app)


def __getattr__(name: str):
    """`celery_app`: the Celery app of the background callbacks, which exists only with a Redis URL.

    Without one, a `RuntimeError` (not `AttributeError`, which Celery reports as "module not
    found").
    """
    if name != "celery_app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _celery is None:
        raise RuntimeError(
            f"no Celery app: the server runs its jobs in local processes; set "
            f"{REDIS_URL_ENV}=redis://HOST:6379/0 for the server and the workers to use Celery"
        )
    return _celery
