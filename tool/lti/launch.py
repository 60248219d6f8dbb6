"""A validated launch, as the rest of the tool sees it.

Views never touch raw id_token claims: the launch handler turns a validated
message into this typed object, stores it server-side and hands the browser a
signed token naming it (see ``tool.lti.session``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

INSTRUCTOR_ROLES = frozenset(
    {
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
        "Instructor",
        "TeachingAssistant",
        "ContentDeveloper",
        "Administrator",
    }
)
LEARNER_ROLES = frozenset(
    {
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Learner",
        "Learner",
        "Student",
    }
)


@dataclass(frozen=True)
class Launch:
    launch_id: str
    registration_id: int
    deployment_pk: int
    issuer: str
    client_id: str
    deployment_id: str
    message_type: str
    user_sub: str
    roles: tuple[str, ...] = ()
    context_id: str | None = None
    context_title: str | None = None
    context_label: str | None = None
    user_name: str | None = None
    user_given_name: str | None = None
    user_family_name: str | None = None
    user_email: str | None = None
    resource_link_id: str | None = None
    resource_link_title: str | None = None
    custom: dict[str, str] = field(default_factory=dict)
    nrps_url: str | None = None
    ags_lineitems_url: str | None = None
    ags_lineitem_url: str | None = None
    ags_scopes: tuple[str, ...] = ()
    deep_linking_settings: dict[str, Any] | None = None
    platform_family: str | None = None
    return_url: str | None = None

    @property
    def is_instructor(self) -> bool:
        return any(role in INSTRUCTOR_ROLES for role in self.roles)

    @property
    def is_learner(self) -> bool:
        return not self.is_instructor and any(role in LEARNER_ROLES for role in self.roles)

    @property
    def is_deep_linking(self) -> bool:
        return self.message_type == "LtiDeepLinkingRequest"

    @property
    def scope_key(self) -> tuple[int, int, str]:
        """(registration, deployment, context): no query may cross it."""
        return (self.registration_id, self.deployment_pk, self.context_id or "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Launch:
        data = dict(data)
        data["roles"] = tuple(data.get("roles", ()))
        data["ags_scopes"] = tuple(data.get("ags_scopes", ()))
        return cls(**data)
