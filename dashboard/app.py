"""The app factory: a Dash Pages app with the shell around the pages and the service attached."""

from __future__ import annotations

from dash import Dash

from dashboard import background
from dashboard import service as service_module
from dashboard import shell
from dashboard.settings import Settings
from model.config import PROJECT_ROOT

ASSETS = PROJECT_ROOT / "assets"


def create_app(settings: Settings | None = None) -> Dash:
    """Build the app: warm the service (raises `DataError`/`RunError` with the fix), register pages and shell.

    The app serves itself one request at the end: Dash binds the pages' `@callback`s to the
    first app that gets a request, so this keeps several apps in one process (tests) apart and
    warms the page layouts.
    """
    settings = settings or Settings()
    service = service_module.Service(settings)
    service.warm()
    app = Dash(__package__, use_pages=True, assets_folder=str(ASSETS), title="MNIST Explorer",
               update_title=None, background_callback_manager=background.make_manager(settings))
    service_module.attach(app.server, service)
    with app.server.app_context():  # Dash calls the layout function once to check it
        app.layout = shell.layout
    shell.register(app)
    with app.server.test_client() as client:
        client.get("/")
    return app
