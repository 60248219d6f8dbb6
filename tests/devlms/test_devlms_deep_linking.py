"""Deep-linking responses: verification, and what each flavour makes of the items."""

from __future__ import annotations

from typing import Any

import requests
from fake_tool import FakeTool

from devlms.testing import DevLmsServer, LaunchDriver, answer_summary

DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


def _items(fake_tool: FakeTool) -> list[dict[str, Any]]:
    dates = {
        "available": {"startDateTime": "2026-02-01T08:00:00Z", "endDateTime": "2026-02-28T18:00:00Z"},
        "submission": {"endDateTime": "2026-02-14T18:00:00Z"},
    }
    return [
        {
            "type": "ltiResourceLink",
            "title": "Step 1",
            "text": "First small step",
            "url": fake_tool.launch_url + "?step=s1",
            "custom": {"ss_sequence": "seq1", "ss_step": "s1"},
            "lineItem": {"scoreMaximum": 10, "label": "ignored?", "resourceId": "s1", "tag": "ss"},
            **dates,
        },
        {
            "type": "ltiResourceLink",
            "title": "Step 2",
            "url": fake_tool.launch_url + "?step=s2",
            "custom": {"ss_sequence": "seq1", "ss_step": "s2"},
            "lineItem": {"scoreMaximum": 10},
            **dates,
        },
    ]


def _request(driver: LaunchDriver, flavour: str, client_id: str, placement: str | None = None) -> dict[str, Any]:
    claims: dict[str, Any] = driver.launch(
        flavour,
        client_id,
        message="LtiDeepLinkingRequest",  # type: ignore[arg-type]
        placement=placement,
    ).json()["claims"]
    return claims


def test_moodle_two_items_make_two_activities_without_dates(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    client_id, deployment_id = fake_tool.install(devlms.moodle)
    settings = _request(driver, "moodle", client_id)[DL_SETTINGS]
    assert settings["accept_multiple"] is True
    token = fake_tool.deep_link_jwt(devlms.moodle, client_id, deployment_id, _items(fake_tool), data=settings["data"])
    response = requests.post(settings["deep_link_return_url"], data={"JWT": token}, timeout=10)
    assert response.status_code == 200, response.text
    # Moodle shows the teacher a summary first: nothing exists until Save.
    assert "2 item(s) will be added" in response.text and "Step 1" in response.text
    assert not [link for link in devlms.moodle.links.values() if link.kind == "activity"]
    saved = answer_summary(response, save=True)
    assert saved.status_code == 200 and "2 item(s) added" in saved.text
    activities = [link for link in devlms.moodle.links.values() if link.kind == "activity"]
    assert [a.title for a in activities] == ["Step 1", "Step 2"]
    assert all(a.published and a.unlock_at is None and a.due_at is None and a.lock_at is None for a in activities)
    assert activities[0].text == "First small step"
    column = devlms.moodle.line_items[activities[0].line_item_id or ""]
    assert (column.label, column.score_maximum, column.resource_id, column.tag) == ("Step 1", 10, "s1", "ss")
    assert column.start_date_time is None and column.end_date_time is None
    launch = driver.launch("moodle", client_id, user="student1", link=activities[1].id).json()["claims"]
    assert launch[LTI + "custom"] == {"ss_sequence": "seq1", "ss_step": "s2"}
    assert launch[LTI + "target_link_uri"] == fake_tool.launch_url + "?step=s2"
    assert launch[LTI + "resource_link"]["id"] == activities[1].id
    assert launch[AGS_CLAIM]["lineitem"].endswith(f"/lineitems/{activities[1].line_item_id}/lineitem?type_id=1")


def test_canvas_two_items_make_two_unpublished_assignments_with_dates(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    client_id, deployment_id = fake_tool.install(devlms.canvas)
    settings = _request(driver, "canvas", client_id, "link_selection")[DL_SETTINGS]
    token = fake_tool.deep_link_jwt(devlms.canvas, client_id, deployment_id, _items(fake_tool))
    response = requests.post(settings["deep_link_return_url"], data={"JWT": token}, timeout=10)
    assert response.status_code == 200, response.text
    assignments = [link for link in devlms.canvas.links.values() if link.kind == "assignment"]
    assert len(assignments) == 2
    first = assignments[0]
    assert first.published is False
    assert (first.unlock_at, first.lock_at, first.due_at) == (
        "2026-02-01T08:00:00Z",
        "2026-02-28T18:00:00Z",
        "2026-02-14T18:00:00Z",
    )
    assert first.custom == {"ss_sequence": "seq1", "ss_step": "s1"}
    student = requests.get(
        devlms.launch_url("canvas", client_id, user="student1", link=first.id), allow_redirects=False, timeout=10
    )
    assert student.status_code == 403
    teacher = driver.launch("canvas", client_id, user="teacher", link=first.id).json()["claims"]
    assert teacher[LTI + "custom"]["ss_step"] == "s1"


def test_canvas_single_item_placement_rejects_two(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    client_id, deployment_id = fake_tool.install(devlms.canvas)
    settings = _request(driver, "canvas", client_id, "assignment_selection")[DL_SETTINGS]
    token = fake_tool.deep_link_jwt(devlms.canvas, client_id, deployment_id, _items(fake_tool))
    response = requests.post(settings["deep_link_return_url"], data={"JWT": token}, timeout=10)
    assert response.status_code == 400 and "one item only" in response.text
    assert not [link for link in devlms.canvas.links.values() if link.kind == "assignment"]


def test_canvas_line_item_needs_score_maximum(devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver) -> None:
    client_id, deployment_id = fake_tool.install(devlms.canvas)
    settings = _request(driver, "canvas", client_id)[DL_SETTINGS]
    items = [{"type": "ltiResourceLink", "title": "X", "lineItem": {"label": "X"}}]
    token = fake_tool.deep_link_jwt(devlms.canvas, client_id, deployment_id, items)
    assert requests.post(settings["deep_link_return_url"], data={"JWT": token}, timeout=10).status_code == 400


def test_bad_signature_wrong_aud_and_wrong_deployment_are_refused(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    client_id, deployment_id = fake_tool.install(devlms.moodle)
    settings = _request(driver, "moodle", client_id)[DL_SETTINGS]
    url = settings["deep_link_return_url"]
    items = _items(fake_tool)
    good = fake_tool.deep_link_jwt(devlms.moodle, client_id, deployment_id, items)
    header, payload, signature = good.split(".")
    tampered = f"{header}.{payload}.{signature[:-6]}AAAAAA"
    wrong_aud = fake_tool.deep_link_jwt(devlms.moodle, client_id, deployment_id, items, aud=devlms.canvas.issuer)
    wrong_dep = fake_tool.deep_link_jwt(devlms.moodle, client_id, "99", items)
    wrong_data = fake_tool.deep_link_jwt(devlms.moodle, client_id, deployment_id, items, data="forged")
    platform_signed = devlms.moodle.sign_id_token({"iss": client_id, "aud": devlms.moodle.issuer})
    for token, reason in (
        (tampered, "Signature"),
        (wrong_aud, "audience"),
        (wrong_dep, "deployment_id"),
        (wrong_data, "data"),
        (platform_signed, "kid"),
    ):
        response = requests.post(url, data={"JWT": token}, timeout=10)
        assert response.status_code == 400, reason
        assert reason.lower() in response.text.lower()
    assert not [link for link in devlms.moodle.links.values() if link.kind == "activity"]
    assert requests.post(url, data={"JWT": good}, timeout=10).status_code == 200
    assert requests.post(url, data={"JWT": good}, timeout=10).status_code == 400  # session completed


def test_moodle_cancel_on_the_summary_creates_nothing_and_the_selection_is_single_use(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    client_id, deployment_id = fake_tool.install(devlms.moodle)
    settings = _request(driver, "moodle", client_id)[DL_SETTINGS]
    token = fake_tool.deep_link_jwt(devlms.moodle, client_id, deployment_id, _items(fake_tool), data=settings["data"])
    summary = requests.post(settings["deep_link_return_url"], data={"JWT": token}, timeout=10)
    cancelled = answer_summary(summary, save=False)
    assert cancelled.status_code == 200 and "Nothing was added" in cancelled.text
    assert not [link for link in devlms.moodle.links.values() if link.created_by == "deep_linking"]
    assert devlms.moodle.line_items == {}
    assert answer_summary(summary, save=True).status_code == 400  # the summary cannot be saved afterwards


def test_moodle_returning_the_same_items_twice_makes_two_sets(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver
) -> None:
    client_id, deployment_id = fake_tool.install(devlms.moodle)
    for _ in range(2):
        settings = _request(driver, "moodle", client_id)[DL_SETTINGS]
        token = fake_tool.deep_link_jwt(
            devlms.moodle, client_id, deployment_id, _items(fake_tool), data=settings["data"]
        )
        answer_summary(requests.post(settings["deep_link_return_url"], data={"JWT": token}, timeout=10))
    resource_ids = sorted(item.resource_id for item in devlms.moodle.line_items.values())
    assert resource_ids == ["", "", "s1", "s1"]  # Moodle does not deduplicate
