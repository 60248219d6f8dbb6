"""A launch from a deployment that is not switched on yet: what each person is told, and the admin's offer.

Deployments are site-wide in Moodle (one per tool registration) and per account
or course in Canvas, so the page speaks of "your LMS", never "this course". A
teacher is told to ask their administrator and where that is done; a platform
administrator (their launch was validly signed: the check comes after the
signature) gets a button that switches the deployment on right there, through a
signed offer that can be used once within ``OFFER_SECONDS``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from tool.admin.roles import is_platform_admin
from tool.lti.registry import PlatformInfo
from tool.lti.runtime import LtiRuntime
from tool.pages import UserFacingError
from tool.signing import serializer

OFFER_SECONDS = 15 * 60
OFFER_PREFIX = "admin-activation-offer:"
ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"


class DeploymentNotActive(UserFacingError):
    """Raised by the launch when its deployment exists but is not active."""

    def __init__(
        self, platform: PlatformInfo, deployment_id: str, console_url: str, offer: str | None
    ) -> None:
        super().__init__(
            "Stepping Stones is not switched on for your LMS yet",
            f"Your LMS ({platform.issuer}) has Stepping Stones installed, but this installation (deployment "
            f"{deployment_id}) has not been switched on in Stepping Stones yet. Nothing is lost: once it is "
            "switched on, this same link works.",
            "Ask your LMS administrator to switch it on. They do it in the Stepping Stones console at "
            f"{console_url}, or by opening Stepping Stones from the LMS as a site administrator.",
            status=403,
        )
        self.platform = platform
        self.deployment_id = deployment_id
        self.console_url = console_url
        self.offer = offer
        self.command = (
            f"stepping-stones lti activate-deployment {platform.issuer} {platform.client_id} {deployment_id}"
        )


@dataclass(frozen=True)
class Offer:
    registration_pk: int
    deployment_pk: int


def _serializer() -> URLSafeTimedSerializer:
    return serializer("admin-activation-offer")


def not_active(
    runtime: LtiRuntime, platform: PlatformInfo, deployment_pk: int, deployment_id: str, claims: dict[str, Any]
) -> DeploymentNotActive:
    """The refusal for an inactive deployment; with an activation offer when a platform admin launched."""
    roles = claims.get(ROLES_CLAIM)
    offer = None
    if isinstance(roles, list) and is_platform_admin(roles):
        offer_id = secrets.token_urlsafe(16)
        record = {"registration_pk": platform.pk, "deployment_pk": deployment_pk}
        runtime.store.set(OFFER_PREFIX + offer_id, json.dumps(record), OFFER_SECONDS)
        offer = _serializer().dumps(offer_id)
    return DeploymentNotActive(platform, deployment_id, runtime.url("/admin/"), offer)


def take_offer(runtime: LtiRuntime, token: str) -> Offer | None:
    """The offer behind ``token``, consumed (None if unknown, expired, forged or used)."""
    if not token or len(token) > 512:
        return None
    try:
        offer_id = _serializer().loads(token, max_age=OFFER_SECONDS)
    except BadSignature:
        return None
    raw = runtime.store.take(OFFER_PREFIX + str(offer_id))
    if raw is None:
        return None
    data = json.loads(raw)
    return Offer(registration_pk=int(data["registration_pk"]), deployment_pk=int(data["deployment_pk"]))


def registration_waiting(runtime: LtiRuntime, issuer: str, client_id: str) -> UserFacingError | None:
    """The page for a login from a registration that is still waiting for approval (else None)."""
    if not client_id or len(issuer) > 255 or len(client_id) > 255:
        return None
    info = runtime.registry.any_registration(issuer, client_id)
    if info is None or not info.pending:
        return None
    return UserFacingError(
        "Stepping Stones is waiting for its administrator's approval",
        f"This LMS registered Stepping Stones (client id {client_id}), but Stepping Stones already knew this "
        "LMS or cannot confirm it, so the registration waits until the Stepping Stones administrator approves it.",
        f"Ask the Stepping Stones administrator to approve it in the console at {runtime.url('/admin/')}. "
        "Teachers: ask your LMS administrator.",
        status=403,
    )
