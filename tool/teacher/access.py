"""Who may enter the teacher area.

``require_instructor`` resolves the launch from the request's ``lt`` token and
admits only Instructor-type roles. Objects are then fetched through
``tool.teacher.queries`` with that launch's scope, so an id from another course
is a 404, never a leak.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import g

from tool.lti.launch import Launch
from tool.lti.session import current_launch
from tool.pages import UserFacingError

P = ParamSpec("P")
R = TypeVar("R")


def require_instructor(view: Callable[P, R]) -> Callable[P, R]:
    """Run ``view`` only for an instructor launch; the launch is in ``g.launch``."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        launch = current_launch()
        if not launch.is_instructor:
            raise UserFacingError(
                "This page is for teachers",
                "Your course role does not include teaching, so the teacher area is closed to you.",
                "If you are the teacher of this course, ask your platform administrator to check your role.",
                status=403,
            )
        if not launch.context_id:
            raise UserFacingError(
                "Please open Stepping Stones from inside a course",
                "This launch did not say which course it came from.",
                "Open Stepping Stones from a link inside your course.",
                status=400,
            )
        g.launch = launch
        return view(*args, **kwargs)

    return wrapper


def launch() -> Launch:
    """The instructor launch admitted by ``require_instructor`` for this request."""
    return g.launch  # type: ignore[no-any-return]
