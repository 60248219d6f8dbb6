"""Security headers and the cross-site POST check, for every response of the tool.

* The ``secure`` library builds the headers: Content-Security-Policy, HSTS (only
  over https, i.e. behind the TLS proxy once ProxyFix trusts it),
  ``X-Content-Type-Options`` and the referrer policy. Their values depend only on
  the registrations, so they are built once and rebuilt at most every
  ``ORIGINS_CACHE_SECONDS``; a response only copies them (no per-request policy
  work: scripts are files from our origin, so the CSP needs no nonce).
  ``frame-ancestors`` lists 'self', every registered platform's issuer and login
  origins and ``SS_FRAME_ANCESTORS``.
* Referrer policy ``same-origin``: launch tokens in our URLs never reach another
  site, and our own form POSTs still carry a real ``Origin`` (with
  ``no-referrer`` browsers send ``Origin: null``).
* ``Cache-Control: no-store`` on every page (teacher and student pages hold
  names and plans); static files and the public JWKS keep their own caching.
* State-changing requests must come from our origin or a registered platform's:
  a present ``Origin`` (or, without one, ``Referer``) from anywhere else is
  refused. The LTI login and launch are exempt: platforms post them cross-site.

All checks run in one ``before_request`` hook and all headers in one ``after_request`` hook: a class
launching at once pays for two hook calls per request, not ten.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from flask import Flask, Request, request
from flask.sessions import SessionInterface, SessionMixin
from secure import ContentSecurityPolicy, ReferrerPolicy, Secure, StrictTransportSecurity, XContentTypeOptions
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
HSTS_SECONDS = 31536000


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


class SecurityHeaders:
    """The response headers, built by ``secure`` from the current registrations and kept as plain pairs."""

    def __init__(self, platforms: PlatformOrigins, extra_ancestors: list[str]) -> None:
        self._platforms = platforms
        self._extra = extra_ancestors
        self._at = float("-inf")
        self.plain: tuple[tuple[str, str], ...] = ()  # every response
        self.secure_only: tuple[tuple[str, str], ...] = ()  # only over https (HSTS)

    def refresh(self) -> None:
        if time.monotonic() - self._at < ORIGINS_CACHE_SECONDS:
            return
        ancestors = ["'self'", *sorted(self._platforms.get()), *self._extra]
        csp = (
            ContentSecurityPolicy()
            .default_src("'self'")
            .script_src("'self'")
            .style_src("'self'")
            .img_src("'self'", "data:")
            .object_src("'none'")
            .base_uri("'self'")
            .frame_ancestors(*ancestors)
        )
        headers = Secure(csp=csp, referrer=ReferrerPolicy().same_origin(), xcto=XContentTypeOptions().nosniff())
        self.plain = tuple(headers.headers.items())
        hsts = Secure(hsts=StrictTransportSecurity().max_age(HSTS_SECONDS))
        self.secure_only = tuple(hsts.headers.items())
        self._at = time.monotonic()

    def forget(self) -> None:
        self._at = float("-inf")


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.session_interface = NoCookieSession()
    own = origin_of(settings.base_url)
    platforms = PlatformOrigins(app)
    app.extensions["platform_origins"] = platforms
    headers = SecurityHeaders(platforms, [o for o in settings.frame_ancestors.split() if o])
    app.extensions["security_headers"] = headers

    @app.before_request
    def _guard() -> None:
        headers.refresh()
        _size_limit(app)
        _edge_values()
        if request.method in UNSAFE_METHODS and request.endpoint not in CROSS_SITE_ENDPOINTS:
            _same_origin_post(own, platforms)

    @app.after_request
    def _headers(response: Response) -> Response:
        out = response.headers
        # ``add``, not ``set``: no view sets these, so there is nothing to look for and replace.
        for name, value in headers.plain:
            out.add(name, value)
        if request.is_secure:
            for name, value in headers.secure_only:
                out.add(name, value)
        if request.endpoint not in CACHEABLE_ENDPOINTS:
            out["Cache-Control"] = "no-store"
        return response


def _size_limit(app: Flask) -> None:
    # Refuse an oversized body before any view reads it, so every route answers the same clear 413.
    limit = app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


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


def _same_origin_post(own: str, platforms: PlatformOrigins) -> None:
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


def _cross_site() -> UserFacingError:
    return UserFacingError(
        "This form was sent from another site",
        "Stepping Stones only accepts changes sent from its own pages.",
        "Go back to your course, open Stepping Stones again and repeat what you were doing.",
        status=403,
    )
