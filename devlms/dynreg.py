"""LTI Dynamic Registration, platform side: admin start page, OpenID configuration, registration POST.

Canvas wants the registration token as a bearer on the configuration GET too;
Moodle does not. Moodle insists the tool's ``domain`` equal target_link_uri's
host:port, leaves the new tool pending until an admin activates it, and keeps it
out of the activity chooser until the admin (site-wide) or a teacher (per course)
switches "Show in activity chooser" on.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, Response, redirect, request
from markupsafe import escape

from devlms.http import json_error, json_response
from devlms.model import PRIVACY_LEVELS, SERVICE_SCOPES, Privacy, RegistrationToken
from devlms.platform import REGISTRATION_TOKEN_LIFETIME, Platform

TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
CANVAS_PRIVACY = "https://canvas.instructure.com/lti/privacy_level"
VARIABLES = [
    "Context.id",
    "Context.title",
    "Context.label",
    "ResourceLink.id",
    "ResourceLink.title",
    "User.id",
    "User.username",
    "Person.name.full",
    "Person.name.given",
    "Person.name.family",
    "Person.email.primary",
    "Membership.role",
]


def mint_registration_token(platform: Platform) -> str:
    """A signed, single-use registration token whose ``sub`` is the client_id the tool will get."""
    with platform.lock:
        client_id = platform.new_client_id()
        now = int(time.time())
        token = platform.keys.sign(
            {"sub": client_id, "scope": "reg", "iat": now, "exp": now + REGISTRATION_TOKEN_LIFETIME}
        )
        platform.registration_tokens[token] = RegistrationToken(client_id, now + REGISTRATION_TOKEN_LIFETIME)
        platform.changed()
        return token


def registration_start_url(platform: Platform, tool_url: str) -> str:
    """Where the admin's browser goes: the tool's registration URL with our two parameters."""
    params = {
        "openid_configuration": platform.url(platform.paths.openid_configuration),
        "registration_token": mint_registration_token(platform),
    }
    return tool_url + ("&" if "?" in tool_url else "?") + urlencode(params)


def admin_register(platform: Platform) -> Response:
    tool_url = request.args.get("url", "")
    if not tool_url.startswith(("http://", "https://")):
        return Response("pass ?url=<the tool's registration URL>", status=400, mimetype="text/plain")
    target = registration_start_url(platform, tool_url)
    if platform.is_moodle:
        return redirect(target, code=302)  # type: ignore[return-value]
    # Canvas shows the tool's page in an iframe and waits for its close message.
    page = (
        "<!doctype html><title>Install tool</title><h1>Install an LTI tool</h1>"
        f'<iframe id="registration" src="{escape(target)}" style="width:100%;height:600px"></iframe>'
        '<p id="status">Waiting for the tool…</p><script>window.addEventListener("message", function (e) {'
        ' if (e.data && e.data.subject === "org.imsglobal.lti.close") {'
        ' document.getElementById("status").textContent = "Registration complete."; } });</script>'
    )
    return Response(page, mimetype="text/html")


def _registration_token(platform: Platform) -> tuple[str, RegistrationToken | None]:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip() if scheme.lower() == "bearer" else ""
    record = platform.registration_tokens.get(value) if value else None
    if record is not None and record.expires_at < time.time():
        record = None
    return value, record


def openid_configuration(platform: Platform) -> Response:
    if not platform.is_moodle:
        with platform.lock:
            _, record = _registration_token(platform)
        if record is None or record.used:
            return json_error(401, "unauthorized", "Authorization: Bearer <registration_token> is required")
    if platform.is_moodle and platform.legacy_messages:
        messages: list[Any] = ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]
    elif platform.is_moodle:
        messages = [
            {"type": "LtiResourceLinkRequest"},
            {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
        ]
    else:
        messages = [
            {"type": "LtiResourceLinkRequest", "placements": ["course_navigation", "assignment_menu"]},
            {
                "type": "LtiDeepLinkingRequest",
                "placements": ["link_selection", "assignment_selection", "course_assignments_menu", "editor_button"],
            },
        ]
    config: dict[str, Any] = {
        "issuer": platform.issuer,
        "authorization_endpoint": platform.url(platform.paths.auth),
        "token_endpoint": platform.token_url,
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "jwks_uri": platform.url(platform.paths.jwks),
        "registration_endpoint": platform.url(platform.paths.registration),
        "scopes_supported": [*SERVICE_SCOPES, "openid"],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
        PLATFORM_CONFIG: {
            "product_family_code": platform.flavour,
            "version": "4.5.6 (devlms)" if platform.is_moodle else "cloud (devlms)",
            "messages_supported": messages,
            "variables": VARIABLES,
        },
    }
    if not platform.is_moodle:
        config["https://canvas.instructure.com/lti/account_name"] = "Development LMS"
    return json_response(config)


class RegistrationError(Exception):
    pass


def _check(body: Any, platform: Platform) -> dict[str, Any]:
    """The tool configuration of a valid registration request (raises RegistrationError)."""
    if not isinstance(body, dict):
        raise RegistrationError("the body must be a JSON object")
    if "id_token" not in (body.get("response_types") or []):
        raise RegistrationError("response_types must contain id_token")
    for name in ("initiate_login_uri", "client_name", "jwks_uri"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise RegistrationError(f"{name} is required")
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not uris or not all(isinstance(uri, str) for uri in uris):
        raise RegistrationError("redirect_uris must be a non-empty array of URLs")
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        raise RegistrationError("token_endpoint_auth_method must be private_key_jwt")
    config = body.get(TOOL_CONFIG)
    if not isinstance(config, dict) or not isinstance(config.get("target_link_uri"), str):
        raise RegistrationError(f"{TOOL_CONFIG} with a target_link_uri is required")
    if platform.is_moodle:
        # Moodle compares host *and port*: a tool on :8766 must say "127.0.0.1:8766".
        netloc = urlsplit(config["target_link_uri"]).netloc
        if config.get("domain") != netloc:
            raise RegistrationError(f"domain {config.get('domain')!r} must equal the target_link_uri host {netloc!r}")
    elif config.get(CANVAS_PRIVACY, "anonymous") not in PRIVACY_LEVELS:
        raise RegistrationError(f"{CANVAS_PRIVACY} must be one of {', '.join(PRIVACY_LEVELS)}")
    messages = config.get("messages", [])
    if not isinstance(messages, list) or not all(isinstance(message, dict) for message in messages):
        raise RegistrationError("messages must be an array of objects")
    return config


def _privacy(platform: Platform, config: dict[str, Any]) -> Privacy:
    if not platform.is_moodle:
        level: Privacy = config.get(CANVAS_PRIVACY, "anonymous")
        return level
    claims = set(config.get("claims") or [])
    if "name" in claims:
        return "public" if "email" in claims else "name_only"
    return "email_only" if "email" in claims else "anonymous"


def registration(platform: Platform) -> Response:
    with platform.lock:
        _, record = _registration_token(platform)
        if record is None:
            return json_error(401, "invalid_token", "a valid registration token is required as the bearer")
        if record.used:
            if platform.is_moodle:
                return Response("token_already_used", status=401, mimetype="text/plain")
            return json_error(401, "token_already_used", "this registration token was already used")
        body: Any = request.get_json(silent=True, force=True)
        try:
            config = _check(body, platform)
        except RegistrationError as exc:
            return json_error(400, "invalid_client_metadata", str(exc))
        record.used = True
        requested = str(body.get("scope", "")).split()
        granted = [scope for scope in requested if scope in SERVICE_SCOPES]
        deep_link_url = next(
            (m.get("target_link_uri") for m in config.get("messages", []) if m.get("type") == "LtiDeepLinkingRequest"),
            None,
        )
        placements = sorted({p for m in config.get("messages", []) for p in (m.get("placements") or [])})
        tool = platform.install_tool(
            client_id=record.client_id,
            name=body["client_name"],
            login_url=body["initiate_login_uri"],
            launch_url=config["target_link_uri"],
            jwks_url=body["jwks_uri"],
            redirect_uris=body["redirect_uris"],
            scopes=granted,
            privacy=_privacy(platform, config),
            custom={str(k): str(v) for k, v in (config.get("custom_parameters") or {}).items()},
            deep_link_url=deep_link_url or None,
            placements=placements,
            active=not platform.is_moodle,
            domain=config.get("domain"),
        )
        tool.registration = body
        if platform.is_moodle:
            # Moodle 4.5 makes a site-wide preconfigured tool that is NOT in the activity chooser: teachers
            # see nothing until the admin (site-wide) or the teacher (per course) switches it on.
            tool.coursevisible = 1
        platform.changed()
        answer = {**body, "client_id": tool.client_id, "scope": " ".join(granted)}
        answer[TOOL_CONFIG] = dict(config)
        if platform.is_moodle:
            answer[TOOL_CONFIG]["deployment_id"] = tool.deployment_id
        return json_response(answer)


def set_chooser(platform: Platform, client_id: str) -> Response:
    """POST /moodle/admin/tools/<client_id>/chooser: ``scope=site`` (the admin's "Tool configuration usage")
    or ``scope=course`` (the teacher's "Show in activity chooser"), ``show=1|0``."""
    scope, show = request.values.get("scope", ""), request.values.get("show", "") == "1"
    if scope not in ("site", "course"):
        return json_error(400, "invalid_request", "scope must be site or course")
    with platform.lock:
        tool = platform.tools.get(client_id)
        if tool is None:
            return json_error(404, "not_found", f"no tool {client_id!r}")
        if scope == "site":
            tool.coursevisible = 2 if show else 1
        else:
            tool.course_chooser = show
        platform.changed()
        shown = tool.in_chooser
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return json_response({"client_id": client_id, "in_chooser": shown})
    return redirect("/", code=303)  # type: ignore[return-value]


def register(app: Flask, platform: Platform) -> None:
    from devlms.app import bind

    bind(app, platform, "/admin/tools/<client_id>/chooser", "set_chooser", set_chooser, ["POST"])

    bind(app, platform, "/admin/register", "admin_register", admin_register, ["GET"])
    bind(app, platform, platform.paths.openid_configuration, "openid_configuration", openid_configuration, ["GET"])
    bind(app, platform, platform.paths.registration, "registration", registration, ["POST"])
