"""Dynamic Registration, tool side (LTI DR 1.0), for Canvas and Moodle.

pylti1p3next's ``DynamicRegistration`` gives the shape; this subclass adds what
real platforms need: the bearer registration token on the configuration GET
(Canvas needs it; Moodle ignores it), timeouts and clear errors instead of
``assert``, ``messages_supported`` as objects or plain strings, the issuer
checked against the configuration URL, and storage of what was granted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from pylti1p3.dynamic_registration import DynamicRegistration

from tool.lti import tool_configuration as conf
from tool.lti.registry import PlatformInfo, RegistrationExists
from tool.lti.runtime import LtiRuntime
from tool.pages import UserFacingError

TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class RegistrationOutcome:
    platform: PlatformInfo
    deployment_id: str | None
    deployment_active: bool
    product: str


def registration_failed(explanation: str) -> UserFacingError:
    return UserFacingError(
        "Stepping Stones could not be registered",
        explanation,
        "Start the registration again from your platform's tool settings. If it fails again, register the "
        "tool by hand (stepping-stones lti add-platform) and send us the platform's error.",
        status=400,
    )


class ToolDynamicRegistration(DynamicRegistration):
    def __init__(self, runtime: LtiRuntime, openid_configuration_url: str, registration_token: str) -> None:
        self._runtime = runtime
        self._config_url = openid_configuration_url
        self._token = registration_token

    def get_openid_configuration_endpoint(self) -> str:
        return self._config_url

    def get_registration_token(self) -> str:
        return self._token

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def get_openid_configuration(self) -> dict[str, Any]:
        if not self._config_url.startswith(("https://", "http://")):
            raise registration_failed("The platform did not send a usable openid_configuration URL.")
        try:
            response = self._runtime.http.get(self._config_url, headers=self._headers(), timeout=TIMEOUT_SECONDS)
            response.raise_for_status()
            config = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise registration_failed(f"The platform's configuration could not be read: {exc}") from exc
        if not isinstance(config, dict):
            raise registration_failed("The platform's configuration is not a JSON object.")
        required = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
        missing = [key for key in required if not config.get(key)]
        if missing:
            raise registration_failed(f"The platform's configuration lacks {', '.join(missing)}.")
        family = _family(config)
        # The spec asks the issuer to prefix the configuration URL; hosted Canvas serves its
        # configuration from the school's domain under the shared issuer, so it is exempt.
        if family != "canvas" and not self._config_url.startswith(str(config["issuer"]).rstrip("/") + "/"):
            raise registration_failed("The platform's issuer does not match the address of its configuration.")
        return config

    def run(self) -> RegistrationOutcome:
        """Fetch the configuration, register, store; the base class's register() is not used."""
        config = self.get_openid_configuration()
        supported = _supported_messages(config)
        body = conf.registration_request(self._runtime, supported or None, _family(config))
        try:
            response = self._runtime.http.post(
                str(config["registration_endpoint"]), json=body, headers=self._headers(), timeout=TIMEOUT_SECONDS
            )
        except requests.RequestException as exc:
            raise registration_failed(f"The platform's registration endpoint could not be reached: {exc}") from exc
        if not response.ok:
            raise registration_failed(
                f"The platform refused the registration ({response.status_code}): {response.text[:300]}"
            )
        try:
            answer = response.json()
        except ValueError as exc:
            raise registration_failed("The platform's registration answer is not JSON.") from exc
        if not isinstance(answer, dict) or not answer.get("client_id"):
            raise registration_failed("The platform's registration answer has no client_id.")
        outcome: RegistrationOutcome = self.complete_registration(config, answer)
        return outcome

    def complete_registration(
        self, openid_configuration: dict[str, Any], openid_registration: dict[str, Any]
    ) -> RegistrationOutcome:
        tool_conf = openid_registration.get(conf.TOOL_CONFIGURATION) or {}
        deployment_id = tool_conf.get("deployment_id") if isinstance(tool_conf, dict) else None
        # The platform's answer says what it granted; an admin may grant less than we asked.
        granted = openid_registration.get("scope")
        if not isinstance(granted, str):
            granted = " ".join(conf.SCOPES)
        platform_conf = openid_configuration.get(conf.PLATFORM_CONFIGURATION) or {}
        product = str(platform_conf.get("product_family_code") or "") if isinstance(platform_conf, dict) else ""
        start_active = self._runtime.settings.deployments_start_active
        issuer, client_id = str(openid_configuration["issuer"]), str(openid_registration["client_id"])
        try:
            platform = self._runtime.registry.save_registration(
                issuer=issuer,
                client_id=client_id,
                auth_login_url=str(openid_configuration["authorization_endpoint"]),
                auth_token_url=str(openid_configuration["token_endpoint"]),
                jwks_url=str(openid_configuration["jwks_uri"]),
                token_audience=openid_configuration.get("authorization_server") or None,
                platform_family=_family(openid_configuration),
                granted_scopes=granted,
                name=product or issuer,
                deployment_ids=(str(deployment_id),) if deployment_id else (),
                deployments_active=start_active,
                # Never let an unauthenticated registration replace the keys of one we trust.
                must_be_new=True,
            )
        except RegistrationExists as exc:
            raise UserFacingError(
                "Stepping Stones is already registered with this platform",
                f"The platform {issuer} answered with client id {client_id}, which Stepping Stones already "
                "has. Dynamic Registration only adds new registrations; it never changes an existing one.",
                "Remove the old tool from the platform and register again (the platform gives the new one its "
                "own client id), or have an administrator of Stepping Stones update it with: stepping-stones "
                "lti add-platform --issuer … --client-id … (see `stepping-stones lti list`).",
                status=409,
            ) from exc
        return RegistrationOutcome(
            platform=platform,
            deployment_id=str(deployment_id) if deployment_id else None,
            deployment_active=start_active,
            product=product,
        )


def _family(config: dict[str, Any]) -> str:
    platform_conf = config.get(conf.PLATFORM_CONFIGURATION) or {}
    code = str(platform_conf.get("product_family_code", "")).lower() if isinstance(platform_conf, dict) else ""
    return code if code in ("canvas", "moodle") else "other"


def _supported_messages(config: dict[str, Any]) -> set[str]:
    """``messages_supported`` as a set of types: entries may be objects (Canvas, Moodle 4.5) or strings."""
    platform_conf = config.get(conf.PLATFORM_CONFIGURATION) or {}
    entries = platform_conf.get("messages_supported") if isinstance(platform_conf, dict) else None
    types: set[str] = set()
    for entry in entries or ():
        if isinstance(entry, str):
            types.add(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("type"), str):
            types.add(entry["type"])
    return types
