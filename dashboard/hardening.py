"""The HTTP surface of the app: which requests reach Dash at all, and what every response carries.

- Host allow-list: loopback names, plus the address the server is bound to and
`Settings.allowed_hosts`
  (a DNS-rebinding page cannot drive a server on 127.0.0.1 through a name of its own).
- Request bodies capped at `MAX_BODY_BYTES` (413 with a sentence), callback bodies checked for JSON
  nesting deeper than `MAX_JSON_DEPTH` before Flask parses them (400 instead of a `RecursionError`).
- Callback bodies of the wrong shape for the callback they name answer 400
  (dashboard/callback_shape.py).
- Static paths with `..`, and component-suite files Dash does not serve, answer 404; Dash's
  debug-only routes answer 404 when debug is off.
- Security headers on every response; no version strings (the Server header, Dash's page config).
- The admin token: bound to a non-loopback address (or asked from a non-loopback client), the
actions
  that change things need it; `?admin_token=...` on any page stores it in an HttpOnly cookie and
  redirects to the same address without it (so it is not kept, shared or bookmarked), and the
  access logs (werkzeug's, gunicorn's) show it masked.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
from collections.abc import Mapping
from urllib.parse import urlencode

import dash
import flask
import numpy as np
from werkzeug.serving import WSGIRequestHandler

from dashboard import dash_private
from dashboard.callback_shape import shape_refusal
from dashboard.drawing.upload import MAX_BODY_BYTES, megabytes
from dashboard.settings import Settings

log = logging.getLogger(__name__)
MAX_JSON_DEPTH = 48  # a callback body nests ~6 levels around its values; graph event data ~5 more
# Arrays and objects a callback body may hold outside its strings (a canvas drawing is one string;
# a body is a few hundred): parsing 2.6 million `{}` would cost about 270 MB.
MAX_JSON_CONTAINERS = 100_000
SPECIAL = np.zeros(256, bool)  # the characters `json_structure` looks at
SPECIAL[list(b'"[]{}')] = True
JSON_SLICE = 1 << 18  # bytes of a body read at a time
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
DEBUG_ROUTES = ("/_reload-hash",)  # the dev tools' hot reload; Dash serves it even with debug off
ADMIN_COOKIE = "mnist_admin"
ADMIN_PARAM = "admin_token"
ADMIN_HEADER = "X-Admin-Token"
# The client's address as the proxy in front of gunicorn sets it (deploy/nginx.conf.template);
# it can only make a request count as remote, never as loopback
PROXIED_FOR_HEADER = "X-Real-IP"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
ROUTER_OUTPUT, ROUTER_LOCATION = (
    "_pages_content",
    "_pages_location",
)  # Dash's page router (dash/dash.py)
MAX_URL = 2048
HIDDEN_CONFIG = (
    "python_version",
    "dash_version",
    "plotly_version",
    "ddk_version",
    "dash_version_url",
)
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")  # the loggers that write request lines
_TOKEN_IN_TEXT = re.compile(rf"({ADMIN_PARAM}=)[^&\s\"']*", re.IGNORECASE)
_CONFIG = re.compile(r'(<script id="_dash-config" type="application/json">)(.*?)(</script>)', re.S)


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler without its version in the Server header, adding the security
    headers to the answers it makes itself (a malformed request line's 400, ...)."""

    server_version = "MNIST-Explorer"
    sys_version = ""
    # A request line too malformed to say its version is answered as HTTP/1.0, with a status line
    # and headers (as HTTP/0.9, Python's default, it would get a bare page and no headers at all).
    default_request_version = "HTTP/1.0"

    def send_header(self, keyword: str, value: str) -> None:
        """Send one header, remembering its name for `end_headers`."""
        self.__dict__.setdefault("_sent", set()).add(keyword.lower())
        super().send_header(keyword, value)

    def end_headers(self) -> None:
        """End the headers, adding each security header the answer does not carry yet."""
        sent = self.__dict__.pop("_sent", set())
        for name, value in HEADERS.items():
            if name.lower() not in sent:
                super().send_header(name, value)
        super().end_headers()


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) is this machine's loopback."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """The Host names the server answers to: loopback, the bound address (unless a wildcard), the
    operator's."""
    hosts = {*LOOPBACK_NAMES, *(h.lower() for h in settings.allowed_hosts)}
    if settings.host not in ("0.0.0.0", "::", ""):
        hosts.add(settings.host.lower().strip("[]"))
    return frozenset(hosts)


def host_name(header: str) -> str:
    """The name in a Host header, without its port: "[::1]:8050" -> "::1", "example.org:80" ->
    "example.org"."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in the JSON text `body` (brackets in strings
    skipped), unparsed."""
    return json_structure(body)[0]


def json_structure(body: bytes) -> tuple[int, int]:
    """(deepest nesting, number of arrays and objects) of the JSON text `body`, brackets in
    strings skipped, unparsed: what parsing it would build, known before it is built.

    Escapes are dropped first (`\\\\` pairs from the left, as JSON reads them, then `\\"`), so
    every quote left is a string's edge; then the quotes and brackets are read in slices of
    `JSON_SLICE` bytes, carrying whether a string is open and the depth: a few MB at most, whatever
    the body. Bodies with few brackets are answered from their count alone.
    """
    brackets = body.count(b"[") + body.count(b"{")
    if brackets <= MAX_JSON_DEPTH:
        return brackets, brackets  # upper bounds, and small
    plain = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    depth = deepest = containers = 0
    in_string = 0
    for start in range(0, len(plain), JSON_SLICE):
        text = np.frombuffer(plain, np.uint8, min(JSON_SLICE, len(plain) - start), start)
        chars = text[SPECIAL[text]]
        quotes = chars == ord('"')
        outside = (np.cumsum(quotes) - quotes + in_string) % 2 == 0
        opened = ((chars == ord("[")) | (chars == ord("{"))) & outside
        closed = ((chars == ord("]")) | (chars == ord("}"))) & outside
        levels = depth + np.cumsum(opened.astype(np.int64) - closed)
        if len(levels):
            deepest, depth = max(deepest, int(levels.max())), int(levels[-1])
        containers += int(opened.sum())
        in_string = (in_string + int(quotes.sum())) % 2
    return deepest, containers


def admin_required(settings: Settings) -> bool:
    """Whether the current request needs the admin token to change things (outside a request: code,
    trusted)."""
    if not flask.has_request_context():
        return not is_loopback(settings.host)
    remote = flask.request.remote_addr or ""
    proxied_for = flask.request.headers.get(PROXIED_FOR_HEADER)
    return (
        not is_loopback(settings.host)
        or not is_loopback(remote)
        or (proxied_for is not None and not is_loopback(proxied_for))
    )


def is_admin(settings: Settings) -> bool:
    """Whether the current request carries the operator's admin token (cookie or header)."""
    if not flask.has_request_context():
        return False
    given = flask.request.headers.get(ADMIN_HEADER) or flask.request.cookies.get(ADMIN_COOKIE) or ""
    return bool(settings.admin_token) and hmac.compare_digest(
        given.encode(), settings.admin_token.encode()
    )


def change_refusal(settings: Settings) -> str | None:
    """Why the current request may not change anything (train, cancel, rename, delete), or None if
    it may."""
    if not admin_required(settings) or is_admin(settings):
        return None
    if not settings.admin_token:
        return (
            "this server is open to the network without an admin token, so trainings, changes "
            "to runs and label marks are off; the operator can start it with --admin-token "
            "(or MNIST_ADMIN_TOKEN)"
        )
    return (
        "changing things on this server needs the admin token: "
        f"open any page once with ?{ADMIN_PARAM}=TOKEN"
    )


def router_refusal(body: object) -> str | None:
    """Why a callback request for Dash's page router (pathname, search) is malformed, or None.

    The router is Dash's own callback, so its inputs are checked here: a path is text from "/", a
    query text from "?" (or empty), both at most `MAX_URL` characters.
    """
    if not isinstance(body, dict) or not str(body.get("output", "")).startswith(
        f"..{ROUTER_OUTPUT}."
    ):
        return None
    for item in body.get("inputs") or []:
        if not isinstance(item, dict) or item.get("id") != ROUTER_LOCATION:
            continue
        value, prop = item.get("value"), item.get("property")
        starts = {"pathname": ("/",), "search": ("?", "")}.get(prop, ("",))
        if value is not None and (
            not isinstance(value, str)
            or len(value) > MAX_URL
            or not (value.startswith(starts) or value in starts)
        ):
            allowed = " or ".join(map(repr, starts))
            return f"{prop} must be text starting with {allowed}, got {str(value)[:40]!r}"
    return None


def _refuse(status: int, message: str) -> flask.Response:
    return flask.Response(message + "\n", status=status, mimetype="text/plain")


def _strip_versions(response: flask.Response) -> None:
    text = response.get_data(as_text=True)

    def clean(match: re.Match) -> str:
        config = json.loads(match.group(2))
        for key in HIDDEN_CONFIG:
            config.pop(key, None)
        return match.group(1) + json.dumps(config) + match.group(3)

    response.set_data(_CONFIG.sub(clean, text, count=1))


def _path_or_host_refusal(request: flask.Request, hosts, debug: bool) -> flask.Response | None:
    """A refusal for a host name not served, a path that climbs, or a debug route (debug off)."""
    if host_name(request.host) not in hosts:
        log.warning("refused a request for host %r", request.host[:100])
        return _refuse(400, f"This server does not answer to the host name {request.host[:100]!r}.")
    segments = request.path.split("/")
    if ".." in segments or any(s.startswith("..") and s.strip(".") == "" for s in segments):
        return _refuse(404, "Not found.")
    if not debug and request.path.startswith(DEBUG_ROUTES):
        return _refuse(404, "Not found.")
    return None


def _chunked_over_cap(request: flask.Request) -> bool:
    """Whether a body sent without a length (chunked) reaches the cap: werkzeug stops reading it
    there (`MAX_CONTENT_LENGTH`), so what arrives would be a cut body."""
    if request.content_length is not None or request.method != "POST":
        return False
    return len(request.get_data(cache=True)) >= MAX_BODY_BYTES


def _body_refusal(request: flask.Request, callback_map: Mapping) -> flask.Response | None:
    """A refusal for a body too large, a callback request nested too deep or of the wrong shape,
    or a bad router call."""
    if (request.content_length or 0) > MAX_BODY_BYTES or _chunked_over_cap(request):
        size = megabytes(request.content_length) if request.content_length else "chunked"
        return _refuse(
            413,
            f"The request is too large ({size}); the limit is "
            f"{megabytes(MAX_BODY_BYTES)}, enough for an image file of the upload limit.",
        )
    if request.method == "POST" and request.path.endswith("/_dash-update-component"):
        depth, containers = json_structure(request.get_data(cache=True))
        if containers > MAX_JSON_CONTAINERS:
            return _refuse(
                400,
                f"The request holds {containers:,} arrays and objects; at most "
                f"{MAX_JSON_CONTAINERS:,} are accepted.",
            )
        if depth > MAX_JSON_DEPTH:
            return _refuse(
                400,
                f"The request nests {depth} levels deep; at most {MAX_JSON_DEPTH} are accepted.",
            )
        body = request.get_json(silent=True)
        shape = shape_refusal(body, callback_map)
        if shape:
            log.warning("malformed callback request refused: %s", shape)
            return _refuse(400, f"Malformed callback request: {shape}.")
        refusal = router_refusal(body)
        if refusal:
            log.warning("page router request refused: %s", refusal)
            return flask.Response(status=204)  # what a callback's PreventUpdate answers
    return None


class TokenMask(logging.Filter):
    """Log records with the value of any `admin_token=` in their text replaced by `***`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the token in `record` (always kept)."""
        text = record.getMessage()
        if ADMIN_PARAM in text.lower():
            record.msg, record.args = _TOKEN_IN_TEXT.sub(r"\1***", text), ()
        return True


def mask_token_in_logs() -> None:
    """Put `TokenMask` on the loggers that write request lines (once per logger)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenMask) for f in logger.filters):
            logger.addFilter(TokenMask())


def _take_admin_token() -> flask.Response | None:
    """For a page request with `?admin_token=`: a redirect to the same address without it, which
    carries the cookie (set by `_secure`)."""
    request = flask.request
    token = request.args.get(ADMIN_PARAM)
    if token is None or request.method != "GET":
        return None
    flask.g.admin_token = token[:256]
    rest = [(key, value) for key, value in request.args.items(multi=True) if key != ADMIN_PARAM]
    location = request.script_root + request.path + (f"?{urlencode(rest)}" if rest else "")
    return flask.redirect(location, code=303)


def _secure(response: flask.Response) -> flask.Response:
    """The security headers, no server banner or versions, and the admin cookie if one was given."""
    response.headers.update(HEADERS)
    response.headers.pop("Server", None)
    if response.mimetype == "text/html" and not response.direct_passthrough:
        _strip_versions(response)
    token = flask.g.get("admin_token")
    if token is not None:
        response.set_cookie(ADMIN_COOKIE, token, httponly=True, samesite="Strict")
    return response


def _static_refusal(request: flask.Request, app: dash.Dash) -> flask.Response | None:
    """A 404 for a component-suite path Dash does not serve (Dash itself answers those 500)."""
    prefix = "/_dash-component-suites/"
    if request.path.startswith(prefix):
        package, _, path = request.path[len(prefix) :].partition("/")
        if not dash_private.serves_component_file(app, package, path):
            return _refuse(404, "Not found.")
    return None


def install(app: dash.Dash, settings: Settings) -> None:
    """Put the checks and headers on every request the server of `app` answers."""
    server = app.server
    hosts = allowed_hosts(settings)
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    @server.before_request
    def check_request():
        request = flask.request
        return (
            _path_or_host_refusal(request, hosts, settings.debug)
            or _static_refusal(request, app)
            or _body_refusal(request, app.callback_map)
        )

    server.before_request(_take_admin_token)
    server.after_request(_secure)
    mask_token_in_logs()
