"""Persistence, the admin API, the human pages, and concurrent use."""

from __future__ import annotations

import threading
from pathlib import Path

import requests
from fake_tool import FakeTool

from devlms.model import AGS_SCOPES
from devlms.testing import DevLmsServer, parse_auto_submit_form


def test_state_survives_a_restart(tmp_path: Path, fake_tool: FakeTool) -> None:
    state = tmp_path / "devlms.json"
    with DevLmsServer(state_path=state) as first:
        client_id, deployment_id = fake_tool.install(first.moodle)
        kid = first.moodle.keys.active_kid
        with fake_tool.service(first.moodle, client_id, list(AGS_SCOPES)) as session:
            url = first.moodle.url("/mod/lti/services.php/course-101/lineitems?type_id=1")
            item = session.post(url, json={"label": "Kept", "scoreMaximum": 4}, timeout=10).json()
            path, _, query = item["id"].partition("?")
            score = {
                "userId": "4",
                "timestamp": "2026-01-01T00:00:00Z",
                "activityProgress": "Completed",
                "gradingProgress": "FullyGraded",
                "scoreGiven": 1,
                "scoreMaximum": 2,
            }
            assert session.post(f"{path}/scores?{query}", json=score, timeout=10).status_code == 200
    assert oct(state.stat().st_mode & 0o777) == "0o600"
    with DevLmsServer(state_path=state) as second:
        tool = second.moodle.tools[client_id]
        assert tool.deployment_id == deployment_id and tool.jwks_url == fake_tool.jwks_url
        assert second.moodle.keys.active_kid == kid
        assert [row["result"] for row in second.moodle.gradebook()] == [2.0]
        assert second.moodle.default_link(client_id) is not None


def test_fresh_state_file_keeps_keys_before_any_change(tmp_path: Path) -> None:
    state = tmp_path / "fresh.json"
    with DevLmsServer(state_path=state) as first:
        kids = (first.canvas.keys.active_kid, first.moodle.keys.active_kid)
    with DevLmsServer(state_path=state) as second:
        assert (second.canvas.keys.active_kid, second.moodle.keys.active_kid) == kids


def test_admin_install_api(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    body = {
        "login_url": fake_tool.login_url,
        "launch_url": fake_tool.launch_url,
        "jwks_url": fake_tool.jwks_url,
        "privacy": "name_only",
        "custom": {"a": "b"},
    }
    created = requests.post(devlms.url + "/canvas/admin/tools", json=body, timeout=10)
    assert created.status_code == 201
    data = created.json()
    assert data["issuer"] == devlms.url + "/canvas"
    assert data["token_endpoint"] == devlms.url + "/canvas/login/oauth2/token"
    assert data["authorization_endpoint"] == devlms.url + "/canvas/api/lti/authorize_redirect"
    tool = devlms.canvas.tools[data["client_id"]]
    assert tool.deployment_id == data["deployment_id"] and tool.redirect_uris == [fake_tool.launch_url]
    assert requests.post(devlms.url + "/canvas/admin/tools", json={"login_url": "x"}, timeout=10).status_code == 400


def test_home_page_lists_tools_links_and_launch_buttons(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.moodle)
    fake_tool.install(devlms.canvas, active=False, name="Waiting Tool")
    page = requests.get(devlms.url + "/", timeout=10).text
    assert "Year 8 English" in page and "Stepping Stones" in page
    assert "Launch as Sam Student" in page and "Launch as Ravi Reader" in page and "Launch as teacher" in page
    assert "Add content (deep linking" in page
    assert "Waiting Tool" in page and "Activate" in page
    form = parse_auto_submit_form(page.split("Stepping Stones", 1)[1], devlms.url)
    assert form.action == devlms.url + "/moodle/launch" and form.fields["client_id"] == client_id
    gradebook = requests.get(devlms.url + "/moodle/gradebook", timeout=10)
    assert gradebook.status_code == 200 and "gradebook" in gradebook.text.lower()


def test_concurrent_scores_are_all_recorded(devlms: DevLmsServer, fake_tool: FakeTool) -> None:
    client_id, _ = fake_tool.install(devlms.moodle)
    with fake_tool.service(devlms.moodle, client_id, list(AGS_SCOPES)) as session:
        url = devlms.moodle.url("/mod/lti/services.php/course-101/lineitems?type_id=1")
        items = [
            session.post(url, json={"label": f"I{n}", "scoreMaximum": 10}, timeout=10).json()["id"] for n in range(4)
        ]
        token = session.headers["Authorization"]
    statuses: list[int] = []

    def post(item_url: str, user: str) -> None:
        path, _, query = item_url.partition("?")
        body = {
            "userId": user,
            "timestamp": "2026-01-01T00:00:00Z",
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded",
            "scoreGiven": 5,
            "scoreMaximum": 10,
        }
        response = requests.post(f"{path}/scores?{query}", json=body, headers={"Authorization": token}, timeout=10)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(item, user)) for item in items for user in ("4", "5", "6")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 12
    assert len(devlms.moodle.gradebook()) == 12
