"""A task rewrite sends the sequence with everything the teacher typed redacted, however many rewrites ago."""

from __future__ import annotations

import copy

from flask import Flask
from sqlalchemy import select
from support.launches import teacher_launch

from tests.teacher.rows import make_sequence
from tests.teacher.sample import SEQUENCE
from tool.db import session
from tool.generation.model import Sequence as SequenceContent
from tool.lti.launch import Launch
from tool.teacher import queries
from tool.teacher.jobs import start_job
from tool.teacher.models import Sequence, SequenceVersion


def _launch(platform: dict[str, int]) -> Launch:
    return teacher_launch(platform, "l-rewrite")


def test_text_the_teacher_typed_before_an_earlier_rewrite_is_still_redacted(
    app: Flask, platform: dict[str, int]
) -> None:
    public_id = make_sequence(app, platform, label="Priya")  # version 1: generated
    edited = copy.deepcopy(SEQUENCE)
    edited["tasks"][1]["student_does"] = "Priya reads the first line to Tina."
    with app.app_context():
        db = session()
        row = db.scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        # Version 2: the teacher's edit. Version 3: a rewrite of task 1 spliced into it (as the worker does).
        db.add(SequenceVersion(sequence_id=row.id, number=2, content=edited, findings=[], source="edited"))
        db.add(SequenceVersion(sequence_id=row.id, number=3, content=edited, findings=[], source="regenerated_task"))
        row.current_version = 3
        db.commit()
        launch = _launch(platform)
        author = queries.launch_user(db, launch)
        base = SequenceContent.model_validate(edited)
        job = start_job(db, launch, row, created_by=author, roster=None, kind="task", task_index=2, base=base)
        sent = job.payload["sequence"]
        assert sent["tasks"][1]["student_does"] == "The student reads the first line to [Teacher]."
        assert sent["tasks"][0] == SEQUENCE["tasks"][0]  # the model's own words travel as they were written
