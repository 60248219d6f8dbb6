"""UK/US school terms: the request form's level example follows the launch's locale (or, without a region,
the platform: Canvas's "en" is American English, Moodle's British)."""

from __future__ import annotations

from typing import Any

import pytest

from tool.lti.launch import Launch
from tool.teacher.wording import school_levels

from .conftest import MakeLaunch


def _launch(**fields: Any) -> Launch:
    return Launch(launch_id="x", registration_id=1, deployment_pk=1, issuer="i", client_id="c", deployment_id="d",
                  message_type="LtiResourceLinkRequest", user_sub="s", roles=(), **fields)


@pytest.mark.parametrize(
    ("locale", "family", "expected"),
    [
        ("en-US", "moodle", "grade"),
        ("en_CA", "moodle", "grade"),
        ("en-GB", "canvas", "year"),
        ("en-AU", "canvas", "year"),
        ("en", "canvas", "grade"),
        ("en", "moodle", "year"),
        (None, None, "year"),
        ("fr", "canvas", "grade"),
    ],
)
def test_the_school_levels_follow_the_locale_then_the_platform(locale, family, expected):
    assert school_levels(_launch(locale=locale, platform_family=family)) == expected


def test_the_request_form_speaks_the_schools_terms(client, make_launch: MakeLaunch):
    american = client.get("/teacher/new", query_string={"lt": make_launch(locale="en-US")}).get_data(as_text=True)
    british = client.get("/teacher/new", query_string={"lt": make_launch(locale="en-GB")}).get_data(as_text=True)
    assert "Example: “Grade 7”" in american and "Example: “Year 8”" not in american
    assert "Example: “Year 8”" in british and "Grade 7" not in british
