"""Assignment and Grade Services in both flavours."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from fake_tool import FakeTool

from devlms.model import AGS_SCOPES
from devlms.testing import DevLmsServer, LaunchDriver

SUBMISSION_TYPE = "https://canvas.instructure.com/lti/submission_type"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


@pytest.fixture
def canvas(devlms: DevLmsServer, fake_tool: FakeTool) -> Iterator[tuple[str, requests.Session]]:
    client_id, _ = fake_tool.install(devlms.canvas)
    with fake_tool.service(devlms.canvas, client_id, list(AGS_SCOPES)) as session:
        yield client_id, session


@pytest.fixture
def moodle(devlms: DevLmsServer, fake_tool: FakeTool) -> Iterator[tuple[str, requests.Session]]:
    client_id, _ = fake_tool.install(devlms.moodle)
    with fake_tool.service(devlms.moodle, client_id, list(AGS_SCOPES)) as session:
        yield client_id, session


def _score(user: str, stamp: str, given: float | None = 7, maximum: float = 10) -> dict[str, object]:
    body: dict[str, object] = {
        "userId": user,
        "timestamp": stamp,
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
    }
    if given is not None:
        body.update(scoreGiven=given, scoreMaximum=maximum)
    return body


def _scores_url(item_url: str) -> str:
    path, _, query = item_url.partition("?")
    return path + "/scores" + (f"?{query}" if query else "")


def test_canvas_external_tool_line_item_becomes_launchable_assignment(
    devlms: DevLmsServer, fake_tool: FakeTool, driver: LaunchDriver, canvas: tuple[str, requests.Session]
) -> None:
    client_id, session = canvas
    step_url = fake_tool.launch_url + "?step=abc"
    body = {
        "label": "Step 1",
        "scoreMaximum": 10,
        "startDateTime": "2026-01-05T09:00:00Z",
        "endDateTime": "2026-01-12T17:00:00Z",
        SUBMISSION_TYPE: {"type": "external_tool", "external_tool_url": step_url},
    }
    response = session.post(devlms.canvas.url("/api/lti/courses/course-101/line_items"), json=body, timeout=10)
    assert response.status_code == 201, response.text
    item = response.json()
    assignment = devlms.canvas.links[item["resourceLinkId"]]
    assert (assignment.kind, assignment.published, assignment.submission_type) == ("assignment", True, "external_tool")
    assert (assignment.unlock_at, assignment.due_at, assignment.lock_at) == (
        body["startDateTime"],
        body["endDateTime"],
        None,
    )
    assert assignment.title == "Step 1" and assignment.points == 10
    claims = driver.launch("canvas", client_id, user="student1", link=assignment.id).json()["claims"]
    assert claims[LTI + "target_link_uri"] == step_url
    assert claims[LTI + "resource_link"]["id"] == assignment.id
    assert claims[AGS_CLAIM]["lineitem"] == item["id"]


def test_canvas_future_unlock_date_locks_students_out(
    devlms: DevLmsServer, canvas: tuple[str, requests.Session], fake_tool: FakeTool
) -> None:
    client_id, session = canvas
    body = {
        "label": "Later",
        "scoreMaximum": 1,
        "startDateTime": "2099-01-01T00:00:00Z",
        SUBMISSION_TYPE: {"type": "external_tool", "external_tool_url": fake_tool.launch_url},
    }
    link_id = session.post(devlms.canvas.url("/api/lti/courses/course-101/line_items"), json=body, timeout=10).json()[
        "resourceLinkId"
    ]
    student = requests.get(
        devlms.launch_url("canvas", client_id, user="student1", link=link_id), allow_redirects=False, timeout=10
    )
    assert student.status_code == 403 and "locked until" in student.text


@pytest.mark.parametrize("extension", [{"type": "online_upload"}, {"type": "external_tool"}, "external_tool"])
def test_canvas_invalid_submission_type_is_400(
    devlms: DevLmsServer, canvas: tuple[str, requests.Session], extension: object
) -> None:
    _, session = canvas
    body = {"label": "Bad", "scoreMaximum": 5, SUBMISSION_TYPE: extension}
    response = session.post(devlms.canvas.url("/api/lti/courses/course-101/line_items"), json=body, timeout=10)
    assert response.status_code == 400
    assert not devlms.canvas.line_items


def test_canvas_line_item_without_extension_is_not_launchable(
    devlms: DevLmsServer, canvas: tuple[str, requests.Session]
) -> None:
    client_id, session = canvas
    item = session.post(
        devlms.canvas.url("/api/lti/courses/course-101/line_items"),
        json={"label": "Plain", "scoreMaximum": 5},
        timeout=10,
    ).json()
    assert item[SUBMISSION_TYPE] == {"type": "none"}
    response = requests.get(
        devlms.launch_url("canvas", client_id, user="teacher", link=item["resourceLinkId"]),
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 403 and "not launchable" in response.text


def test_canvas_resource_link_id_must_name_our_assignment(
    devlms: DevLmsServer, canvas: tuple[str, requests.Session]
) -> None:
    client_id, session = canvas
    url = devlms.canvas.url("/api/lti/courses/course-101/line_items")
    default = devlms.canvas.default_link(client_id)
    assert default is not None
    refused = session.post(url, json={"label": "x", "scoreMaximum": 1, "resourceLinkId": default.id}, timeout=10)
    assert refused.status_code == 400
    first = session.post(url, json={"label": "A", "scoreMaximum": 1}, timeout=10).json()
    extra = session.post(
        url, json={"label": "A2", "scoreMaximum": 2, "resourceLinkId": first["resourceLinkId"]}, timeout=10
    )
    assert extra.status_code == 201
    assert len([link for link in devlms.canvas.links.values() if link.kind == "assignment"]) == 1


def test_canvas_scores_answer_result_url_and_rescale(
    devlms: DevLmsServer, canvas: tuple[str, requests.Session]
) -> None:
    _, session = canvas
    item = session.post(
        devlms.canvas.url("/api/lti/courses/course-101/line_items"), json={"label": "S", "scoreMaximum": 20}, timeout=10
    ).json()
    user = devlms.canvas.launch_claims(next(iter(devlms.canvas.tools)), user="student1")["sub"]
    response = session.post(_scores_url(item["id"]), json=_score(user, "2026-03-01T10:00:00Z", 3, 4), timeout=10)
    assert response.status_code == 200
    assert response.json()["resultUrl"].startswith(item["id"] + "/results/")
    results = session.get(item["id"] + "/results", timeout=10).json()
    assert results[0]["resultScore"] == 15 and results[0]["resultMaximum"] == 20


def test_moodle_line_item_post_requires_label_and_numeric_maximum(
    devlms: DevLmsServer, moodle: tuple[str, requests.Session]
) -> None:
    _, session = moodle
    url = devlms.moodle.url("/mod/lti/services.php/course-101/lineitems?type_id=1")
    for body in ({"label": "No max"}, {"label": "Text max", "scoreMaximum": "10"}, {"scoreMaximum": 10}):
        assert session.post(url, json=body, timeout=10).status_code == 400
    assert not devlms.moodle.line_items


def test_moodle_line_item_is_a_column_and_dates_are_not_stored(
    devlms: DevLmsServer, moodle: tuple[str, requests.Session]
) -> None:
    _, session = moodle
    url = devlms.moodle.url("/mod/lti/services.php/course-101/lineitems?type_id=1")
    body = {
        "label": "Standalone",
        "scoreMaximum": 50,
        "resourceId": "quiz-42",
        "tag": "final",
        "startDateTime": "2026-01-01T00:00:00Z",
        "endDateTime": "2026-12-31T00:00:00Z",
    }
    created = session.post(url, json=body, timeout=10)
    assert created.status_code == 201
    assert created.json()["startDateTime"] == body["startDateTime"]  # echoed once
    item_url = created.json()["id"]
    assert item_url.endswith("/lineitem?type_id=1")
    fetched = session.get(item_url, timeout=10).json()
    assert "startDateTime" not in fetched and "endDateTime" not in fetched
    assert fetched["resourceId"] == "quiz-42"
    assert [link.kind for link in devlms.moodle.links.values()] == ["link"]  # no activity created


def test_moodle_scores_order_by_timestamp_and_rescale(
    devlms: DevLmsServer, moodle: tuple[str, requests.Session]
) -> None:
    _, session = moodle
    url = devlms.moodle.url("/mod/lti/services.php/course-101/lineitems?type_id=1")
    item_url = session.post(url, json={"label": "G", "scoreMaximum": 100}, timeout=10).json()["id"]
    scores = _scores_url(item_url)
    assert scores.endswith("/lineitem/scores?type_id=1")
    first = session.post(scores, json=_score("4", "2026-03-01T10:00:00+00:00", 7, 10), timeout=10)
    assert first.status_code == 200 and first.text == ""
    same = session.post(scores, json=_score("4", "2026-03-01T10:00:00+00:00", 9, 10), timeout=10)
    older = session.post(scores, json=_score("4", "2026-02-01T10:00:00+00:00", 9, 10), timeout=10)
    assert same.status_code == 409 and older.status_code == 409
    assert session.post(scores, json=_score("4", "2026-03-02T10:00:00+00:00", 9, 10), timeout=10).status_code == 200
    path, _, query = item_url.partition("?")
    results = session.get(f"{path}/results?{query}", timeout=10).json()
    assert [(r["userId"], r["resultScore"], r["resultMaximum"]) for r in results] == [("4", 90, 100)]


@pytest.mark.parametrize(
    "body",
    [
        {"userId": "4", "timestamp": "2026-03-01T10:00:00Z", "activityProgress": "Completed"},
        {
            "userId": "4",
            "timestamp": "2026-03-01T10:00:00Z",
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "scoreGiven": 3,
        },
        {
            "userId": "999",
            "timestamp": "2026-03-01T10:00:00Z",
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
        },
    ],
)
def test_moodle_score_validation(
    devlms: DevLmsServer, moodle: tuple[str, requests.Session], body: dict[str, object]
) -> None:
    _, session = moodle
    url = devlms.moodle.url("/mod/lti/services.php/course-101/lineitems?type_id=1")
    item_url = session.post(url, json={"label": "G", "scoreMaximum": 10}, timeout=10).json()["id"]
    assert session.post(_scores_url(item_url), json=body, timeout=10).status_code == 400


def test_moodle_type_id_is_required_and_checked(devlms: DevLmsServer, moodle: tuple[str, requests.Session]) -> None:
    _, session = moodle
    base = devlms.moodle.url("/mod/lti/services.php/course-101/lineitems")
    assert session.get(base, timeout=10).status_code == 400
    assert session.get(base + "?type_id=7", timeout=10).status_code == 403
    assert session.get(base + "?type_id=1", timeout=10).status_code == 200


def test_line_item_filters_and_paging(devlms: DevLmsServer, moodle: tuple[str, requests.Session]) -> None:
    _, session = moodle
    url = devlms.moodle.url("/mod/lti/services.php/course-101/lineitems?type_id=1")
    for n in range(3):
        session.post(url, json={"label": f"L{n}", "scoreMaximum": 1, "tag": "t" if n else "other"}, timeout=10)
    tagged = session.get(url + "&tag=t", timeout=10).json()
    assert [item["label"] for item in tagged] == ["L1", "L2"]
    page = session.get(url + "&limit=2", timeout=10)
    assert [item["label"] for item in page.json()] == ["L0", "L1"]
    next_url = page.links["next"]["url"]
    assert "type_id=1" in next_url and "from=2" in next_url
    rest = session.get(next_url, timeout=10)
    assert [item["label"] for item in rest.json()] == ["L2"] and "next" not in rest.links


def test_put_and_delete_line_item(devlms: DevLmsServer, canvas: tuple[str, requests.Session]) -> None:
    _, session = canvas
    item = session.post(
        devlms.canvas.url("/api/lti/courses/course-101/line_items"),
        json={"label": "Old", "scoreMaximum": 5},
        timeout=10,
    ).json()
    updated = session.put(
        item["id"], json={"label": "New", "scoreMaximum": 8, "endDateTime": "2026-05-01T00:00:00Z"}, timeout=10
    )
    assert updated.status_code == 200 and updated.json()["label"] == "New"
    assert devlms.canvas.links[item["resourceLinkId"]].due_at == "2026-05-01T00:00:00Z"
    assert session.delete(item["id"], timeout=10).status_code == 204
    assert session.get(item["id"], timeout=10).status_code == 404
