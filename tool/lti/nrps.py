"""Names and Role Provisioning Services client: the course roster.

``NrpsClient.for_launch(runtime, launch).members()`` returns every member
(following ``Link: rel="next"``), with roles as full LIS URIs whether the
platform sent those (Canvas) or short names (Moodle: ``Learner``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tool.lti.launch import MEMBERSHIP, Launch, instructor_in, learner_in
from tool.lti.runtime import LtiRuntime
from tool.lti.services import ServiceError, ServiceSession
from tool.lti.tool_configuration import SCOPE_NRPS

MEMBERSHIP_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MEMBERSHIP_ROLE = MEMBERSHIP + "#"


def full_role(role: str) -> str:
    """``Learner`` -> ``http://purl.imsglobal.org/vocab/lis/v2/membership#Learner``; URIs unchanged."""
    return role if ":" in role else MEMBERSHIP_ROLE + role


@dataclass(frozen=True)
class Member:
    user_id: str
    roles: tuple[str, ...]
    status: str = "Active"
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    # The SIS id and the LMS login, where the platform sends them (kept only to hide them from the LLM).
    sourcedid: str | None = None
    login: str | None = None

    @property
    def is_instructor(self) -> bool:
        return instructor_in(self.roles)

    @property
    def is_learner(self) -> bool:
        return learner_in(self.roles)

    @property
    def display_name(self) -> str:
        joined = " ".join(p for p in (self.given_name, self.family_name) if p)
        return self.name or joined or self.user_id

    @classmethod
    def of(cls, data: dict[str, Any]) -> Member:
        def text(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value not in (None, "") else None

        return cls(
            user_id=str(data["user_id"]),
            roles=tuple(full_role(str(r)) for r in data.get("roles") or ()),
            status=str(data.get("status") or "Active"),
            name=text("name"),
            given_name=text("given_name"),
            family_name=text("family_name"),
            email=text("email"),
            sourcedid=text("lis_person_sourcedid"),
            login=text("ext_user_username") or text("login_id"),
        )


class NrpsClient:
    def __init__(self, session: ServiceSession, memberships_url: str) -> None:
        self.session = session
        self.memberships_url = memberships_url

    @classmethod
    def for_launch(cls, runtime: LtiRuntime, launch: Launch) -> NrpsClient:
        if not launch.nrps_url:
            raise ServiceError("this launch did not offer the Names and Roles service (no memberships URL)")
        return cls(ServiceSession.for_registration(runtime, launch.registration_id), launch.nrps_url)

    def members(self, role: str | None = None) -> list[Member]:
        """All members (every page); ``role`` (short or full) filters on the platform when supported."""
        params = {"role": full_role(role)} if role else None
        members: list[Member] = []
        for response in self.session.pages(self.memberships_url, [SCOPE_NRPS], MEMBERSHIP_MEDIA, params):
            page = response.json()
            entries = page.get("members") if isinstance(page, dict) else None
            if not isinstance(entries, list):
                raise ServiceError("the platform's membership answer has no members list")
            members.extend(Member.of(e) for e in entries if isinstance(e, dict) and e.get("user_id"))
        if role:
            wanted = full_role(role)
            members = [m for m in members if wanted in m.roles]
        return members
