"""Security headers and the cross-site POST check, for every response of the tool.

* flask-talisman sets the Content-Security-Policy, HSTS (only over https, i.e.
  behind the TLS proxy once ProxyFix trusts it), ``X-Content-Type-Options`` and
  the referrer policy. ``frame-ancestors`` lists 'self', every registered
  platform's issuer and login origins and ``SS_FRAME_ANCESTORS``; it is rebuilt
  from the database at most every ``ORIGINS_CACHE_SECONDS``.
* Referrer policy ``same-origin``: launch tokens in our URLs never reach another
  site, and our own form POSTs still carry a real ``Origin`` (with
  ``no-referrer`` browsers send ``Origin: null``).
* ``Cache-Control: no-store`` on every page (teacher and student pages hold
  names and plans); static files and the public JWKS keep their own caching.
* State-changing requests must come from our origin or a registered platform's:
  a present ``Origin`` (or, without one, ``Referer``) from anywhere else is
  refused. The LTI login and launch are exempt: platforms post them cross-site.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from flask import Flask, Request, request
from flask.sessions import SessionInterface, SessionMixin
from flask_talisman import Talisman  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.wrappers import Response

from tool.pages import UserFacingError

ORIGINS_CACHE_SECONDS = 60.0
MAX_INT_ARGUMENT = 2**31 - 1  # PostgreSQL integer
MAX_ID_ARGUMENT = 200
CROSS_SITE_ENDPOINTS = frozenset({"lti.login", "lti.launch"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
CACHEABLE_ENDPOINTS = frozenset({"static", "lti.jwks", "lti.canvas_json"})
BASE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
}


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme in ("http", "https") and parts.netloc else ""


class PlatformOrigins:
    """The origins of registered platforms (issuer and OIDC login URL), cached per app."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._origins: frozenset[str] = frozenset()
        self._at = float("-inf")

    def get(self) -> frozenset[str]:
        if time.monotonic() - self._at < ORIGINS_CACHE_SECONDS:
            return self._origins
        from tool.lti.models import Registration

        with self._lock, Session(self._app.extensions["db_engine"]) as db:
            rows = db.execute(select(Registration.issuer, Registration.auth_login_url)).all()
            self._origins = frozenset(o for row in rows for o in map(origin_of, row) if o)
            self._at = time.monotonic()
        return self._origins

    def forget(self) -> None:
        self._at = float("-inf")


class NoCookieSession(SessionInterface):
    """The tool keeps no Flask session (launches travel as ``lt``): never parse or sign a session cookie."""

    def open_session(self, app: Flask, request: Request) -> None:
        return None  # Flask then uses its cheap null session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.session_interface = NoCookieSession()
    own = origin_of(settings.base_url)
    extra = [o for o in settings.frame_ancestors.split() if o]
    platforms = PlatformOrigins(app)
    app.extensions["platform_origins"] = platforms
    talisman = Talisman(
        app,
        force_https=False,  # the TLS proxy redirects; development is plain http
        strict_transport_security=True,
        strict_transport_security_max_age=31536000,
        frame_options=None,  # X-Frame-Options cannot list several origins: CSP frame-ancestors does it
        content_security_policy=dict(BASE_POLICY, **{"frame-ancestors": "'self'"}),
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="same-origin",
        session_cookie_secure=False,  # we keep no Flask session cookie
        session_cookie_http_only=True,
    )
    policy_at = [float("-inf")]

    @app.before_request
    def _refresh_policy() -> None:
        # One policy for every request (it depends only on the registrations): rebuilt after the cache expires.
        if time.monotonic() - policy_at[0] < ORIGINS_CACHE_SECONDS:
            return
        ancestors = " ".join(["'self'", *sorted(platforms.get()), *extra])
        talisman.content_security_policy = dict(BASE_POLICY, **{"frame-ancestors": ancestors})
        policy_at[0] = time.monotonic()

    @app.before_request
    def _size_limit() -> None:
        # Refuse an oversized body before any view reads it, so every route answers the same clear 413.
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()

    @app.before_request
    def _edge_values() -> None:
        # Ids and numbers in URLs are checked before any query: a number no column can hold, or an id
        # longer than any we issue, names nothing (SQLite and PostgreSQL would fail on the overflow).
        for value in (request.view_args or {}).values():
            if isinstance(value, int) and not 0 <= value <= MAX_INT_ARGUMENT:
                raise NotFound()
            if isinstance(value, str) and (len(value) > MAX_ID_ARGUMENT or "\x00" in value):
                raise NotFound()
        # NUL cannot be stored in a PostgreSQL text or JSON field: say so instead of failing on the insert.
        fields = [*request.args.values()]
        if request.method in UNSAFE_METHODS and request.mimetype in FORM_TYPES:
            fields += request.form.values()
        if any("\x00" in value for value in fields):
            raise UserFacingError(
                "Something in this form cannot be saved",
                "A field contains an invisible control character (NUL) that Stepping Stones cannot store.",
                "Retype the text instead of pasting it, then send the form again.",
                status=400,
            )

    @app.before_request
    def _same_origin_posts() -> None:
        if request.method not in UNSAFE_METHODS or request.endpoint in CROSS_SITE_ENDPOINTS:
            return
        origin = request.headers.get("Origin")
        if origin is None or origin == "null":
            referer = request.headers.get("Referer")
            if referer is None:
                if origin == "null":  # sandboxed frames and the like: never our own pages
                    raise _cross_site()
                return  # not a browser (browsers send Origin on every cross-origin POST)
            origin = origin_of(referer)
        allowed = {own, origin_of(request.host_url)} | platforms.get()
        if origin.lower() not in allowed:
            raise _cross_site()

    @app.after_request
    def _no_store(response: Response) -> Response:
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        return response


def _cross_site() -> UserFacingError:
    return UserFacingError(
        "This form was sent from another site",
        "Stepping Stones only accepts changes sent from its own pages.",
        "Go back to your course, open Stepping Stones again and repeat what you were doing.",
        status=403,
    )
