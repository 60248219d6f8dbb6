"""Everyone the LMS told us about for one job, as ``Person`` records with their roles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tool.privacy.people import Person, Role


def _member_person(role: Role, member: Any) -> Person:
    """A roster member (``tool.lti.nrps.Member``); the SIS id and login where the platform sends them."""
    return Person.of(
        role,
        names=(
            getattr(member, "name", None),
            getattr(member, "given_name", None),
            getattr(member, "family_name", None),
        ),
        emails=(getattr(member, "email", None),),
        ids=(getattr(member, "user_id", None), getattr(member, "sourcedid", None)),
        logins=(getattr(member, "login", None),),
    )


def people_for(launch: Any, target: Any, label: str | None, roster: Iterable[Any] | None) -> list[Person]:
    """The teacher (from the launch), the target student (user row and typed label) and the roster.

    ``launch`` is a ``tool.lti.launch.Launch``, ``target`` a ``tool.teacher.models.User`` or None.
    """
    people = [
        Person.of(
            "teacher",
            names=(launch.user_name, launch.user_given_name, launch.user_family_name),
            emails=(launch.user_email,),
            ids=(launch.user_sub, getattr(launch, "user_sourcedid", None)),
            logins=(getattr(launch, "user_login", None),),
        )
    ]
    target_sub = getattr(target, "sub", None)
    if target is not None:
        people.append(
            Person.of(
                "target",
                names=(target.display_name, target.given_name, target.family_name),
                emails=(target.email,),
                ids=(target.sub,),
            )
        )
    if label:
        people.append(Person.of("target", names=(label,)))
    for member in roster or ():
        role: Role = "target" if member.user_id == target_sub else "classmate"
        if member.user_id == launch.user_sub:
            role = "teacher"
        elif role == "classmate" and getattr(member, "is_instructor", False):
            role = "staff"
        people.append(_member_person(role, member))
    return people
