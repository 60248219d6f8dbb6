"""An administrator activates a Dynamic Registration's deployment from the console, no shell needed,
against the development LMS in both flavours (everything over real loopback HTTP).

Moodle's side is modelled too: the registered tool is pending until the Moodle admin activates it,
and it stays out of the activity chooser until "Show in activity chooser" is switched on.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests

from devlms.testing import LaunchDriver, parse_auto_submit_form

from .conftest import PASSWORD

FLAVOURS = ["canvas", "moodle"]


def register_dynamically(devlms, tool_server, flavour):
    """The LMS admin pastes the tool's registration URL; returns (client_id, deployment_id, registered page)."""
    before = set(devlms.platform(flavour).tools)
    http = requests.Session()
    page = http.get(devlms.registration_url(flavour, tool_server.url + "/lti/register"), timeout=30)
    assert page.status_code == 200, page.text
    form = parse_auto_submit_form(page.text, page.url)
    done = http.post(form.action, data=form.fields, timeout=30)
    assert done.status_code == 200, done.text
    (client_id,) = set(devlms.platform(flavour).tools) - before
    return client_id, devlms.platform(flavour).tools[client_id].deployment_id, done.text


def admin_session(tool_server):
    http = requests.Session()
    signed_in = http.post(tool_server.url + "/admin/login", data={"password": PASSWORD}, timeout=30)
    assert signed_in.status_code == 200 and urlsplit(signed_in.url).path == "/admin/", signed_in.text
    return http


def deployment_row(page, deployment_id):
    match = re.search(rf'<tr data-deployment="{re.escape(deployment_id)}".*?</tr>', page, re.S)
    assert match, page
    return match.group(0)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_an_admin_activates_a_registered_deployment_from_the_console(devlms, tool_server, flavour):
    client_id, deployment_id, registered = register_dynamically(devlms, tool_server, flavour)
    # The registered page names the console (it waits for Finish, so the admin can read it).
    assert tool_server.url + "/admin/" in registered and 'id="finish"' in registered
    platform = devlms.platform(flavour)
    if flavour == "moodle":
        assert not platform.tools[client_id].active  # Moodle's own pending state
        platform.activate_tool(client_id)
    driver = LaunchDriver(devlms)

    refused = driver.launch(flavour, client_id, user="teacher", follow_redirects=False)
    assert refused.status_code == 403
    assert "not switched on for your LMS yet" in refused.text and "for this course" not in refused.text
    assert "Ask your LMS administrator" in refused.text and tool_server.url + "/admin/" in refused.text

    admin = admin_session(tool_server)
    console = admin.get(tool_server.url + "/admin/", timeout=30).text
    row = deployment_row(console, deployment_id)
    assert 'data-state="inactive"' in row and "never" in row  # a refused launch is not a launch
    action = re.search(r'action="(/admin/deployments/\d+/activate)"', row)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', row)
    assert action and csrf
    switched = admin.post(tool_server.url + action.group(1), data={"csrf": csrf.group(1)}, timeout=30)
    assert switched.status_code == 200 and "is switched on" in switched.text
    assert 'data-state="active"' in deployment_row(switched.text, deployment_id)

    accepted = driver.launch(flavour, client_id, user="teacher", follow_redirects=False)
    assert accepted.status_code == 303, accepted.text
    assert urlsplit(accepted.headers["Location"]).path == "/teacher/"
    # The console now shows the launch.
    row = deployment_row(admin.get(tool_server.url + "/admin/", timeout=30).text, deployment_id)
    assert "UTC" in row


def test_moodle_keeps_a_registered_tool_out_of_the_activity_chooser_until_switched_on(devlms, tool_server):
    client_id, _, registered = register_dynamically(devlms, tool_server, "moodle")
    assert "Show in activity chooser" in registered  # our page tells the Moodle admin
    devlms.moodle.activate_tool(client_id)
    home = requests.get(devlms.url + "/", timeout=30).text
    assert f'class="chooser-hidden" data-client-id="{client_id}"' in home
    assert "Add content (deep linking, ContentArea)" not in home
    # The teacher switches it on for their course (More › LTI External tools).
    switched = requests.post(
        f"{devlms.url}/moodle/admin/tools/{client_id}/chooser",
        data={"scope": "course", "show": "1"},
        headers={"Accept": "application/json"},
        timeout=30,
    )
    assert switched.json() == {"client_id": client_id, "in_chooser": True}
    home = requests.get(devlms.url + "/", timeout=30).text
    assert "chooser-hidden" not in home and "Add content (deep linking, ContentArea)" in home


def test_a_manually_installed_or_canvas_tool_is_offered_at_once(devlms, tool_server):
    client_id, _, _ = register_dynamically(devlms, tool_server, "canvas")
    assert devlms.canvas.tools[client_id].in_chooser
    home = requests.get(devlms.url + "/", timeout=30).text
    assert f'data-client-id="{client_id}"' not in home


def test_the_site_wide_switch_shows_the_tool_in_every_course(devlms, tool_server):
    client_id, _, _ = register_dynamically(devlms, tool_server, "moodle")
    tool = devlms.moodle.tools[client_id]
    assert tool.coursevisible == 1 and not tool.in_chooser
    requests.post(f"{devlms.url}/moodle/admin/tools/{client_id}/chooser", data={"scope": "site", "show": "1"},
                  timeout=30)
    assert tool.coursevisible == 2 and tool.in_chooser
    # A teacher may still hide it in their own course.
    requests.post(f"{devlms.url}/moodle/admin/tools/{client_id}/chooser", data={"scope": "course", "show": "0"},
                  timeout=30)
    assert not tool.in_chooser


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_the_lms_administrator_switches_it_on_from_their_own_launch(devlms, tool_server, flavour):
    """No password, no shell: the platform's administrator opens the tool and switches it on there."""
    client_id, deployment_id, _ = register_dynamically(devlms, tool_server, flavour)
    if flavour == "moodle":
        devlms.moodle.activate_tool(client_id)
    driver = LaunchDriver(devlms)
    teacher = driver.launch(flavour, client_id, user="teacher", follow_redirects=False)
    assert teacher.status_code == 403 and 'id="activate-here"' not in teacher.text

    admin = driver.launch(flavour, client_id, user="admin", follow_redirects=False)
    assert admin.status_code == 403
    offer = re.search(r'name="offer" value="([^"]+)"', admin.text)
    assert offer and 'id="activate-here"' in admin.text
    done = driver.session.post(tool_server.url + "/admin/activate-offer", data={"offer": offer.group(1)}, timeout=30)
    assert done.status_code == 200 and "Stepping Stones is switched on" in done.text
    assert f"deployment {deployment_id}" in done.text

    assert driver.launch(flavour, client_id, user="teacher", follow_redirects=False).status_code == 303
    # The administrator's next launch reaches the tool, and from there their console (their platform only).
    again = driver.launch(flavour, client_id, user="admin", follow_redirects=False)
    assert again.status_code == 303, again.text
    token = re.search(r"lt=([^&]+)", again.headers["Location"]).group(1)
    console = driver.session.get(tool_server.url + "/admin/", params={"lt": token}, timeout=30)
    assert console.status_code == 200
    assert 'data-state="active"' in deployment_row(console.text, deployment_id)
    assert "(your LMS only)" in console.text
