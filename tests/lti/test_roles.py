"""Who counts as teacher or student: the course (membership) role decides, never a role held elsewhere."""

from __future__ import annotations

import pytest

from tool.lti.launch import instructor_in, learner_in
from tool.lti.nrps import Member

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
M = LIS + "membership#"


@pytest.mark.parametrize(
    ("roles", "teacher", "student"),
    [
        ([M + "Instructor"], True, False),
        (["Instructor"], True, False),
        ([LIS + "membership/Instructor#TeachingAssistant"], True, False),
        ([M + "Learner"], False, True),
        ([LIS + "membership/Learner#NonCreditLearner"], False, True),
        ([M + "Learner", LIS + "institution/person#Instructor"], False, True),
        ([M + "Learner", LIS + "institution/person#Administrator"], False, True),
        ([LIS + "institution/person#Faculty"], False, False),
        ([LIS + "institution/person#Administrator"], True, False),
        ([LIS + "institution/person#Student"], False, True),
        ([M + "Mentor"], False, False),
        ([], False, False),
    ],
)
def test_roles(roles, teacher, student):
    assert instructor_in(roles) is teacher
    assert learner_in(roles) is student


def test_roster_member_who_teaches_elsewhere_is_still_a_student():
    member = Member(user_id="u1", roles=(M + "Learner", LIS + "institution/person#Instructor"))
    assert member.is_learner and not member.is_instructor
