"""OIDC login initiation (third-party initiated login), with state kept server-side.

pylti1p3 keeps the nonce in the Flask session and the state in a cookie: both
are lost when the browser blocks third-party cookies inside the LMS iframe.
Here state and nonce live together in the key/value store under the state
value (256 random bits), and the launch consumes them atomically (``take``).
The state cookie pylti1p3 sets is kept as an extra browser binding where
cookies work (``SameSite=None; Secure; Partitioned`` on https, which ProxyFix
makes visible behind a TLS proxy); it is not required, so plain http on
127.0.0.1 in development works too.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from pylti1p3.contrib.flask.oidc_login import FlaskOIDCLogin
from pylti1p3.contrib.flask.request import FlaskRequest
from pylti1p3.exception import OIDCException
from werkzeug.wrappers import Response

from tool.lti.runtime import LtiRuntime
from tool.lti.tool_conf import DbToolConf
from tool.pages import UserFacingError

STATE_TTL_SECONDS = 600
STATE_PREFIX = "oidc-state:"


@dataclass(frozen=True)
class LoginState:
    """What the login remembered for the launch that follows it."""

    nonce: str
    issuer: str
    client_id: str
    registration_pk: int
    target_link_uri: str


def take_state(runtime: LtiRuntime, state: str) -> LoginState | None:
    """Consume a login state (at most one launch can use it)."""
    raw = runtime.store.take(STATE_PREFIX + state)
    return LoginState(**json.loads(raw)) if raw else None


class KvOIDCLogin(FlaskOIDCLogin):
    def __init__(self, runtime: LtiRuntime) -> None:
        request = FlaskRequest()  # type: ignore[no-untyped-call]
        super().__init__(request, DbToolConf(runtime))
        self._runtime = runtime

    def _prepare_redirect_url(self, launch_url: str) -> str:
        try:
            registration = self.validate_oidc_login()
        except OIDCException as exc:
            raise _login_error(str(exc)) from exc
        platform = self._runtime.registry.find(registration.get_issuer() or "", registration.get_client_id())
        if platform is None:  # pragma: no cover - validate_oidc_login found it a moment ago
            raise _login_error("Could not find registration details")
        target = self._get_request_param("target_link_uri") or launch_url
        if not target.startswith(self._runtime.base_url + "/"):
            # Never let a login send the browser (and later a token) to another site.
            raise UserFacingError(
                "This link does not point to Stepping Stones",
                f"The platform asked to open {target}, which is not part of this tool.",
                "Ask your LMS administrator to check the tool's launch URL.",
                status=400,
            )
        state = "state-" + secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        remembered = LoginState(
            nonce=nonce,
            issuer=platform.issuer,
            client_id=platform.client_id,
            registration_pk=platform.pk,
            target_link_uri=target,
        )
        self._runtime.store.set(STATE_PREFIX + state, json.dumps(asdict(remembered)), STATE_TTL_SECONDS)
        self._cookie_service.set_cookie(state, state, STATE_TTL_SECONDS)
        params: dict[str, Any] = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": platform.client_id,
            "redirect_uri": launch_url,
            "state": state,
            "nonce": nonce,
            "login_hint": self._get_request_param("login_hint"),
        }
        message_hint = self._get_request_param("lti_message_hint")
        if message_hint:
            params["lti_message_hint"] = message_hint
        separator = "&" if "?" in platform.auth_login_url else "?"
        return platform.auth_login_url + separator + urlencode(params)

    def start(self, launch_url: str) -> Response:
        """The redirect to the platform's authorization endpoint (sets the state cookie)."""
        response: Response = self.redirect(launch_url)
        return response


def _login_error(detail: str) -> UserFacingError:
    return UserFacingError(
        "Stepping Stones could not start the launch",
        f"The platform's login request was not usable: {detail}.",
        "If you are an LMS administrator, check that the tool is registered with this issuer and client id "
        "(`stepping-stones lti list`). Otherwise go back to your course and try again.",
        status=400,
    )
