"""Moodle flavour: the deep-linking picker returns one signed item per task; Moodle makes activities."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from devlms.testing import answer_summary, parse_auto_submit_form
from publish.e2e import LmsWorld
from tool import db
from tool.publish import progress

pytestmark = pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def test_deep_linking_creates_one_moodle_activity_per_task(lms_world: LmsWorld) -> None:
    world = lms_world
    public_id = world.make_sequence(tasks=5)
    driver_response = world.launch("teacher", message="LtiDeepLinkingRequest")
    assert urlsplit(driver_response.url).path == "/teacher/deep-link", driver_response.text[:1000]
    picker = driver_response.text
    assert "Add these steps to my course" in picker and public_id in picker
    token = parse_qs(urlsplit(driver_response.url).query)["lt"][0]

    chosen = world.app.test_client().post(
        "/teacher/deep-link",
        data={
            "lt": token,
            "sequence": public_id,
            "mode": "both",
            "start": "2026-03-02",
            "spacing_days": "2",
            "timezone": "Europe/London",
        },
    )
    assert chosen.status_code == 200, chosen.get_data(True)[:2000]
    form = parse_auto_submit_form(chosen.get_data(True), world.tool_url)
    platform = world.platform
    assert form.action.startswith(platform.url("/mod/lti/contentitem_return.php"))

    # The response is signed with the key our JWKS publishes, by us (iss = client_id) for the platform.
    claims = jwt.decode(
        form.fields["JWT"],
        jwt.PyJWKClient(f"{world.tool_url}/lti/jwks").get_signing_key_from_jwt(form.fields["JWT"]).key,
        algorithms=["RS256"],
        audience=platform.issuer,
    )
    assert claims["iss"] == world.client_id
    items = claims[DL + "content_items"]
    assert [item["title"] for item in items] == [f"Practice A · step {n}" for n in range(1, 6)]
    assert {item["text"] for item in items} == {"A short practice activity."}
    assert items[1]["available"] == {"startDateTime": "2026-03-04T00:00:00Z"}
    assert items[1]["lineItem"] == {
        "scoreMaximum": 1,
        "label": "Practice A · step 2",
        "resourceId": f"ss:{public_id}:2",
        "tag": "stepping-stones",
    }
    with world.app.app_context():
        publication = progress.get_publication(db.session(), world_sequence_id(world))
        assert publication is not None
        step_ids = [s.public_id for s in publication.steps]
        from tool.privacy import audit

        published = [e for e in audit.events(db.session(), sequence_id=publication.sequence_id)
                     if e.action == "published"]
        assert len(published) == 1 and published[0].deployment_pk == publication.deployment_pk
    assert [item["custom"] for item in items] == [{"ss_sequence": public_id, "ss_step": s} for s in step_ids]
    assert [item["url"] for item in items] == [f"{world.tool_url}/lti/launch?step={s}" for s in step_ids]
    for item in items:  # nothing about the student, the skill or the avoidance goes to the course
        text = str(item).lower()
        assert "sam" not in text and "writ" not in text and "avoid" not in text

    accepted = answer_summary(world.launch_session_post(form))  # Moodle's summary: Save
    assert accepted.status_code == 200, accepted.text[:1000]
    activities = sorted(world.assignments(), key=lambda link: link.title)
    assert [a.title for a in activities] == [f"Practice A · step {n}" for n in range(1, 6)]
    assert all(a.kind == "activity" and a.unlock_at is None for a in activities)  # Moodle ignores dates
    assert [a.custom["ss_step"] for a in activities] == step_ids
    with platform.lock:
        assert sorted(item.resource_id for item in platform.line_items.values()) == [
            f"ss:{public_id}:{n}" for n in range(1, 6)
        ]

    page = world.app.test_client().get(f"/teacher/sequences/{public_id}/progress", query_string={"lt": token})
    html = page.get_data(True)
    assert "Dates to set by hand in Moodle" in html
    assert "Step 2: Restrict access → Date → from Wednesday 4 March 2026" in html


def world_sequence_id(world: LmsWorld) -> int:
    from sqlalchemy import select

    from tool.teacher.models import Sequence

    return db.session().scalars(select(Sequence.id).where(Sequence.public_id == world.sequence_public_id)).one()
