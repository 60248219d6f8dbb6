"""A validated launch, as the rest of the tool sees it.

Views never touch raw id_token claims: the launch handler turns a validated
message into this typed object, stores it server-side and hands the browser a
signed token naming it (see ``tool.lti.session``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
MEMBERSHIP = LIS + "membership"

# Context (course) roles decide: a student who teaches another course carries the
# institution role Instructor (Canvas sends it), and must still meet the student view.
INSTRUCTOR_ROLES = frozenset(
    {
        MEMBERSHIP + "#Instructor",
        MEMBERSHIP + "/Instructor#TeachingAssistant",
        MEMBERSHIP + "#ContentDeveloper",
        MEMBERSHIP + "#Administrator",
        "Instructor",
        "TeachingAssistant",
        "ContentDeveloper",
        "Administrator",
    }
)
LEARNER_ROLES = frozenset({MEMBERSHIP + "#Learner", "Learner", "Student"})
# Only when the launch carries no context role at all: administrators launching from a course
# they are not enrolled in, and institution-level students.
NO_CONTEXT_INSTRUCTOR_ROLES = frozenset(
    {
        LIS + "institution/person#Administrator",
        LIS + "system/person#Administrator",
        LIS + "system/person#SysAdmin",
    }
)
NO_CONTEXT_LEARNER_ROLES = frozenset({LIS + "institution/person#Student", LIS + "institution/person#Learner"})


def _is_context_role(role: str) -> bool:
    """A membership (course) role: its LIS v2 URI, or a short name (which LTI reads as one)."""
    return role.startswith(MEMBERSHIP) or "://" not in role


def _sub_role_of(role: str) -> str:
    """``…/membership/Instructor#TeachingAssistant`` → ``…/membership#Instructor`` (other roles unchanged)."""
    if role.startswith(MEMBERSHIP + "/") and "#" in role:
        return MEMBERSHIP + "#" + role[len(MEMBERSHIP) + 1 :].split("#", 1)[0]
    return role


def instructor_in(roles: tuple[str, ...] | list[str]) -> bool:
    """Whether these roles may plan for the course (teacher view)."""
    context = [_sub_role_of(r) for r in roles if _is_context_role(r)]
    if context:
        return any(r in INSTRUCTOR_ROLES for r in context)
    return any(r in NO_CONTEXT_INSTRUCTOR_ROLES for r in roles)


def learner_in(roles: tuple[str, ...] | list[str]) -> bool:
    """Whether these roles are a student's (and not a teacher's) in the course."""
    if instructor_in(roles):
        return False
    context = [_sub_role_of(r) for r in roles if _is_context_role(r)]
    if context:
        return any(r in LEARNER_ROLES for r in context)
    return any(r in NO_CONTEXT_LEARNER_ROLES for r in roles)


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
    # launch_presentation.locale ("en-US", "en-GB", "en"): which school terms the teacher's pages use.
    locale: str | None = None
    # SHA-256 of the browser's binding cookie when the launch was bound by it ("" otherwise): a request
    # carrying a different binding cookie is refused (tool.lti.session).
    browser_binding: str = ""

    @property
    def is_instructor(self) -> bool:
        return instructor_in(self.roles)

    @property
    def is_learner(self) -> bool:
        return learner_in(self.roles)

    @property
    def is_deep_linking(self) -> bool:
        return self.message_type == "LtiDeepLinkingRequest"

    @property
    def scope_key(self) -> tuple[int, int, str]:
        """(registration, deployment, context): no query may cross it."""
        return (self.registration_id, self.deployment_pk, self.context_id or "")

    def to_dict(self) -> dict[str, Any]:
        # Shallow: every field is a JSON value already (``asdict`` deep-copies, a tenth of a launch's CPU).
        return {name: getattr(self, name) for name in _FIELD_NAMES}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Launch:
        data = dict(data)
        data["roles"] = tuple(data.get("roles", ()))
        data["ags_scopes"] = tuple(data.get("ags_scopes", ()))
        return cls(**data)


_FIELD_NAMES = tuple(f.name for f in fields(Launch))
