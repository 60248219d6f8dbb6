"""The course roster for picking a target student (NRPS), cached per launch.

The platform's Names and Role Provisioning Service is reached through the LTI
core's client (``tool.lti.nrps``). When the launch carries no NRPS claim,
or the platform refuses, ``course_roster`` returns None and the teacher types a
label instead. Roster members are also the people whose names are removed
before anything is sent to the LLM.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict

from flask import current_app

from tool.lti.launch import Launch
from tool.lti.nrps import Member

log = logging.getLogger(__name__)
ROSTER_TTL_SECONDS = 600


def _fetch_members(launch: Launch) -> list[Member]:
    """NRPS members (all pages, roles as full URIs), via the LTI core's client."""
    from tool.lti.nrps import NrpsClient
    from tool.lti.runtime import get_runtime

    return NrpsClient.for_launch(get_runtime(), launch).members()


def course_roster(launch: Launch) -> list[Member] | None:
    """Active members of the launch's course, or None when the platform offers no roster."""
    if not launch.nrps_url:
        return None
    store = current_app.extensions["kv_store"]
    key = f"roster:{launch.launch_id}"
    cached = store.get(key)
    if cached is not None:
        return [Member(**{**m, "roles": tuple(m["roles"])}) for m in json.loads(cached)]
    try:
        members = [m for m in _fetch_members(launch) if m.user_id and m.status == "Active"]
    except Exception:
        # A roster is a convenience: without it the teacher types a label.
        log.warning("roster unavailable for launch %s", launch.launch_id, exc_info=True)
        return None
    store.set(key, json.dumps([asdict(m) for m in members]), ROSTER_TTL_SECONDS)
    return members


def learners(members: list[Member] | None) -> list[Member]:
    return sorted((m for m in members or () if m.is_learner), key=lambda m: m.display_name.casefold())
