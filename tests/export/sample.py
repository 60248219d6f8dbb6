"""A ready sequence whose every field carries a marker, written with the privacy placeholders and a
job that knows the names, plus an instructor launch in its course."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from publish.factories import INSTRUCTOR, SCOPE, _platforms, launch_token

from tool import db
from tool.generation.model import Diagnostic, Phrase, Source, Task
from tool.generation.model import Sequence as Content
from tool.teacher.models import Course, GenerationJob, Sequence, SequenceVersion, User

STUDENT_NAME = "Kıvanç Öztürk"
TEACHER_NAME = "Ms Tina Teacher"
NAMES = {"the student": STUDENT_NAME, "[Teacher]": TEACHER_NAME}
TASKS = 5


def content() -> Content:
    return Content(
        title_skill="Speaking up in class discussion",
        target_skill="Giving an opinion in a whole-class discussion",
        current_avoidance="AVOIDANCE-TEXT: the student looks down and says pass",
        student_level="Year 9",
        diagnostic=Diagnostic(
            primary_barrier="BARRIER-TEXT: few mastery experiences of speaking",
            starting_point="START-TEXT: the student talks freely in pairs",
            sequence_strategy="STRATEGY-TEXT: pairs first, then the class",
        ),
        tasks=[
            Task(
                name=f"Step name {n}",
                student_does=f"DOES-{n}: the student says one idea to a partner",
                sources=[Source.MASTERY, Source.PERSUASION] if n == 1 else [Source.MASTERY],
                why_it_builds_efficacy=f"WHY-{n}: a success the student can see",
                success_looks_like=f"SUCCESS-{n}: one idea said aloud",
                teacher_script=f"SCRIPT-{n}: the student, you planned your point and it worked <b>",
                if_struggles=f"STRUGGLE-{n}: [Teacher] offers a sentence starter",
                student_instructions=f"INSTR-{n}: Tell [Teacher] your first point. Then say it again. <b>ok</b>",
                increment=None if n == 1 else f"INCREMENT-{n}: one more listener",
            )
            for n in range(1, TASKS + 1)
        ],
        phrases_to_use=[Phrase(text="USE-PHRASE: You planned that point", why="USE-WHY: names the strategy")],
        phrases_to_avoid=[Phrase(text="AVOID-PHRASE: You're a natural")],
        long_term_plan="PLAN-TEXT: move to small-group discussion after half term",
        cautions=["CAUTION-TEXT: never cold-call the student in week one"],
    )


@dataclass
class Exported:
    app: Flask
    public_id: str
    lt: str

    def get(self, path: str, **query: str) -> object:
        return self.app.test_client().get(
            f"/teacher/s/{self.public_id}/{path}", query_string={"lt": self.lt, **query}
        )


@pytest.fixture
def exported(app: Flask) -> Exported:
    with app.app_context(), db.transaction() as s:
        _platforms(s)
        course = Course(registration_id=SCOPE[0], deployment_pk=SCOPE[1], context_id=SCOPE[2], title="Year 9")
        teacher = User(registration_id=SCOPE[0], sub="3", display_name=TEACHER_NAME)
        student = User(registration_id=SCOPE[0], sub="4", display_name=STUDENT_NAME)
        s.add_all([course, teacher, student])
        s.flush()
        row = Sequence(
            course_id=course.id,
            created_by_id=teacher.id,
            target_user_id=student.id,
            inputs={"target_skill": "Giving an opinion", "student_level": "Year 9", "current_avoidance": "pass"},
            status="ready",
            current_version=1,
        )
        s.add(row)
        s.flush()
        job = GenerationJob(sequence_id=row.id, kind="full", status="ready", redactions=NAMES)
        s.add(job)
        s.flush()
        s.add(
            SequenceVersion(
                sequence_id=row.id, number=1, content=content().model_dump(mode="json"), source="generated",
                job_id=job.id,
            )
        )
        public_id = row.public_id
    return Exported(app, public_id, launch_token(app, "3", roles=(INSTRUCTOR,)))
