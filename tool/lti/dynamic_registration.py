"""Dynamic Registration, tool side (LTI DR 1.0), for Canvas and Moodle, closed to abuse.

``/lti/register`` is unauthenticated: whoever opens it chooses the configuration
URL we fetch and the registration endpoint we POST to. So:

* every request goes through ``tool.lti.outbound.GuardedClient`` (production:
  https and public addresses only, unless allow-listed; same-host redirects;
  size and time caps); remote bodies are logged, never shown;
* the configuration's issuer must be the site it was fetched from (its URL a
  prefix of the configuration URL), whatever ``product_family_code`` says; the
  only exception is a *shared* issuer (hosted Canvas serves each school's
  configuration from the school's domain under ``https://canvas.instructure.com``),
  and such a registration is always pending;
* the registration endpoint must be on the configuration's host;
* a new client id under an issuer we already know becomes a *pending*
  registration that a tool administrator approves in the console (/admin/); it is
  never used for a login or launch before that, and it never replaces an existing
  registration (409);
* optional: ``SS_REGISTRATION_ALLOWED_HOSTS`` limits which hosts may register,
  ``SS_REGISTRATION_KEY`` requires ``?key=`` on the registration URL.

pylti1p3next's ``DynamicRegistration`` gives the shape (its ``register()`` is not
used); the bearer registration token goes on the configuration GET too (Canvas
needs it; Moodle ignores it), and ``messages_supported`` may be objects or strings.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import render_template, request
from pylti1p3.dynamic_registration import DynamicRegistration

from config.settings import Settings
from tool.lti import tool_configuration as conf
from tool.lti.outbound import GuardedClient, OutboundFailed, OutboundRefused, policy_for
from tool.lti.registry import PlatformInfo, RegistrationExists
from tool.lti.runtime import LtiRuntime, get_runtime
from tool.pages import UserFacingError

log = logging.getLogger(__name__)

REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")


@dataclass(frozen=True)
class RegistrationOutcome:
    platform: PlatformInfo
    deployment_id: str | None
    deployment_active: bool
    product: str
    # Why an administrator must approve it first ("" when it is active).
    pending_reason: str = ""


def registration_failed(explanation: str, status: int = 400) -> UserFacingError:
    return UserFacingError(
        "Stepping Stones could not be registered",
        explanation,
        "Start the registration again from your platform's tool settings. If it fails again, register the "
        "tool by hand (see the install guide for your LMS) and tell the Stepping Stones administrator what "
        "this page says.",
        status=status,
    )


def check_registration_key(settings: Settings, given: str) -> None:
    """With ``SS_REGISTRATION_KEY`` set, the registration URL must carry ``?key=`` with that value."""
    expected = settings.registration_key
    if expected and not hmac.compare_digest(given.encode(), expected.encode()):
        raise UserFacingError(
            "This registration link is not complete",
            "This Stepping Stones server only accepts registrations through the link its administrator gave you, "
            "and this link does not carry the right key.",
            "Ask the Stepping Stones administrator for the registration URL (it ends in ?key=…) and paste it "
            "into your platform's tool registration.",
            status=403,
        )


def registration_page() -> str:
    """``/lti/register``: GET shows what the tool asks for; POST registers and says what comes next."""
    runtime = get_runtime()
    key = request.values.get("key", "")
    check_registration_key(runtime.settings, key)
    config_url = request.values.get("openid_configuration", "")
    token = request.values.get("registration_token", "")
    if not config_url:
        raise registration_failed("The platform did not send its openid_configuration address.")
    if len(config_url) > 2048 or len(token) > 8192:
        raise registration_failed("The platform's registration parameters are too long.")
    if request.method == "GET":
        return render_template("lti/register.html", config_url=config_url, registration_token=token, key=key)
    outcome = ToolDynamicRegistration(runtime, config_url, token).run()
    return render_template("lti/registered.html", outcome=outcome, console_url=runtime.url("/admin/"))


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (parts.scheme, (parts.hostname or "").lower(), parts.port)


def _host_allowed(host: str, allowed: str) -> bool:
    patterns = [p.strip().lower() for p in allowed.split(",") if p.strip()]
    if not patterns:
        return True
    host = host.lower()
    return any(host == p or (p.startswith("*.") and host.endswith(p[1:])) for p in patterns)


def _shared_issuers(settings: Settings) -> set[str]:
    return {i.strip().rstrip("/") for i in settings.registration_shared_issuers.split(",") if i.strip()}


class ToolDynamicRegistration(DynamicRegistration):
    def __init__(self, runtime: LtiRuntime, openid_configuration_url: str, registration_token: str) -> None:
        self._runtime = runtime
        self._settings = runtime.settings
        self._config_url = openid_configuration_url
        self._token = registration_token
        self._client = GuardedClient(policy_for(runtime.settings))
        self._pending_reason = ""

    def get_openid_configuration_endpoint(self) -> str:
        return self._config_url

    def get_registration_token(self) -> str:
        return self._token

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _check_host(self, url: str, what: str) -> None:
        host = urlsplit(url).hostname or ""
        if not _host_allowed(host, self._settings.registration_allowed_hosts):
            raise registration_failed(
                f"{what} is on {host}, which this Stepping Stones server does not accept registrations from "
                "(SS_REGISTRATION_ALLOWED_HOSTS).",
                status=403,
            )

    def _fetch(self, method: str, url: str, what: str, json_body: Any = None) -> Any:
        try:
            answer = self._client.request(method, url, headers=self._headers(), json_body=json_body)
        except OutboundRefused as exc:
            raise registration_failed(f"{what} was refused: {exc}.", status=403) from exc
        except OutboundFailed as exc:
            raise registration_failed(f"{what} could not be read: {exc}.") from exc
        if not answer.ok:
            # The body may be anything the remote side chose: log it, never show it.
            log.warning("registration: %s answered HTTP %s: %r", url, answer.status, answer.body[:300])
            raise registration_failed(f"{what} answered HTTP {answer.status}.", status=502)
        try:
            return answer.json()
        except OutboundFailed as exc:
            raise registration_failed(f"{what} did not answer with JSON.", status=502) from exc

    def get_openid_configuration(self) -> dict[str, Any]:
        url = self._config_url
        try:
            self._client.check_url(url)
        except OutboundRefused as exc:
            raise registration_failed(f"The platform's configuration address was refused: {exc}.") from exc
        self._check_host(url, "The platform's configuration address")
        config = self._fetch("GET", url, "The platform's configuration address")
        if not isinstance(config, dict):
            raise registration_failed("The platform's configuration is not a JSON object.")
        missing = [key for key in REQUIRED if not isinstance(config.get(key), str) or not config[key]]
        if missing:
            raise registration_failed(f"The platform's configuration lacks {', '.join(missing)}.")
        for key in REQUIRED:
            try:
                self._client.check_url(config[key])
                if key != "issuer":  # the endpoints are stored and called later: no internal address either
                    self._client.check_address(config[key])
            except (OutboundRefused, OutboundFailed) as exc:
                raise registration_failed(f"The platform's {key} was refused: {exc}.") from exc
        self._check_issuer(config)
        if _origin(config["registration_endpoint"]) != _origin(url):
            raise registration_failed(
                "The platform's registration endpoint is not on the host its configuration came from."
            )
        return config

    def _check_issuer(self, config: dict[str, Any]) -> None:
        """The issuer must be the site we fetched from; a shared issuer is accepted only as pending."""
        issuer = str(config["issuer"]).rstrip("/")
        if _origin(issuer) == _origin(self._config_url) and self._config_url.startswith(issuer + "/"):
            self._check_host(issuer, "The platform's issuer")
            return
        if issuer in _shared_issuers(self._settings):
            self._check_host(issuer, "The platform's issuer")
            self._pending_reason = (
                f"its configuration came from {urlsplit(self._config_url).netloc}, which cannot prove it speaks "
                f"for the shared issuer {issuer}"
            )
            return
        raise registration_failed(
            f"The platform's configuration names the issuer {issuer}, but it was fetched from "
            f"{urlsplit(self._config_url).netloc}. A platform must serve its own configuration.",
            status=403,
        )

    def run(self) -> RegistrationOutcome:
        """Fetch the configuration, register, store; the base class's register() is not used."""
        try:
            config = self.get_openid_configuration()
            supported = _supported_messages(config)
            body = conf.registration_request(self._runtime, supported or None, _family(config))
            answer = self._fetch(
                "POST", str(config["registration_endpoint"]), "The platform's registration endpoint", body
            )
        finally:
            self._client.close()
        client_id = answer.get("client_id") if isinstance(answer, dict) else None
        if not isinstance(client_id, str | int) or isinstance(client_id, bool) or not str(client_id):
            raise registration_failed("The platform's registration answer has no client_id.", status=502)
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
        too_long = [
            name
            for name, value, limit in (
                ("issuer", issuer, 255),
                ("client_id", client_id, 255),
                ("deployment_id", str(deployment_id or ""), 255),
                *((key, str(openid_configuration[key]), 1024) for key in REQUIRED),
            )
            if len(value) > limit
        ]
        if too_long:
            raise registration_failed(f"The platform's {', '.join(too_long)} is too long to store.", status=502)
        registry = self._runtime.registry
        pending_reason = self._pending_reason
        if not pending_reason and registry.clients_of(issuer):
            pending_reason = f"Stepping Stones already has a registration for {issuer}"
        try:
            platform = registry.save_registration(
                issuer=issuer,
                client_id=client_id,
                auth_login_url=str(openid_configuration["authorization_endpoint"]),
                auth_token_url=str(openid_configuration["token_endpoint"]),
                jwks_url=str(openid_configuration["jwks_uri"]),
                token_audience=_opt_str(openid_configuration.get("authorization_server")),
                platform_family=_family(openid_configuration),
                granted_scopes=granted,
                name=(f"{product.title()} at {urlsplit(issuer).netloc}" if product else issuer)[:255],
                deployment_ids=(str(deployment_id),) if deployment_id else (),
                deployments_active=start_active,
                # Never let an unauthenticated registration replace the keys of one we trust.
                must_be_new=True,
                status="pending" if pending_reason else "active",
                source="dynamic",
            )
        except RegistrationExists as exc:
            raise UserFacingError(
                "Stepping Stones is already registered with this platform",
                f"The platform {issuer} answered with client id {client_id}, which Stepping Stones already "
                "has. Dynamic Registration only adds new registrations; it never changes an existing one.",
                "Remove the old tool from the platform and register again (the platform gives the new one its "
                "own client id), or have the Stepping Stones administrator update it in the console (/admin/) "
                "or with: stepping-stones lti add-platform --issuer … --client-id …",
                status=409,
            ) from exc
        log.info("registration: %s client %s stored (%s)", issuer, client_id, platform.status)
        return RegistrationOutcome(
            platform=platform,
            deployment_id=str(deployment_id) if deployment_id else None,
            deployment_active=start_active,
            product=product,
            pending_reason=pending_reason,
        )


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _family(config: dict[str, Any]) -> str:
    platform_conf = config.get(conf.PLATFORM_CONFIGURATION) or {}
    code = str(platform_conf.get("product_family_code", "")).lower() if isinstance(platform_conf, dict) else ""
    return code if code in ("canvas", "moodle") else "other"


def _supported_messages(config: dict[str, Any]) -> set[str]:
    """``messages_supported`` as a set of types: entries may be objects (Canvas, Moodle 4.5) or strings."""
    platform_conf = config.get(conf.PLATFORM_CONFIGURATION) or {}
    entries = platform_conf.get("messages_supported") if isinstance(platform_conf, dict) else None
    types: set[str] = set()
    for entry in entries if isinstance(entries, list) else ():
        if isinstance(entry, str):
            types.add(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("type"), str):
            types.add(entry["type"])
    return types
