"""A teacher's launch in Course 101 for tests that drive the teacher's code without a browser."""

from __future__ import annotations

from tool.lti.launch import Launch


def teacher_launch(platform: dict[str, int], launch_id: str = "l1") -> Launch:
    """Tina Teacher's launch on the test platform (``platform`` holds its registration and deployment ids)."""
    return Launch(
        launch_id=launch_id,
        registration_id=platform["registration_id"],
        deployment_pk=platform["deployment_pk"],
        issuer="http://127.0.0.1:9/canvas",
        client_id="client-1",
        deployment_id="dep-1",
        message_type="LtiResourceLinkRequest",
        user_sub="teacher-sub-1",
        roles=("Instructor",),
        context_id="course-101",
        user_name="Tina Teacher",
    )
