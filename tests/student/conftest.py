"""Fixtures shared with the publish tests: devlms + tool on loopback ports, a real worker."""

from publish.e2e import lms_world, worker  # noqa: F401  (fixtures)
