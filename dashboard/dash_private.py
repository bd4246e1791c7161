"""The places where the app relies on Dash internals, kept here so that an upgrade has one file
to check.

Checked against Dash 4.4.1 (`dash/dash.py`). Each function says why no public API serves.
"""

from __future__ import annotations

import dash
from dash.fingerprint import check_fingerprint


def bind_callbacks(app: dash.Dash) -> None:
    """Give `app` the `@dash.callback`s registered so far (the pages'), and check its layout, now.

    Dash moves the global callback list into an app in `Dash._setup_server`, which it otherwise
    runs on the app's first request; with several apps in one process (tests), the first one to be
    requested would take every page's callbacks. Calling it at build time binds them to the app
    being built without serving a request, so Flask can still be configured afterwards (the
    debug mode's error handlers).
    """
    with app.server.app_context():
        app._setup_server()


def background_manager(app: dash.Dash):
    """The background-callback manager `app` was built with (Dash keeps it only in a private
    attribute)."""
    return app._background_manager


def serves_component_file(app: dash.Dash, package: str, fingerprinted: str) -> bool:
    """Whether Dash serves `fingerprinted` of component package `package` (else its route raises,
    a 500).

    Dash checks the path against `registered_paths` only by raising `DependencyException` from its
    route, which no error handler of the app sees as a missing file.
    """
    path, _ = check_fingerprint(fingerprinted)
    return path in app.registered_paths.get(package, ())
