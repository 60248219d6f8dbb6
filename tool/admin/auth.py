"""Who is using the console: the tool administrator (password) or a platform administrator (launch).

The password is checked against ``SS_ADMIN_PASSWORD_HASH`` (a werkzeug hash: the
comparison is constant-time); a success starts a server-side session named by a
signed cookie (``HttpOnly``, ``SameSite=Strict``, ``Secure`` over https and in
production, path ``/admin``) that signing out revokes. Failed attempts are
counted per client address and refused after ``MAX_FAILURES`` in
``FAILURE_WINDOW_SECONDS``.

A platform administrator comes with the launch token (``lt``) of a launch whose
roles include a platform administrator role; they see and manage only the
registration they launched from.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from config.settings import Settings
from tool.admin.roles import is_platform_admin
from tool.kv_store import KeyValueStore
from tool.pages import UserFacingError
from tool.signing import serializer

COOKIE = "ss_admin"
SESSION_SECONDS = 8 * 3600
MAX_FAILURES = 10
FAILURE_WINDOW_SECONDS = 15 * 60
SESSION_PREFIX = "admin-session:"
FAILURE_PREFIX = "admin-login-failures:"


@dataclass(frozen=True)
class AdminIdentity:
    """``registration_pk`` None: every registration (the tool administrator)."""

    kind: str  # "password" | "platform"
    registration_pk: int | None
    csrf: str
    launch_token: str = ""

    def may_manage(self, registration_pk: int) -> bool:
        return self.registration_pk is None or self.registration_pk == registration_pk


def _settings() -> Settings:
    settings: Settings = current_app.config["SETTINGS"]
    return settings


def _store() -> KeyValueStore:
    store: KeyValueStore = current_app.extensions["kv_store"]
    return store


def _serializer() -> URLSafeTimedSerializer:
    return serializer("admin-session")


def _csrf_for(session_id: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"admin-csrf:" + session_id.encode(), hashlib.sha256).hexdigest()


def password_configured() -> bool:
    return bool(_settings().admin_password_hash)


def _client_key() -> str:
    return FAILURE_PREFIX + (request.remote_addr or "unknown")


def too_many_failures() -> bool:
    raw = _store().get(_client_key())
    return raw is not None and raw.isdigit() and int(raw) >= MAX_FAILURES


def check_password(password: str) -> bool:
    """Constant-time check against the configured hash; failures are counted per client address."""
    stored = _settings().admin_password_hash
    try:
        ok = bool(stored) and check_password_hash(stored, password)
    except (ValueError, TypeError):  # a malformed hash in the settings never lets anyone in
        ok = False
    if not ok:
        raw = _store().get(_client_key())
        count = int(raw) + 1 if raw is not None and raw.isdigit() else 1
        _store().set(_client_key(), str(count), FAILURE_WINDOW_SECONDS)
    return ok


def start_password_session(response: Response) -> None:
    session_id = secrets.token_urlsafe(32)
    _store().set(SESSION_PREFIX + session_id, "password", SESSION_SECONDS)
    _store().take(_client_key())
    response.set_cookie(
        COOKIE,
        _serializer().dumps(session_id),
        max_age=SESSION_SECONDS,
        path="/admin",
        httponly=True,
        secure=request.is_secure or _settings().env == "production",
        samesite="Strict",
    )


def end_password_session(response: Response) -> None:
    session_id = _password_session_id()
    if session_id:
        _store().take(SESSION_PREFIX + session_id)
    response.delete_cookie(COOKIE, path="/admin")


def _password_session_id() -> str | None:
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 512:
        return None
    try:
        session_id = _serializer().loads(raw, max_age=SESSION_SECONDS)
    except BadSignature:
        return None
    if not isinstance(session_id, str) or _store().get(SESSION_PREFIX + session_id) is None:
        return None
    return session_id


def current_admin() -> AdminIdentity | None:
    """The administrator behind this request, or None (never raises)."""
    from tool.lti.session import TOKEN_PARAM

    if request.values.get(TOKEN_PARAM) or request.headers.get("X-Launch-Token"):
        return _platform_admin()
    session_id = _password_session_id()
    if session_id and password_configured():
        return AdminIdentity(kind="password", registration_pk=None, csrf=_csrf_for(session_id))
    return None


def _platform_admin() -> AdminIdentity | None:
    from tool.lti.session import current_launch, launch_token

    try:
        launch = current_launch()
    except UserFacingError:
        return None
    if not is_platform_admin(launch.roles):
        return None
    token = launch_token() or ""
    return AdminIdentity(kind="platform", registration_pk=launch.registration_id, csrf="", launch_token=token)


def csrf_ok(identity: AdminIdentity) -> bool:
    """Password sessions carry a CSRF field; launch-token sessions are bound by the token in the form."""
    if identity.kind == "platform":
        return True
    given = request.form.get("csrf", "")
    return bool(given) and hmac.compare_digest(given.encode(), identity.csrf.encode())
