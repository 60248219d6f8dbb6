"""Who the new-sequence form offers as students: the course's learners only."""

from __future__ import annotations

from tool.lti.nrps import Member
from tool.teacher.roster import learners

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person"


def _member(user_id: str, name: str, *roles: str) -> Member:
    return Member(user_id=user_id, name=name, roles=roles)


def test_learners_are_the_course_students_sorted_by_name() -> None:
    members = [
        _member("1", "zoe", MEMBERSHIP + "#Learner"),
        _member("2", "Tina Teacher", MEMBERSHIP + "#Instructor"),
        _member("3", "Ann", MEMBERSHIP + "/Learner#NonCreditLearner"),
        # Teaches another course (institution role) but is a student here.
        _member("4", "Ben", MEMBERSHIP + "#Learner", INSTITUTION + "#Instructor"),
        _member("5", "Mentor", MEMBERSHIP + "#Mentor"),
    ]
    assert [m.user_id for m in learners(members)] == ["3", "4", "1"]


def test_no_roster_means_no_learners() -> None:
    assert learners(None) == []
