"""The admin console through the Flask test client: sign-in, scoping, CSRF, approval, activation, usage."""

from __future__ import annotations

import re

import pytest

from tests.lti.platform import LTI, LoopbackPlatform, launch, register
from tool.lti.runtime import get_runtime

from .conftest import PASSWORD

ADMIN_ROLES = [
    "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
    "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
]
TEACHER_ROLES = ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]


@pytest.fixture
def platform():
    server = LoopbackPlatform()
    yield server
    server.close()


def sign_in(client, password=PASSWORD):
    return client.post("/admin/login", data={"password": password})


def csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert match, page
    return match.group(1)


def deployment_pk(app, issuer, client_id, deployment_id):
    for info, deployments in get_runtime(app).registry.overview():
        if (info.issuer, info.client_id) == (issuer, client_id):
            return next(d.pk for d in deployments if d.deployment_id == deployment_id)
    raise AssertionError("no such deployment")


def test_the_console_needs_a_sign_in(client, app, platform):
    register(app, platform, deployment_active=False)
    assert client.get("/admin/").status_code == 303
    pk = deployment_pk(app, platform.issuer, platform.client_id, "dep-1")
    refused = client.post(f"/admin/deployments/{pk}/activate")
    assert refused.status_code == 403
    assert get_runtime(app).registry.find(platform.issuer, platform.client_id) is not None
    assert not get_runtime(app).registry.deployment_by_pk(pk)[1].active


def test_a_wrong_password_is_refused_and_repeated_failures_are_throttled(client):
    assert sign_in(client, "wrong").status_code == 403
    for _ in range(9):
        sign_in(client, "still wrong")
    assert sign_in(client, PASSWORD).status_code == 429  # even the right one, for a while
    assert client.get("/admin/").status_code == 303


def test_sign_in_sets_a_hardened_cookie_and_sign_out_revokes_it(client):
    response = sign_in(client)
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin" in cookie
    assert client.get("/admin/").status_code == 200
    value = client.get_cookie("ss_admin", path="/admin").value
    client.post("/admin/logout")
    client.set_cookie("ss_admin", value, path="/admin")  # replaying the old cookie does not help
    assert client.get("/admin/").status_code == 303


def test_the_password_admin_activates_and_deactivates_a_deployment(client, app, platform):
    register(app, platform, deployment_active=False)
    pk = deployment_pk(app, platform.issuer, platform.client_id, "dep-1")
    sign_in(client)
    page = client.get("/admin/").get_data(as_text=True)
    assert 'data-deployment="dep-1" data-state="inactive"' in page
    # Without the form's CSRF field the action is refused.
    assert client.post(f"/admin/deployments/{pk}/activate").status_code == 400
    done = client.post(f"/admin/deployments/{pk}/activate", data={"csrf": csrf(page)})
    assert done.status_code == 303
    assert get_runtime(app).registry.deployment_by_pk(pk)[1].active
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "is switched on" in page and 'data-state="active"' in page
    assert launch(client, platform).status_code in (302, 303)
    client.post(f"/admin/deployments/{pk}/deactivate", data={"csrf": csrf(page)})
    assert not get_runtime(app).registry.deployment_by_pk(pk)[1].active
    refused = launch(client, platform)
    assert refused.status_code == 403


def test_a_pending_registration_is_approved_in_the_console(client, app, platform):
    registry = get_runtime(app).registry
    info = register(app, platform, deployment_active=False, status="pending")
    assert registry.find(platform.issuer, platform.client_id) is None
    sign_in(client)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Waiting for approval" in page and platform.client_id in page
    pk = deployment_pk(app, platform.issuer, platform.client_id, "dep-1")
    # A deployment of a pending registration cannot be switched on before approval.
    assert client.post(f"/admin/deployments/{pk}/activate", data={"csrf": csrf(page)}).status_code == 409
    client.post(f"/admin/registrations/{info.pk}/approve", data={"csrf": csrf(page)})
    assert registry.find(platform.issuer, platform.client_id) is not None
    client.post(f"/admin/deployments/{pk}/activate", data={"csrf": csrf(page)})
    assert launch(client, platform).status_code in (302, 303)


def test_only_a_pending_registration_can_be_removed(client, app, platform):
    registry = get_runtime(app).registry
    active = register(app, platform)
    pending = registry.save_registration(
        issuer=platform.issuer, client_id="other-client", auth_login_url="https://a/auth",
        auth_token_url="https://a/token", jwks_url="https://a/jwks", status="pending", source="dynamic",
    )
    sign_in(client)
    token = csrf(client.get("/admin/").get_data(as_text=True))
    assert client.post(f"/admin/registrations/{active.pk}/remove", data={"csrf": token}).status_code == 409
    assert client.post(f"/admin/registrations/{pending.pk}/remove", data={"csrf": token}).status_code == 303
    assert registry.any_registration(platform.issuer, "other-client") is None
    assert registry.find(platform.issuer, platform.client_id) is not None


def test_unknown_and_huge_ids_are_404_not_500(client):
    sign_in(client)
    token = csrf(client.get("/admin/").get_data(as_text=True))
    for pk in ("999", str(2**70)):
        for path in (f"/admin/deployments/{pk}/activate", f"/admin/registrations/{pk}/approve"):
            assert client.post(path, data={"csrf": token}).status_code == 404, path


def test_a_teacher_launch_to_an_inactive_deployment_says_where_to_switch_it_on(client, app, platform):
    register(app, platform, deployment_active=False)
    response = launch(client, platform, **{LTI + "roles": TEACHER_ROLES})
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "not switched on for your LMS yet" in page
    assert "for this course" not in page
    assert "Ask your LMS administrator" in page and "http://127.0.0.1:5000/admin/" in page
    assert 'id="activate-here"' not in page  # a teacher gets no switch


def test_a_platform_admin_switches_the_deployment_on_from_the_launch(client, app, platform):
    register(app, platform, deployment_active=False)
    response = launch(client, platform, **{LTI + "roles": ADMIN_ROLES})
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    offer = re.search(r'name="offer" value="([^"]+)"', page)
    assert offer and 'id="activate-here"' in page
    done = client.post("/admin/activate-offer", data={"offer": offer.group(1)})
    assert done.status_code == 200
    assert "Stepping Stones is switched on" in done.get_data(as_text=True)
    pk = deployment_pk(app, platform.issuer, platform.client_id, "dep-1")
    assert get_runtime(app).registry.deployment_by_pk(pk)[1].active
    # The offer is single use, and a forged one does nothing.
    assert client.post("/admin/activate-offer", data={"offer": offer.group(1)}).status_code == 400
    assert client.post("/admin/activate-offer", data={"offer": "forged"}).status_code == 400
    teacher = launch(client, platform, **{LTI + "roles": TEACHER_ROLES})
    assert teacher.status_code in (302, 303)


def test_a_platform_admin_sees_only_their_own_registration(client, app, platform):
    register(app, platform)
    get_runtime(app).registry.save_registration(
        issuer="https://other-school.example", client_id="c9", auth_login_url="https://o/auth",
        auth_token_url="https://o/token", jwks_url="https://o/jwks", deployment_ids=("d9",),
    )
    response = launch(client, platform, **{LTI + "roles": ADMIN_ROLES})
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    token = re.search(r"lt=([^&]+)", response.headers["Location"]).group(1)
    page = client.get("/admin/", query_string={"lt": token}).get_data(as_text=True)
    assert platform.issuer in page and "other-school.example" not in page
    other = deployment_pk(app, "https://other-school.example", "c9", "d9")
    assert client.post(f"/admin/deployments/{other}/deactivate", data={"lt": token}).status_code == 404
    mine = deployment_pk(app, platform.issuer, platform.client_id, "dep-1")
    assert client.post(f"/admin/deployments/{mine}/deactivate", data={"lt": token}).status_code == 303


def test_a_teacher_launch_token_does_not_open_the_console(client, app, platform):
    register(app, platform)
    response = launch(client, platform, **{LTI + "roles": TEACHER_ROLES})
    token = re.search(r"lt=([^&]+)", response.headers["Location"]).group(1)
    assert client.get("/admin/", query_string={"lt": token}).status_code == 303
    pk = deployment_pk(app, platform.issuer, platform.client_id, "dep-1")
    assert client.post(f"/admin/deployments/{pk}/deactivate", data={"lt": token}).status_code == 403


def test_usage_per_deployment_is_shown(client, app, platform):
    register(app, platform)
    assert launch(client, platform, **{LTI + "roles": TEACHER_ROLES}).status_code in (302, 303)
    sign_in(client)
    page = client.get("/admin/").get_data(as_text=True)
    row = re.search(r'<tr data-deployment="dep-1".*?</tr>', page, re.S)
    assert row and "never" not in row.group(0) and "UTC" in row.group(0)  # the launch was recorded


def test_a_platform_admins_pages_link_to_the_console_and_a_teachers_do_not(client, app, platform):
    register(app, platform)
    admin = launch(client, platform, **{LTI + "roles": ADMIN_ROLES})
    page = client.get(admin.headers["Location"]).get_data(as_text=True)
    assert 'id="admin-console-link"' in page and "/admin/?lt=" in page
    teacher = launch(client, platform, **{LTI + "roles": TEACHER_ROLES})
    page = client.get(teacher.headers["Location"]).get_data(as_text=True)
    assert 'id="admin-console-link"' not in page


def test_the_tool_admin_suspends_a_platform_and_approves_it_again(client, app, platform):
    info = register(app, platform)
    registry = get_runtime(app).registry
    sign_in(client)
    token = csrf(client.get("/admin/").get_data(as_text=True))
    assert client.post(f"/admin/registrations/{info.pk}/suspend", data={"csrf": token}).status_code == 303
    assert registry.find(platform.issuer, platform.client_id) is None
    refused = client.get("/lti/login", query_string={"iss": platform.issuer, "client_id": platform.client_id,
                                                     "login_hint": "u", "target_link_uri": "http://127.0.0.1:5000/lti/launch"})
    assert refused.status_code == 403 and "waiting for its administrator" in refused.get_data(as_text=True)
    client.post(f"/admin/registrations/{info.pk}/approve", data={"csrf": token})
    assert launch(client, platform).status_code in (302, 303)


def test_suspending_a_platform_ends_the_launches_already_open(client, app, platform):
    info = register(app, platform)
    response = launch(client, platform, **{LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]})
    teacher_page = "/teacher/?lt=" + re.search(r"lt=([^&]+)", response.headers["Location"]).group(1)
    assert client.get(teacher_page).status_code == 200
    sign_in(client)
    csrf_token = csrf(client.get("/admin/").get_data(as_text=True))
    assert client.post(f"/admin/registrations/{info.pk}/suspend", data={"csrf": csrf_token}).status_code == 303
    refused = client.get(teacher_page)
    assert refused.status_code == 403 and "switched off" in refused.get_data(as_text=True)
    client.post(f"/admin/registrations/{info.pk}/approve", data={"csrf": csrf_token})
    assert client.get(teacher_page).status_code == 200  # approved again: the same launch works


def test_a_platform_admin_cannot_suspend_their_own_platform(client, app, platform):
    info = register(app, platform)
    response = launch(client, platform, **{LTI + "roles": ADMIN_ROLES})
    token = re.search(r"lt=([^&]+)", response.headers["Location"]).group(1)
    assert client.post(f"/admin/registrations/{info.pk}/suspend", data={"lt": token}).status_code == 403
    assert get_runtime(app).registry.find(platform.issuer, platform.client_id) is not None
