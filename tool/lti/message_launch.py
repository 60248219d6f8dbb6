"""The hardened launch: pylti1p3's ``MessageLaunch`` with the gaps of 2.0.x closed.

What pylti1p3(next) 2.0.x does not do, and this subclass does:

* state and nonce come from the server-side store and are consumed atomically
  (``take`` / ``add``), so a launch cannot be replayed and no cookie is needed;
* ``aud`` is checked against the client id the login used, ``azp`` must equal
  it when present and is required when ``aud`` has several values;
* ``exp``/``iat``/``nbf`` accept ``LEEWAY_SECONDS`` of clock skew;
* only RS256/384/512 with a ``kid`` are accepted (no ``none``, no HS256
  "signed" with our copy of the public key);
* the platform key comes from the in-process ``PlatformKeys`` cache (one
  refetch on an unknown kid) instead of a JWKS download and PEM conversion;
* the deployment must exist AND be active; first sight creates it inactive;
* the signature is checked BEFORE the nonce is recorded, so forged tokens
  cannot burn nonces.

Every refusal is a ``UserFacingError`` (an error page saying what to fix, 4xx).
"""

from __future__ import annotations

import hmac
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from pylti1p3.contrib.flask.message_launch import FlaskMessageLaunch
from pylti1p3.contrib.flask.request import FlaskRequest
from pylti1p3.exception import LtiException

from tool.lti.launch import Launch
from tool.lti.oidc import LoginState, take_state
from tool.lti.platform_keys import PlatformKeyError
from tool.lti.registry import DeploymentState, PlatformInfo
from tool.lti.runtime import LtiRuntime
from tool.lti.tool_conf import DbToolConf
from tool.pages import UserFacingError

LEEWAY_SECONDS = 60
ALLOWED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})
SUPPORTED_MESSAGES = frozenset({"LtiResourceLinkRequest", "LtiDeepLinkingRequest"})
STEP_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CLAIM_DEPLOYMENT = LTI + "deployment_id"
CLAIM_MESSAGE_TYPE = LTI + "message_type"
CLAIM_TARGET = LTI + "target_link_uri"
CLAIM_CUSTOM = LTI + "custom"
CLAIM_AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CLAIM_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CLAIM_DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

RELAUNCH = "Go back to your course and open Stepping Stones again. If it keeps happening, tell your LMS administrator."


class LaunchRejected(UserFacingError):
    """A launch we refuse; the message names the check that failed."""

    def __init__(self, explanation: str, fix: str = RELAUNCH, status: int = 400, title: str = "") -> None:
        super().__init__(title or "This launch could not be accepted", explanation, fix, status)


class HardenedMessageLaunch(FlaskMessageLaunch):
    def __init__(self, runtime: LtiRuntime) -> None:
        self._conf = DbToolConf(runtime)
        super().__init__(
            FlaskRequest(),  # type: ignore[no-untyped-call]
            self._conf,
            requests_session=runtime.http,  # pylti1p3 would build a new Session per launch
        )
        self._runtime = runtime
        self._login: LoginState | None = None
        self._platform: PlatformInfo | None = None
        self._deployment: DeploymentState | None = None

    def _get_request_param(self, key: str) -> str:
        value = self._request.get_param(key)
        return value if isinstance(value, str) else ""

    # -- the pipeline ---------------------------------------------------------------
    def validate(self) -> HardenedMessageLaunch:
        self._validated = True  # pylti1p3's getters re-enter validate() unless this is set
        try:
            self.validate_state()
            self.validate_jwt_format()
            self.validate_registration()
            self.validate_jwt_signature()
            self.validate_nonce()
            self.validate_message()
            self.validate_deployment()
        except UserFacingError:
            self._validated = False
            raise
        except LtiException as exc:
            self._validated = False
            raise LaunchRejected(f"The launch message is not valid LTI 1.3: {exc}") from exc
        return self

    def validate_state(self) -> HardenedMessageLaunch:
        state = self._get_request_param("state")
        if not state:
            raise LaunchRejected("The launch came without the login state the platform must send back.")
        login = take_state(self._runtime, state)
        if login is None:
            raise LaunchRejected(
                "The login state of this launch is unknown, expired or was already used.",
                title="This launch has expired or was already used",
            )
        cookie = self._cookie_service.get_cookie(state)
        if cookie is not None and not hmac.compare_digest(cookie, state):
            raise LaunchRejected("The browser's state cookie does not match this launch.")
        self._login = login
        return self

    def validate_jwt_format(self) -> HardenedMessageLaunch:
        super().validate_jwt_format()
        header = self._jwt.get("header", {})
        if not isinstance(header, dict) or not isinstance(self._jwt.get("body"), dict):
            raise LaunchRejected("The id_token is not a JSON Web Token.")
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise LaunchRejected(f"The id_token uses the algorithm {header.get('alg')!r}; only RS256 is accepted.")
        if not header.get("kid"):
            raise LaunchRejected("The id_token does not name the key (kid) that signed it.")
        return self

    def validate_registration(self) -> HardenedMessageLaunch:
        login = self._login
        assert login is not None
        body: dict[str, Any] = dict(self._jwt["body"])
        if body.get("iss") != login.issuer:
            raise LaunchRejected("The id_token's issuer (iss) is not the platform this launch started from.")
        aud = body.get("aud")
        audiences = [aud] if isinstance(aud, str) else list(aud) if isinstance(aud, list) else []
        if login.client_id not in audiences:
            raise LaunchRejected("The id_token is addressed (aud) to another tool, not to Stepping Stones.")
        azp = body.get("azp")
        if len(audiences) > 1 and azp is None:
            raise LaunchRejected("The id_token has several audiences but no authorized party (azp).")
        if azp is not None and azp != login.client_id:
            raise LaunchRejected("The id_token's authorized party (azp) is not Stepping Stones.")
        platform = self._runtime.registry.find(login.issuer, login.client_id)
        if platform is None or platform.pk != login.registration_pk:
            raise LaunchRejected("The platform registration of this launch no longer exists.", status=403)
        self._platform = platform
        self._registration = self._conf.to_registration(platform)
        return self

    def validate_jwt_signature(self) -> HardenedMessageLaunch:
        platform, login = self._platform, self._login
        assert platform is not None and login is not None
        header = self._jwt["header"]
        try:
            key = self._runtime.platform_keys.key(platform.jwks_url, str(header["kid"]))
        except PlatformKeyError as exc:
            raise LaunchRejected(
                f"The platform's signing key could not be found: {exc}.",
                fix="Ask your LMS administrator to check the platform's key set URL registered for the tool.",
                title="The launch signature cannot be checked",
            ) from exc
        try:
            jwt.decode(
                self._get_id_token(),
                key.key,
                algorithms=[str(header["alg"])],
                audience=login.client_id,
                issuer=login.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise LaunchRejected("The launch message has expired.", title="This launch has expired") from exc
        except jwt.InvalidTokenError as exc:
            raise LaunchRejected(f"The launch message failed its signature or claim checks: {exc}.") from exc
        return self

    def validate_nonce(self) -> HardenedMessageLaunch:
        """The nonce must be the one issued with this login's state.

        The nonce exists only inside the state record, and ``validate_state`` took
        that record out of the store atomically: so each nonce is consumed exactly
        once (a replayed token either reuses a consumed state or carries a nonce
        that no live state holds). No second store write is needed.
        """
        login = self._login
        assert login is not None
        nonce = self._jwt["body"].get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce, login.nonce):
            raise LaunchRejected("The launch message's nonce does not belong to this login.")
        return self

    def validate_message(self) -> HardenedMessageLaunch:
        message_type = self._jwt["body"].get(CLAIM_MESSAGE_TYPE)
        if not message_type:
            raise LaunchRejected("The launch message does not say what kind of message it is (message_type).")
        if message_type not in SUPPORTED_MESSAGES:
            raise LaunchRejected(f"Stepping Stones does not handle {message_type!r} messages.")
        self._check_claim_types()
        super().validate_message()
        return self

    def _check_claim_types(self) -> None:
        """Claims of the wrong JSON type are refused here (pylti1p3 would crash on them)."""
        body = self._jwt["body"]
        roles = body.get(LTI + "roles")
        if roles is not None and (not isinstance(roles, list) or not all(isinstance(r, str) for r in roles)):
            raise LaunchRejected("The launch message's roles claim is not a list of role names.")
        if "sub" in body and not isinstance(body["sub"], str):
            raise LaunchRejected("The launch message's user id (sub) is not a string.")
        for claim in ("resource_link", "context", "custom", "launch_presentation", "tool_platform"):
            value = body.get(LTI + claim)
            if value is not None and not isinstance(value, dict):
                raise LaunchRejected(f"The launch message's {claim} claim is not a JSON object.")
        for claim in (CLAIM_AGS, CLAIM_NRPS, CLAIM_DL):
            value = body.get(claim)
            if value is not None and not isinstance(value, dict):
                raise LaunchRejected(f"The launch message's {claim.rsplit('/', 1)[-1]} claim is not a JSON object.")

    def validate_deployment(self) -> HardenedMessageLaunch:
        platform = self._platform
        assert platform is not None
        deployment_id = self._jwt["body"].get(CLAIM_DEPLOYMENT)
        if not isinstance(deployment_id, str) or not deployment_id:
            raise LaunchRejected("The launch message does not name its deployment (deployment_id).")
        state = self._runtime.registry.deployment(
            platform, deployment_id, self._runtime.settings.deployments_start_active
        )
        if not state.active:
            raise LaunchRejected(
                f"This installation of Stepping Stones (deployment {deployment_id!r} of "
                f"{platform.issuer}) has not been activated yet.",
                fix=(
                    "An administrator of Stepping Stones activates it with: stepping-stones lti "
                    f"activate-deployment {platform.issuer} {platform.client_id} {deployment_id}"
                ),
                status=403,
                title="Stepping Stones is not activated for this course yet",
            )
        self._deployment = state
        return self

    # -- results ----------------------------------------------------------------------
    def to_launch(self) -> Launch:
        """The validated message as the typed ``Launch`` the rest of the tool uses."""
        platform, deployment = self._platform, self._deployment
        assert platform is not None and deployment is not None
        body: dict[str, Any] = dict(self._jwt["body"])
        context = body.get(LTI + "context") or {}
        link = body.get(LTI + "resource_link") or {}
        ags = body.get(CLAIM_AGS) or {}
        nrps = body.get(CLAIM_NRPS) or {}
        presentation = body.get(LTI + "launch_presentation") or {}
        custom = body.get(CLAIM_CUSTOM) or {}
        return Launch(
            launch_id=uuid.uuid4().hex,
            registration_id=platform.pk,
            deployment_pk=deployment.pk,
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
            custom={str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict) else {},
            nrps_url=_opt(nrps.get("context_memberships_url")),
            ags_lineitems_url=_opt(ags.get("lineitems")),
            ags_lineitem_url=_opt(ags.get("lineitem")),
            ags_scopes=tuple(str(s) for s in ags.get("scope") or ()),
            deep_linking_settings=dict(body[CLAIM_DL]) if isinstance(body.get(CLAIM_DL), dict) else None,
            platform_family=platform.platform_family,
            return_url=_opt(presentation.get("return_url")),
        )

    def requested_step(self) -> str | None:
        """The task (step) a task launch points at: ``?step=`` of target_link_uri, else custom ss_step."""
        body = self._jwt.get("body", {})
        candidates: list[str] = []
        for uri in (body.get(CLAIM_TARGET), self._login.target_link_uri if self._login else None):
            if isinstance(uri, str):
                candidates += parse_qs(urlsplit(uri).query).get("step", [])
        custom = body.get(CLAIM_CUSTOM)
        if isinstance(custom, dict) and custom.get("ss_step"):
            candidates.append(str(custom["ss_step"]))
        return next((c for c in candidates if STEP_ID.match(c)), None)


def _opt(value: object) -> str | None:
    return None if value in (None, "") else str(value)
