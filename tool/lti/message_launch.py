"""The launch validator: a small LTI 1.3 id_token check of our own, on PyJWT.

It owns the whole launch (see README "Which LTI library"): one registry look-up,
one RS256 verify against the cached platform key, and claim checks with messages
a person can act on. In order:

1. the signed login state (``tool.lti.oidc``) is genuine and fresh;
2. the browser is the one that did the login: its binding cookie matches, or the
   secret the login stored in platform storage came back (``lti.get_data``);
   without either the launch is refused over https (``SS_UNBOUND_LAUNCHES=auto``, the default)
   and accepted unbound on plain http, where no cross-site cookie can exist;
3. the JWT names an RS256/384/512 key (``kid``); no ``none``, no HMAC;
4. the signature verifies with the platform's key (one refetch on an unknown kid,
   so key rotation works) through PyJWT's algorithm objects, the token parsed once with
   compiled checks (PyJWT's loader costs 4x the RSA verify); ``exp``/``iat``/``nbf`` with
   ``LEEWAY_SECONDS`` of skew;
5. ``iss`` and ``aud`` are the login's; ``azp`` equals our client id when present
   and is required when ``aud`` has several values; the nonce is the login's;
6. message type, LTI version and the claims the message type needs, each of the
   right JSON type;
7. the deployment exists and is active (first sight creates it inactive).

Single use is enforced when the launch is stored (``tool.lti.session.claim_session``):
its key derives from the nonce and is added only if absent, so a replay finds it.
Every refusal is a ``LaunchRejected`` (an error page saying what to fix, 4xx).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import request
from jwt.algorithms import get_default_algorithms

from tool.lti.launch import Launch
from tool.lti.oidc import LoginState, binding_cookie, read_state, same_digest, secure_cookies
from tool.lti.platform_keys import PlatformKeyError
from tool.lti.registry import DeploymentState, PlatformInfo
from tool.lti.runtime import LtiRuntime
from tool.pages import UserFacingError

LEEWAY_SECONDS = 60
ALLOWED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})
SUPPORTED_MESSAGES = frozenset({"LtiResourceLinkRequest", "LtiDeepLinkingRequest"})
STEP_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SEGMENT = re.compile(rb"[A-Za-z0-9_-]*")  # empty allowed: an unsigned ("none") token is refused by its alg
_ALGORITHMS = {name: get_default_algorithms()[name] for name in ALLOWED_ALGORITHMS}
MAX_TOKEN_LENGTH = 64 * 1024
STORAGE_FIELD = "platform_storage_value"
STORAGE_TRIED_FIELD = "platform_storage_tried"

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CLAIM_DEPLOYMENT = LTI + "deployment_id"
CLAIM_MESSAGE_TYPE = LTI + "message_type"
CLAIM_TARGET = LTI + "target_link_uri"
CLAIM_CUSTOM = LTI + "custom"
CLAIM_AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CLAIM_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CLAIM_DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

RELAUNCH = "Go back to your course and open Stepping Stones again. If it keeps happening, tell your LMS administrator."
UNBOUND_FIX = (
    "Your browser did not keep the small cookie Stepping Stones uses to check that this launch is yours, and "
    "your learning platform does not offer its own storage for it. Ask your LMS administrator to set Stepping "
    "Stones to open in a new window (cookies work there), or allow cookies for this site, then open it again."
)


class LaunchRejected(UserFacingError):
    """A launch we refuse; the message names the check that failed."""

    def __init__(self, explanation: str, fix: str = RELAUNCH, status: int = 400, title: str = "") -> None:
        super().__init__(title or "This launch could not be accepted", explanation, fix, status)


@dataclass(frozen=True)
class StorageCheck:
    """The cookie did not come back but the platform offers storage: read the login's secret from it first."""

    login: LoginState


@dataclass(frozen=True)
class ValidatedLaunch:
    login: LoginState
    platform: PlatformInfo
    deployment: DeploymentState
    claims: dict[str, Any]
    bound_by: str  # "cookie", "platform-storage" or "none" (SS_UNBOUND_LAUNCHES=allow)

    def to_launch(self) -> Launch:
        """The validated message as the typed ``Launch`` the rest of the tool uses."""
        body, platform = self.claims, self.platform
        context = body.get(LTI + "context") or {}
        link = body.get(LTI + "resource_link") or {}
        ags = body.get(CLAIM_AGS) or {}
        nrps = body.get(CLAIM_NRPS) or {}
        presentation = body.get(LTI + "launch_presentation") or {}
        custom = body.get(CLAIM_CUSTOM) or {}
        return Launch(
            # Derived from the single-use nonce: storing it with ``add`` is what consumes the nonce.
            launch_id=hashlib.sha256(self.login.nonce.encode()).hexdigest()[:32],
            registration_id=platform.pk,
            deployment_pk=self.deployment.pk,
            issuer=platform.issuer,
            client_id=platform.client_id,
            deployment_id=str(body[CLAIM_DEPLOYMENT]),
            message_type=str(body[CLAIM_MESSAGE_TYPE]),
            user_sub=str(body["sub"]),
            roles=tuple(str(r) for r in body.get(LTI + "roles") or ()),
            context_id=_opt(context.get("id")),
            context_title=_opt(context.get("title")),
            context_label=_opt(context.get("label")),
            user_name=_opt(body.get("name")),
            user_given_name=_opt(body.get("given_name")),
            user_family_name=_opt(body.get("family_name")),
            user_email=_opt(body.get("email")),
            resource_link_id=_opt(link.get("id")),
            resource_link_title=_opt(link.get("title")),
            custom={str(k): str(v) for k, v in custom.items()},
            nrps_url=_opt(nrps.get("context_memberships_url")),
            ags_lineitems_url=_opt(ags.get("lineitems")),
            ags_lineitem_url=_opt(ags.get("lineitem")),
            ags_scopes=tuple(str(s) for s in ags.get("scope") or ()),
            deep_linking_settings=dict(body[CLAIM_DL]) if isinstance(body.get(CLAIM_DL), dict) else None,
            platform_family=platform.platform_family,
            return_url=_opt(presentation.get("return_url")),
            locale=_opt(presentation.get("locale")),
            browser_binding=self.login.binding if self.bound_by == "cookie" else "",
        )

    def requested_step(self) -> str | None:
        """The task (step) a task launch points at: ``?step=`` of target_link_uri, else custom ss_step."""
        candidates: list[str] = []
        for uri in (self.claims.get(CLAIM_TARGET), self.login.target_link_uri):
            if isinstance(uri, str):
                candidates += parse_qs(urlsplit(uri).query).get("step", [])
        custom = self.claims.get(CLAIM_CUSTOM)
        if isinstance(custom, dict) and custom.get("ss_step"):
            candidates.append(str(custom["ss_step"]))
        return next((c for c in candidates if STEP_ID.match(c)), None)


def validate_launch(runtime: LtiRuntime) -> ValidatedLaunch | StorageCheck:
    """Check the POSTed launch; a ``StorageCheck`` means: ask the platform's storage, then post again."""
    form = request.form
    token = form.get("id_token", "")
    if not token:
        raise LaunchRejected("The platform did not send an id_token with this launch.")
    if len(token) > MAX_TOKEN_LENGTH:
        raise LaunchRejected("The id_token is far larger than any LTI launch message.")
    state = form.get("state", "")
    if not state:
        raise LaunchRejected("The launch came without the login state the platform must send back.")
    login = read_state(state)
    if login is None:
        raise LaunchRejected(
            "The login state of this launch is unknown, expired or was already used.",
            title="This launch has expired or was already used",
        )
    bound_by = _browser_binding(runtime, login)
    if bound_by is None:
        return StorageCheck(login)
    platform = runtime.registry.find(login.issuer, login.client_id)  # the one look-up (in-process cache)
    if platform is None or platform.pk != login.registration_pk:
        raise LaunchRejected("The platform registration of this launch no longer exists.", status=403)
    claims = _verified_claims(runtime, login, platform.jwks_url, token)
    _check_message(claims)
    deployment = _active_deployment(runtime, platform, claims)
    return ValidatedLaunch(login, platform, deployment, claims, bound_by)


def _browser_binding(runtime: LtiRuntime, login: LoginState) -> str | None:
    """How this browser proved it did the login; None = try platform storage first."""
    cookie = binding_cookie(runtime)
    if same_digest(cookie, login.binding):
        return "cookie"
    stored = request.form.get(STORAGE_FIELD, "")
    if login.storage_secret and same_digest(stored, login.storage_secret):
        return "platform-storage"
    if login.storage_target and not request.form.get(STORAGE_TRIED_FIELD):
        return None
    if cookie is not None:
        raise LaunchRejected(
            "This launch was started in another browser: the browser's launch cookie does not match the login.",
            title="This launch belongs to another browser",
        )
    if login.storage_target:
        raise LaunchRejected(
            "Your learning platform's storage did not confirm that this browser started the launch.",
            title="This launch could not be tied to your browser",
        )
    policy = runtime.settings.unbound_launches
    if policy == "allow" or (policy == "auto" and not secure_cookies(runtime)):
        return "none"
    raise LaunchRejected(
        "The launch could not be tied to your browser: the browser's launch cookie did not come back.",
        fix=UNBOUND_FIX,
        title="This launch could not be tied to your browser",
    )


def _verified_claims(runtime: LtiRuntime, login: LoginState, jwks_url: str, token: str) -> dict[str, Any]:
    header, claims, signing_input, signature = _parse_jws(token)
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALLOWED_ALGORITHMS:
        raise LaunchRejected(f"The id_token uses the algorithm {alg!r}; only RS256/384/512 are accepted.")
    if not kid or not isinstance(kid, str):
        raise LaunchRejected("The id_token does not name the key (kid) that signed it.")
    try:
        key = runtime.platform_keys.key(jwks_url, kid)
    except PlatformKeyError as exc:
        raise LaunchRejected(
            f"The platform's signing key could not be found: {exc}.",
            fix="Ask your LMS administrator to check the platform's key set URL registered for the tool.",
            title="The launch signature cannot be checked",
        ) from exc
    if not _ALGORITHMS[str(alg)].verify(signing_input, key.key, signature):
        raise LaunchRejected("The launch message failed its signature check: it was not signed by the platform.")
    _check_times(claims)
    if claims.get("iss") != login.issuer:
        raise LaunchRejected("The id_token's issuer (iss) is not the platform this launch started from.")
    aud = claims.get("aud")
    audiences: list[str] = []
    if isinstance(aud, str):
        audiences = [aud]
    elif isinstance(aud, list):
        audiences = [a for a in aud if isinstance(a, str)]
    if login.client_id not in audiences:
        raise LaunchRejected("The id_token is addressed (aud) to another tool, not to Stepping Stones.")
    azp = claims.get("azp")
    if len(audiences) > 1 and azp is None:
        raise LaunchRejected("The id_token has several audiences but no authorized party (azp).")
    if azp is not None and azp != login.client_id:
        raise LaunchRejected("The id_token's authorized party (azp) is not Stepping Stones.")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not hmac.compare_digest(nonce.encode(), login.nonce.encode()):
        raise LaunchRejected("The launch message's nonce does not belong to this login.")
    return claims


def _parse_jws(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """Split and decode a compact JWS (header, claims, signing input, signature).

    PyJWT's own loader checks the base64 alphabet one character at a time in Python, which costs
    more than the RSA verify on a launch-sized token; a compiled regular expression does the same
    check. The signature is verified with PyJWT's algorithm objects (cryptography underneath).
    """
    raw = token.encode("ascii", "replace")
    parts = raw.split(b".")
    if len(parts) != 3 or not all(SEGMENT.fullmatch(p) and len(p) % 4 != 1 for p in parts):
        raise LaunchRejected("The id_token is not a JSON Web Token (JWT): it needs three base64url parts.")
    try:
        header, claims = (json.loads(base64.urlsafe_b64decode(p + b"=" * (-len(p) % 4))) for p in parts[:2])
        signature = base64.urlsafe_b64decode(parts[2] + b"=" * (-len(parts[2]) % 4))
    except (ValueError, RecursionError) as exc:
        raise LaunchRejected(f"The id_token is not a JSON Web Token (JWT): {exc}.") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise LaunchRejected("The id_token is not a JSON Web Token (JWT): its parts are not JSON objects.")
    return header, claims, parts[0] + b"." + parts[1], signature


def _check_times(claims: dict[str, Any]) -> None:
    """exp and iat required; exp, iat and nbf allow LEEWAY_SECONDS of clock skew."""
    now = time.time()
    for name in ("exp", "iat"):
        if name not in claims:
            raise LaunchRejected(f'The launch message failed its claim checks: it has no "{name}" claim.')
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise LaunchRejected(f'The launch message failed its claim checks: "{name}" is not a number.')
    if now > claims["exp"] + LEEWAY_SECONDS:
        raise LaunchRejected("The launch message has expired.", title="This launch has expired")
    for name in ("iat", "nbf"):
        if name in claims and claims[name] > now + LEEWAY_SECONDS:
            raise LaunchRejected(f"The launch message is not yet valid ({name}): check the platform's clock.")


def _check_message(body: dict[str, Any]) -> None:
    """Message type, version and the claims it needs, each of the right JSON type."""
    message_type = body.get(CLAIM_MESSAGE_TYPE)
    if not message_type:
        raise LaunchRejected("The launch message does not say what kind of message it is (message_type).")
    if message_type not in SUPPORTED_MESSAGES:
        raise LaunchRejected(f"Stepping Stones does not handle {message_type!r} messages.")
    if body.get(LTI + "version") != "1.3.0":
        raise LaunchRejected("The launch message is not LTI version 1.3.0.")
    if not isinstance(body.get("sub"), str) or not body["sub"]:
        raise LaunchRejected("The launch message has no user id (sub).")
    roles = body.get(LTI + "roles")
    if roles is None:
        raise LaunchRejected("The launch message has no Roles claim.")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise LaunchRejected("The launch message's roles claim is not a list of role names.")
    for claim in ("resource_link", "context", "custom", "launch_presentation", "tool_platform"):
        value = body.get(LTI + claim)
        if value is not None and not isinstance(value, dict):
            raise LaunchRejected(f"The launch message's {claim} claim is not a JSON object.")
    for claim in (CLAIM_AGS, CLAIM_NRPS, CLAIM_DL):
        value = body.get(claim)
        if value is not None and not isinstance(value, dict):
            raise LaunchRejected(f"The launch message's {claim.rsplit('/', 1)[-1]} claim is not a JSON object.")
    if message_type == "LtiResourceLinkRequest":
        link = body.get(LTI + "resource_link")
        if not isinstance(link, dict) or not link.get("id"):
            raise LaunchRejected("The launch message has no Resource Link claim with an id.")
    else:
        settings = body.get(CLAIM_DL)
        if not isinstance(settings, dict) or not isinstance(settings.get("deep_link_return_url"), str):
            raise LaunchRejected("The deep linking request has no Deep Linking settings with a return URL.")
    deployment_id = body.get(CLAIM_DEPLOYMENT)
    if not isinstance(deployment_id, str) or not deployment_id or len(deployment_id) > 255:
        raise LaunchRejected("The launch message does not name its deployment (deployment_id).")


def _active_deployment(runtime: LtiRuntime, platform: PlatformInfo, body: dict[str, Any]) -> DeploymentState:
    deployment_id = str(body[CLAIM_DEPLOYMENT])
    state = runtime.registry.deployment(platform, deployment_id, runtime.settings.deployments_start_active)
    if not state.active:
        from tool.admin.activation import not_active  # the page tells teachers and admins what to do

        raise not_active(runtime, platform, state.pk, deployment_id, body)
    return state


def _opt(value: object) -> str | None:
    return None if value in (None, "") else str(value)
