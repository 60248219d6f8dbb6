"""Fixtures for publish tests: the devlms + tool on loopback ports, and a real worker."""

from publish.e2e import lms_world, worker  # noqa: F401  (fixtures)
