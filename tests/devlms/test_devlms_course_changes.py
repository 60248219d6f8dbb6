"""A teacher deletes or duplicates an activity in the LMS: grade items vanish (404) or are copied."""

from __future__ import annotations

import pytest
import requests
from fake_tool import FakeTool

from devlms.model import AGS_SCOPES, USERS_BY_KEY
from devlms.testing import DevLmsServer, LaunchDriver

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def _scores_url(item_url: str) -> str:
    path, _, query = item_url.partition("?")
    return path + "/scores" + (f"?{query}" if query else "")


def _score(user: str, stamp: str) -> dict[str, object]:
    return {
        "userId": user,
        "timestamp": stamp,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "scoreGiven": 1,
        "scoreMaximum": 1,
    }


@pytest.mark.parametrize("flavour", ["moodle", "canvas"])
def test_deleting_an_activity_deletes_its_grade_item_and_scores_get_404(
    devlms: DevLmsServer, fake_tool: FakeTool, flavour: str
) -> None:
    platform = devlms.platform(flavour)  # type: ignore[arg-type]
    client_id, _ = fake_tool.install(platform)
    tool = platform.tools[client_id]
    body = {"label": "Practice A · step 1", "scoreMaximum": 1, "resourceId": "ss:x:1", "tag": "stepping-stones"}
    if flavour == "canvas":
        body["https://canvas.instructure.com/lti/submission_type"] = {
            "type": "external_tool",
            "external_tool_url": fake_tool.launch_url + "?step=s1",
        }
    with fake_tool.service(platform, client_id, list(AGS_SCOPES)) as session:
        created = session.post(platform.lineitems_url(tool), json=body, timeout=10).json()
        if flavour == "canvas":
            link_id = next(link.id for link in platform.links.values() if link.created_by == "ags")
        else:  # Moodle: attach the column to an activity, as deep linking would
            link_id = next(iter(platform.links))
            item_id = created["id"].split("/lineitems/")[1].split("/")[0]
            platform.links[link_id].line_item_id = item_id
        deleted = requests.post(
            platform.url(f"/admin/links/{link_id}/delete"), headers={"Accept": "application/json"}, timeout=10
        )
        assert deleted.status_code == 200 and deleted.json()["deleted"] is True
        student = USERS_BY_KEY["student1"].sub(flavour)  # type: ignore[arg-type]
        answer = session.post(_scores_url(created["id"]), json=_score(student, "2026-03-01T10:00:00Z"), timeout=10)
        assert answer.status_code == 404
        assert session.get(platform.lineitems_url(tool), timeout=10).json() == []


@pytest.mark.parametrize("flavour", ["moodle", "canvas"])
def test_a_duplicated_activity_keeps_url_custom_and_resource_id_with_its_own_grade_item(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver, flavour: str
) -> None:
    platform = devlms.platform(flavour)  # type: ignore[arg-type]
    client_id, _ = fake_tool.install(platform)
    tool = platform.tools[client_id]
    with fake_tool.service(platform, client_id, list(AGS_SCOPES)) as session:
        body = {"label": "Practice A · step 1", "scoreMaximum": 1, "resourceId": "ss:x:1", "tag": "stepping-stones"}
        if flavour == "canvas":
            body["https://canvas.instructure.com/lti/submission_type"] = {
                "type": "external_tool",
                "external_tool_url": fake_tool.launch_url + "?step=s1",
            }
        created = session.post(platform.lineitems_url(tool), json=body, timeout=10).json()
        if flavour == "canvas":
            original = next(link for link in platform.links.values() if link.created_by == "ags")
        else:
            original = next(iter(platform.links.values()))
            original.line_item_id = created["id"].split("/lineitems/")[1].split("/")[0]
            original.custom = {"ss_step": "s1"}
        copy = requests.post(
            platform.url(f"/admin/links/{original.id}/duplicate"), headers={"Accept": "application/json"}, timeout=10
        ).json()
        listed = session.get(platform.lineitems_url(tool), params={"resource_id": "ss:x:1"}, timeout=10).json()
    assert len(listed) == 2 and {item["tag"] for item in listed} == {"stepping-stones"}
    assert copy["line_item_id"] != original.line_item_id
    claims = driver.launch(flavour, client_id, user="student1", link=copy["id"]).json()["claims"]  # type: ignore[arg-type]
    assert claims[AGS_CLAIM]["lineitem"] == platform.lineitem_url(platform.line_items[copy["line_item_id"]])
    assert claims[LTI + "custom"].get("ss_step") == original.custom.get("ss_step")
    assert claims[LTI + "target_link_uri"] == (original.url or tool.launch_url)
