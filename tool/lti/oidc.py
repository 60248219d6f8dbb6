"""OIDC login initiation (third-party initiated login), owned end to end by us.

The login looks the registration up once, then answers the redirect to the
platform's authorization endpoint. Nothing is written to the store: the state
is *signed* (itsdangerous, ``SECRET_KEY``) and carries what the launch needs
(registration, nonce, target, the browser binding). The launch makes it single
use by recording the launch under a key derived from the nonce (``add``).

Browser binding (login CSRF / session swapping): the state carries the SHA-256
of a random per-browser value that the browser keeps in an HttpOnly cookie
(``Secure; SameSite=None; Partitioned`` on https, so it survives in a
cross-site LMS iframe where partitioned cookies work; ``SameSite=Lax`` on plain
http in development). Where the platform offers LTI platform storage
(``lti_storage_target``, 1EdTech "LTI Client Side postMessages") and the login
runs inside a frame, the login answers a small page that also stores a
per-login secret with the platform (``lti.put_data``) before going on; the
launch can then read it back (``lti.get_data``) when the cookie did not come
back. See docs/security.md for what happens when neither is available.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from tool.lti.registry import PlatformInfo
from tool.lti.runtime import LtiRuntime
from tool.pages import UserFacingError
from tool.signing import serializer

STATE_TTL_SECONDS = 600
STATE_SALT = "oidc-state"
BINDING_MAX_AGE = 30 * 24 * 3600
# The __Host- prefix makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
SECURE_BINDING_COOKIE = "__Host-ss-browser"
PLAIN_BINDING_COOKIE = "ss-browser"
BINDING_VALUE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
STORAGE_TARGET = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
STORAGE_KEY_PREFIX = "ss-login-"


@dataclass(frozen=True)
class LoginState:
    """What the login remembered for the launch that follows it (inside the signed state)."""

    nonce: str
    issuer: str
    client_id: str
    registration_pk: int
    target_link_uri: str
    binding: str  # SHA-256 (hex) of the browser's binding cookie value
    storage_target: str = ""  # lti_storage_target the platform offered, "" without
    storage_secret: str = ""  # SHA-256 (hex) of the secret put into platform storage, "" without
    storage_origin: str = ""  # the platform origin that answers storage messages

    @property
    def storage_key(self) -> str:
        """The platform-storage key of this login (per login, so parallel launches do not collide)."""
        return STORAGE_KEY_PREFIX + self.nonce[:24]


_STATE_FIELDS = tuple(f.name for f in fields(LoginState))


def bare_redirect(location: str, code: int) -> Response:
    """A redirect without werkzeug's HTML body (browsers follow the Location header; the launch path is hot)."""
    return Response(status=code, headers={"Location": location})


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same_digest(value: str | None, expected: str) -> bool:
    return bool(value) and bool(expected) and hmac.compare_digest(digest(value or ""), expected)


def _serializer() -> URLSafeTimedSerializer:
    return serializer(STATE_SALT)


def read_state(state: str) -> LoginState | None:
    """The login behind a state value, or None when it is forged, altered or older than its TTL."""
    if not state or len(state) > 4096:
        return None
    try:
        data = _serializer().loads(state, max_age=STATE_TTL_SECONDS)
        if isinstance(data, list):
            return LoginState(*data)
        return LoginState(**data) if isinstance(data, dict) else None  # a login started before an upgrade
    except (BadSignature, TypeError, ValueError):
        return None


def secure_cookies(runtime: LtiRuntime) -> bool:
    """Cross-site cookie flags need https: as the request arrived (after ProxyFix), or as we are published."""
    return request.is_secure or runtime.base_url.startswith("https://")


def binding_cookie(runtime: LtiRuntime) -> str | None:
    """The browser's binding value, when the browser sent a well-formed one."""
    name = SECURE_BINDING_COOKIE if secure_cookies(runtime) else PLAIN_BINDING_COOKIE
    value = request.cookies.get(name)
    return value if value and BINDING_VALUE.match(value) else None


def set_binding_cookie(runtime: LtiRuntime, response: Response, value: str) -> None:
    if secure_cookies(runtime):
        response.set_cookie(
            SECURE_BINDING_COOKIE, value, max_age=BINDING_MAX_AGE, path="/", secure=True, httponly=True,
            samesite="None", partitioned=True,
        )
    else:  # plain http (development on 127.0.0.1): browsers drop SameSite=None without Secure
        response.set_cookie(PLAIN_BINDING_COOKIE, value, max_age=BINDING_MAX_AGE, path="/", httponly=True,
                            samesite="Lax")


def in_a_frame() -> bool:
    """Fetch Metadata says the browser loads us inside a frame (only then can platform storage help)."""
    return request.headers.get("Sec-Fetch-Dest", "") in ("iframe", "frame")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def start_login(runtime: LtiRuntime) -> Response:
    """Answer a login initiation: the redirect to the platform (or the platform-storage page first)."""
    values = request.args if request.method == "GET" else request.values
    issuer = values.get("iss", "")
    if not issuer:
        raise _login_error("it names no issuer (iss)")
    login_hint = values.get("login_hint", "")
    if not login_hint:
        raise _login_error("it has no login_hint")
    platform = runtime.registry.find(issuer, values.get("client_id") or None)
    if platform is None:
        from tool.admin.activation import registration_waiting  # a pending registration says so

        raise registration_waiting(runtime, issuer, values.get("client_id", "")) or _login_error(
            "Could not find registration details for this issuer and client id"
        )
    launch_url = runtime.url("/lti/launch")
    target = values.get("target_link_uri") or launch_url
    if not target.startswith(runtime.base_url + "/"):
        # Never let a login send the browser (and later a token) to another site.
        raise UserFacingError(
            "This link does not point to Stepping Stones",
            f"The platform asked to open {target}, which is not part of this tool.",
            "Ask your LMS administrator to check the tool's launch URL.",
            status=400,
        )
    binding = binding_cookie(runtime) or secrets.token_urlsafe(32)
    storage_target = values.get("lti_storage_target", "")
    use_storage = bool(STORAGE_TARGET.match(storage_target)) and in_a_frame()
    storage_secret = secrets.token_urlsafe(32) if use_storage else ""
    login = LoginState(
        nonce=secrets.token_urlsafe(32),
        issuer=platform.issuer,
        client_id=platform.client_id,
        registration_pk=platform.pk,
        target_link_uri=target,
        binding=digest(binding),
        storage_target=storage_target if use_storage else "",
        storage_secret=digest(storage_secret) if use_storage else "",
        storage_origin=origin_of(platform.auth_login_url) if use_storage else "",
    )
    # The field values in order (no names): a shorter state is a shorter URL for the browser and for werkzeug.
    state = _serializer().dumps([getattr(login, name) for name in _STATE_FIELDS])
    auth_url = _authorization_url(platform, launch_url, state, login, values)
    if use_storage:
        response = Response(
            render_template(
                "lti/platform_storage.html",
                storage={
                    "action": "put",
                    "target": login.storage_target,
                    "origin": login.storage_origin,
                    "key": login.storage_key,
                    "value": storage_secret,
                    "next": auth_url,
                },
            ),
            mimetype="text/html",
        )
    else:
        response = bare_redirect(auth_url, 302)
    set_binding_cookie(runtime, response, binding)
    response.headers["Cache-Control"] = "no-store"
    return response


def _authorization_url(
    platform: PlatformInfo, launch_url: str, state: str, login: LoginState, values: Any
) -> str:
    params: dict[str, str] = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": launch_url,
        "state": state,
        "nonce": login.nonce,
        "login_hint": values.get("login_hint", ""),
    }
    message_hint = values.get("lti_message_hint")
    if message_hint:
        params["lti_message_hint"] = message_hint
    if login.storage_target:
        params["lti_storage_target"] = login.storage_target
    separator = "&" if "?" in platform.auth_login_url else "?"
    return platform.auth_login_url + separator + urlencode(params)


def _login_error(detail: str) -> UserFacingError:
    return UserFacingError(
        "Stepping Stones could not start the launch",
        f"The platform's login request was not usable: {detail}.",
        "If you are an LMS administrator, check that the tool is registered with this issuer and client id "
        "(`stepping-stones lti list`). Otherwise go back to your course and try again.",
        status=400,
    )
