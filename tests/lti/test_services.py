"""Token, AGS, NRPS and deep-linking clients against the development LMS over loopback HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from devlms.testing import LaunchDriver, answer_summary, parse_auto_submit_form
from tool.lti.ags import AgsClient, service_url
from tool.lti.deep_linking import DeepLinkingError, deep_linking_form, response_claims
from tool.lti.line_items import ToolDeepLinkResource, ToolLineItem
from tool.lti.nrps import NrpsClient
from tool.lti.runtime import get_runtime
from tool.lti.services import MissingScope, ServiceError, ServiceSession
from tool.lti.session import current_launch
from tool.lti.tool_configuration import SCOPE_LINEITEM, SCOPE_NRPS, SCOPE_SCORE

from .test_devlms_integration import FLAVOURS, install_manually

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def launch_of(devlms, tool_server, flavour, client_id, user="teacher", message="LtiResourceLinkRequest"):
    response = LaunchDriver(devlms).launch(flavour, client_id, user=user, message=message, follow_redirects=False)
    assert response.status_code == 303, response.text
    token = parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]
    with tool_server.app.test_request_context(f"/?lt={token}"):
        return current_launch()


@pytest.fixture(params=FLAVOURS)
def installed(request, devlms, tool_server):
    flavour = request.param
    client_id, _ = install_manually(devlms, tool_server, flavour)
    return flavour, client_id, launch_of(devlms, tool_server, flavour, client_id)


def test_service_url_keeps_moodle_query():
    assert service_url("http://m/services.php/2/lineitems/3/lineitem?type_id=1", "/scores") == (
        "http://m/services.php/2/lineitems/3/lineitem/scores?type_id=1"
    )


def test_access_token_is_cached_in_the_kv_store(installed, tool_server):
    _, _, launch = installed
    with tool_server.app.app_context():
        runtime = get_runtime(tool_server.app)
        session = ServiceSession.for_registration(runtime, launch.registration_id)
        first = session.access_token([SCOPE_NRPS])
        # A second session (another process would build its own) reuses the stored token.
        again = ServiceSession.for_registration(runtime, launch.registration_id).access_token([SCOPE_NRPS])
        assert first == again
        assert session.access_token([SCOPE_SCORE]) != first  # cached per scope set


def test_ags_create_list_and_score(installed, devlms, tool_server):
    flavour, _client_id, launch = installed
    platform = devlms.platform(flavour)
    with tool_server.app.app_context():
        ags = AgsClient.for_launch(get_runtime(tool_server.app), launch)
        items = []
        for n in (1, 2, 3):
            item = ToolLineItem().set_label(f"Step {n}").set_score_maximum(1).set_resource_id(f"st_{n}").set_tag("ss")
            if flavour == "canvas":
                item.set_canvas_submission_type("external_tool", f"{tool_server.url}/lti/launch?step=st_{n}")
            items.append(ags.create_line_item(item))
        assert [i["label"] for i in items] == ["Step 1", "Step 2", "Step 3"]
        assert [i["resourceId"] for i in ags.list_line_items(resource_id="st_2")] == ["st_2"]
        sep = "&" if "?" in ags.lineitems_url else "?"
        paged = AgsClient(ags.session, ags.lineitems_url + sep + "limit=1")
        assert sorted(i["resourceId"] for i in paged.list_line_items(tag="ss")) == ["st_1", "st_2", "st_3"]
        student = next(u for u in platform_users(devlms, flavour) if u["key"] == "student1")
        ags.post_score(items[1]["id"], user_id=student["sub"], score_given=1, score_maximum=1, comment="done")
    rows = [r for r in platform.gradebook() if r["label"] == "Step 2"]
    assert rows and rows[0]["user_id"] == student["sub"] and rows[0]["result"] == 1
    if flavour == "canvas":
        links = [link for link in platform.links.values() if link.title == "Step 1"]
        assert links and links[0].submission_type == "external_tool"
        assert links[0].url == f"{tool_server.url}/lti/launch?step=st_1"


def platform_users(devlms, flavour):
    from devlms.model import USERS

    return [{"key": u.key, "sub": u.sub(flavour)} for u in USERS]


def test_nrps_members_with_roles_normalised(installed, tool_server):
    _flavour, _, launch = installed
    with tool_server.app.app_context():
        nrps = NrpsClient.for_launch(get_runtime(tool_server.app), launch)
        members = nrps.members()
        learners = nrps.members(role="Learner")
    names = {m.display_name for m in members}
    assert {"Tina Teacher", "Sam Student", "Sue Scholar", "Ravi Reader"} <= names
    teacher = next(m for m in members if m.display_name == "Tina Teacher")
    assert teacher.is_instructor and teacher.user_id == launch.user_sub
    assert learners and all(LEARNER in m.roles and m.is_learner for m in learners)
    assert "Tina Teacher" not in {m.display_name for m in learners}


def test_missing_scope_is_named_before_calling(devlms, tool_server):
    client_id, _ = install_manually(devlms, tool_server, "canvas", scopes=[SCOPE_LINEITEM, SCOPE_SCORE])
    launch = launch_of(devlms, tool_server, "canvas", client_id)
    assert launch.nrps_url is None  # the platform does not even offer the service
    url = devlms.canvas.memberships_url(devlms.canvas.tools[client_id])
    with tool_server.app.app_context():
        session = ServiceSession.for_registration(get_runtime(tool_server.app), launch.registration_id)
        with pytest.raises(MissingScope) as caught:
            NrpsClient(session, url).members()
    assert SCOPE_NRPS in str(caught.value)
    assert caught.value.missing == (SCOPE_NRPS,)


def test_scope_stripped_by_the_admin_later_is_reported(devlms, tool_server):
    client_id, _ = install_manually(devlms, tool_server, "moodle")
    launch = launch_of(devlms, tool_server, "moodle", client_id)
    tool = devlms.moodle.tools[client_id]
    tool.scopes = [s for s in tool.scopes if s != SCOPE_NRPS]
    with tool_server.app.app_context(), pytest.raises(ServiceError) as caught:
        NrpsClient.for_launch(get_runtime(tool_server.app), launch).members()
    assert SCOPE_NRPS in str(caught.value)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_deep_linking_response_creates_items_in_the_platform(devlms, tool_server, flavour):
    client_id, _ = install_manually(devlms, tool_server, flavour)
    launch = launch_of(devlms, tool_server, flavour, client_id, message="LtiDeepLinkingRequest")
    assert launch.is_deep_linking and launch.deep_linking_settings
    items = []
    for n in (1, 2):
        item = (
            ToolDeepLinkResource()
            .set_title(f"Step {n}")
            .set_url(f"{tool_server.url}/lti/launch?step=st_{n}")
            .set_custom_params({"ss_sequence": "sq_1", "ss_step": f"st_{n}"})
            .set_text("A small task")
            .set_available(start="2030-01-01T00:00:00Z")
            .set_lineitem(ToolLineItem().set_score_maximum(1).set_label(f"Step {n}").set_resource_id(f"st_{n}"))
        )
        items.append(item.set_window(target_name="ss"))
    with tool_server.app.app_context():
        runtime = get_runtime(tool_server.app)
        claims = response_claims(launch, items)
        assert claims["iss"] == client_id and claims["aud"] == launch.issuer
        page = deep_linking_form(runtime, launch, items)
        key = runtime.tool_keys.signing_key()
    form = parse_auto_submit_form(page)
    decoded = jwt.decode(form.fields["JWT"], key.private_key.public_key(), algorithms=["RS256"], audience=launch.issuer)
    assert decoded["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"][0]["window"] == {"targetName": "ss"}
    answer = requests.post(form.action, data=form.fields, timeout=30)
    assert answer.status_code == 200, answer.text
    answer_summary(answer)  # Moodle creates the activities only when the teacher presses Save
    created = [link for link in devlms.platform(flavour).links.values() if link.title in ("Step 1", "Step 2")]
    assert len(created) == 2
    assert {link.custom.get("ss_step") for link in created} == {"st_1", "st_2"}


def test_deep_linking_needs_a_deep_linking_launch(installed):
    _, _, launch = installed
    with pytest.raises(DeepLinkingError):
        response_claims(launch, [ToolDeepLinkResource().set_title("x")])


def test_canvas_submission_type_is_limited():
    with pytest.raises(ValueError, match="none or external_tool"):
        ToolLineItem().set_canvas_submission_type("online_upload")
    body = ToolLineItem().set_label("a").set_score_maximum(2).set_canvas_submission_type("none").to_dict()
    assert body["https://canvas.instructure.com/lti/submission_type"] == {"type": "none"}
