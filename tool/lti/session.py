"""Which launch a browser request belongs to.

Third-party cookies are blocked in many browsers inside an LMS iframe, so the
launch travels as a signed token (``lt``) in each URL and form of ours; the
launch itself stays server-side in the key/value store. Tokens expire with the
stored launch. A token is refused when its deployment has been deactivated or its
registration suspended (within ``ACTIVE_CACHE_SECONDS`` in other processes), and
when the launch was bound to a browser cookie and the request carries a
different one (the token was carried into another person's browser).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from flask import Flask, current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from tool.lti.launch import Launch
from tool.lti.models import Deployment, Registration
from tool.pages import UserFacingError
from tool.signing import serializer

LAUNCH_TTL_SECONDS = 8 * 3600
TOKEN_PARAM = "lt"  # noqa: S105 - a query parameter name, not a secret
MAX_TOKEN_LENGTH = 512
# How long an active deployment is believed active without asking the database again: a deactivation
# done in another process (CLI, admin console) stops its tokens within this time.
ACTIVE_CACHE_SECONDS = 10.0


def _serializer() -> URLSafeTimedSerializer:
    return serializer("launch")


def _record(launch: Launch) -> str:
    return json.dumps(launch.to_dict(), separators=(",", ":"))


def start_session(launch: Launch) -> str:
    """Store the launch and return the token that names it."""
    store = current_app.extensions["kv_store"]
    store.set(f"launch:{launch.launch_id}", _record(launch), LAUNCH_TTL_SECONDS)
    return _serializer().dumps(launch.launch_id)


def claim_session(launch: Launch) -> str | None:
    """Store a launch only if its id is new (one store round trip); None when it was already used.

    The launch id derives from the id_token's nonce, so this single ``add`` is also the nonce's
    single-use check: a replayed launch finds its record and is refused.
    """
    store = current_app.extensions["kv_store"]
    if not store.add(f"launch:{launch.launch_id}", _record(launch), LAUNCH_TTL_SECONDS):
        return None
    return str(_serializer().dumps(launch.launch_id))


def launch_token() -> str | None:
    return request.args.get(TOKEN_PARAM) or _form_token() or request.headers.get("X-Launch-Token")


def _form_token() -> str | None:
    # Only a form body that was already parsed or is small enough to parse: never raise from here.
    if request.method in ("GET", "HEAD"):
        return None
    try:
        return request.form.get(TOKEN_PARAM)
    except Exception:  # a body too large or malformed simply carries no token
        return None


def _ended(explanation: str) -> UserFacingError:
    return UserFacingError(
        "Your session has ended",
        explanation,
        "Go back to your course and click the Stepping Stones link again.",
        status=401,
    )


def current_launch() -> Launch:
    """The launch this request belongs to, or a clear 401/403 page."""
    token = launch_token()
    if not token:
        raise UserFacingError(
            "Please open Stepping Stones from your course",
            "This page needs a launch from your learning platform, and none came with the request.",
            "Go back to your course and click the Stepping Stones link again.",
            status=401,
        )
    if len(token) > MAX_TOKEN_LENGTH:
        raise _ended("The link you followed has expired or was changed.")
    try:
        launch_id = _serializer().loads(token, max_age=LAUNCH_TTL_SECONDS)
    except BadSignature as exc:
        raise _ended("The link you followed has expired or was changed.") from exc
    raw = current_app.extensions["kv_store"].get(f"launch:{launch_id}")
    if raw is None:
        raise _ended("Stepping Stones no longer remembers this launch.")
    launch = Launch.from_dict(json.loads(raw))
    _check_browser(launch)
    if not deployment_active(current_app, launch.deployment_pk):
        raise UserFacingError(
            "Stepping Stones is switched off for this course",
            "The installation of Stepping Stones this page belongs to has been deactivated.",
            "Ask your LMS administrator or the Stepping Stones administrator to activate it again.",
            status=403,
        )
    return launch


def _check_browser(launch: Launch) -> None:
    if not launch.browser_binding:
        return
    from tool.lti.oidc import binding_cookie, same_digest
    from tool.lti.runtime import get_runtime

    cookie = binding_cookie(get_runtime())
    if cookie is not None and not same_digest(cookie, launch.browser_binding):
        raise _ended("This link belongs to a launch made in another browser.")


class _ActiveDeployments:
    """Deployment pk -> when it was last seen active (per app, thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: dict[int, float] = {}


def deployment_active(app: Flask, deployment_pk: int) -> bool:
    cache: _ActiveDeployments = app.extensions.setdefault("lti_active_deployments", _ActiveDeployments())
    seen = cache.seen.get(deployment_pk)
    if seen is not None and time.monotonic() - seen < ACTIVE_CACHE_SECONDS:
        return True
    from sqlalchemy.orm import Session

    with Session(app.extensions["db_engine"]) as db:
        # A suspended (pending again) registration ends its open launches too, not only new logins.
        active = db.scalar(
            select(Deployment.active)
            .join(Registration, Registration.id == Deployment.registration_id)
            .where(Deployment.id == deployment_pk, Registration.status == "active")
        )
    with cache.lock:
        if active:
            cache.seen[deployment_pk] = time.monotonic()
        else:
            cache.seen.pop(deployment_pk, None)
    return bool(active)


def forget_deployments(app: Flask) -> None:
    """Drop the cache (after an activation change in this process)."""
    cache = app.extensions.get("lti_active_deployments")
    if cache is not None:
        with cache.lock:
            cache.seen.clear()


def launch_url(endpoint: str, **values: Any) -> str:
    """``url_for`` that carries the current launch token."""
    token = launch_token()
    if token:
        values[TOKEN_PARAM] = token
    return url_for(endpoint, **values)
