"""Which launch a browser request belongs to.

Third-party cookies are blocked in many browsers inside an LMS iframe, so the
launch travels as a signed token (``lt``) in each URL and form of ours; the
launch itself stays server-side in the key/value store. Tokens expire with the
stored launch.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from tool.lti.launch import Launch
from tool.pages import UserFacingError

LAUNCH_TTL_SECONDS = 8 * 3600
TOKEN_PARAM = "lt"  # noqa: S105 - a query parameter name, not a secret


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="launch")


def start_session(launch: Launch) -> str:
    """Store the launch and return the token that names it."""
    store = current_app.extensions["kv_store"]
    store.set(f"launch:{launch.launch_id}", json.dumps(launch.to_dict()), LAUNCH_TTL_SECONDS)
    return _serializer().dumps(launch.launch_id)


def launch_token() -> str | None:
    return request.values.get(TOKEN_PARAM) or request.headers.get("X-Launch-Token")


def current_launch() -> Launch:
    """The launch this request belongs to, or a clear 401 page."""
    token = launch_token()
    if not token:
        raise UserFacingError(
            "Please open Stepping Stones from your course",
            "This page needs a launch from your learning platform, and none came with the request.",
            "Go back to your course and click the Stepping Stones link again.",
            status=401,
        )
    try:
        launch_id = _serializer().loads(token, max_age=LAUNCH_TTL_SECONDS)
    except BadSignature as exc:
        raise UserFacingError(
            "Your session has ended",
            "The link you followed has expired or was changed.",
            "Go back to your course and click the Stepping Stones link again.",
            status=401,
        ) from exc
    raw = current_app.extensions["kv_store"].get(f"launch:{launch_id}")
    if raw is None:
        raise UserFacingError(
            "Your session has ended",
            "Stepping Stones no longer remembers this launch.",
            "Go back to your course and click the Stepping Stones link again.",
            status=401,
        )
    return Launch.from_dict(json.loads(raw))


def launch_url(endpoint: str, **values: Any) -> str:
    """``url_for`` that carries the current launch token."""
    token = launch_token()
    if token:
        values[TOKEN_PARAM] = token
    return url_for(endpoint, **values)
