"""Names and Role Provisioning Services v2."""

from __future__ import annotations

from fake_tool import FakeTool

from devlms.model import SCOPE_NRPS
from devlms.testing import DevLmsServer, LaunchDriver

MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"


def test_moodle_members_short_roles_subs_and_paging(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    client_id, _ = fake_tool.install(devlms.moodle)
    claims = driver.launch("moodle", client_id, user="student1").json()["claims"]
    url = claims[NRPS_CLAIM]["context_memberships_url"]
    with fake_tool.service(devlms.moodle, client_id, [SCOPE_NRPS]) as session:
        everyone = session.get(url, timeout=10)
        assert everyone.headers["Content-Type"] == MEMBERSHIP_TYPE
        members = everyone.json()["members"]
        assert {m["user_id"]: m["roles"] for m in members} == {
            "3": ["Instructor"],
            "4": ["Learner"],
            "5": ["Learner"],
            "6": ["Learner"],
        }
        assert claims["sub"] in {m["user_id"] for m in members}
        first = session.get(url + "?role=Learner&limit=2", timeout=10)
        assert [m["name"] for m in first.json()["members"]] == ["Sam Student", "Sue Scholar"]
        second = session.get(first.links["next"]["url"], timeout=10)
        assert [m["name"] for m in second.json()["members"]] == ["Ravi Reader"]
        assert "next" not in second.links


def test_canvas_members_full_uris_and_privacy(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.canvas, privacy="email_only")
    url = devlms.canvas.url("/api/lti/courses/course-101/names_and_roles")
    with fake_tool.service(devlms.canvas, client_id, [SCOPE_NRPS]) as session:
        body = session.get(
            url + "?role=http://purl.imsglobal.org/vocab/lis/v2/membership%23Instructor", timeout=10
        ).json()
        assert len(body["members"]) == 1
        teacher = body["members"][0]
        assert "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor" in teacher["roles"]
        assert teacher["email"] == "teacher@example.com" and "name" not in teacher
        page = session.get(url + "?limit=3", timeout=10)
        assert len(page.json()["members"]) == 3
        assert "page=2" in page.links["next"]["url"]
        assert len(session.get(page.links["next"]["url"], timeout=10).json()["members"]) == 1
