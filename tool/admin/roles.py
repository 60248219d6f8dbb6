"""Who counts as a platform administrator in a launch.

Moodle sends a site administrator ``institution/person#Administrator`` and
``system/person#Administrator`` (next to the course role); Canvas sends an
account administrator ``institution/person#Administrator`` and a site admin
``system/person#SysAdmin``. The course-level ``membership#Administrator`` is a
course role, not a platform one: it does not open the console.
"""

from __future__ import annotations

from collections.abc import Iterable

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
PLATFORM_ADMIN_ROLES = frozenset(
    {
        LIS + "institution/person#Administrator",
        LIS + "system/person#Administrator",
        LIS + "system/person#SysAdmin",
    }
)


def is_platform_admin(roles: Iterable[object]) -> bool:
    return any(isinstance(role, str) and role in PLATFORM_ADMIN_ROLES for role in roles)
