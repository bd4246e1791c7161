"""The app factory: a Dash Pages app with the shell around the pages and the service attached."""

from __future__ import annotations

from dash import Dash

from dashboard import dash_private, hardening, shell
from dashboard.drawing import kept
from dashboard.jobs import manager
from dashboard.service import Service, attach
from dashboard.service.memory import return_freed_memory
from dashboard.settings import Settings
from model.config import PROJECT_ROOT
from model.training.job_record import settle_dead_job

ASSETS = PROJECT_ROOT / "assets"


def create_app(settings: Settings | None = None) -> Dash:
    """Build the app: warm the service (raises `DataError`/`RunError` with the fix), register pages
    and shell."""
    settings = settings or Settings()
    return_freed_memory()
    service = Service(settings)
    service.warm()
    settle_dead_job(settings.runs_dir)  # a job whose process died with the last server: failed
    app = Dash(
        __package__,
        use_pages=True,
        assets_folder=str(ASSETS),
        title="MNIST Explorer",
        update_title=None,
        background_callback_manager=manager.make_manager(settings),
        on_error=shell.on_callback_error,
    )
    attach(app.server, service)
    kept.attach(app.server, kept.ReadingStore(settings.cache_dir / "readings"))
    hardening.install(app, settings)
    with app.server.app_context():  # Dash calls the layout function once to check it
        app.layout = shell.layout
    shell.register(app)
    dash_private.bind_callbacks(app)
    return app
