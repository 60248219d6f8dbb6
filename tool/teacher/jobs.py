"""Starting generation jobs: redact first, save, then enqueue.

The job row is committed before the message is published, so the worker always
finds it. If the broker cannot be reached the job stays queued with the teacher's
inputs, marked as not yet dispatched; the sweeper (``tasks.sweep``) hands it over
when the broker is back.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from tool.generation.model import Sequence, SequenceRequest
from tool.lti.launch import Launch
from tool.lti.nrps import Member
from tool.teacher import job_states, tasks
from tool.teacher.job_states import JobState
from tool.teacher.models import GenerationJob, User
from tool.teacher.models import Sequence as SequenceRow
from tool.teacher.privacy import Person, Redactor

log = logging.getLogger(__name__)
BROKER_DOWN_NOTE = (
    "The background writer cannot be reached just now. Your request is saved and will start "
    "by itself as soon as it is back; you do not need to type it again."
)


def people_for(launch: Launch, row: SequenceRow, roster: list[Member] | None) -> list[Person]:
    """Everyone whose identity must not reach the LLM, with the role that picks their placeholder."""
    people = [
        Person.of(
            "teacher",
            names=(launch.user_name, launch.user_given_name, launch.user_family_name),
            emails=(launch.user_email,),
            ids=(launch.user_sub,),
        )
    ]
    target: User | None = row.target_user
    target_sub = target.sub if target is not None else None
    if target is not None:
        people.append(
            Person.of(
                "target",
                names=(target.display_name, target.given_name, target.family_name),
                emails=(target.email,),
                ids=(target.sub,),
            )
        )
    if row.target_label:
        people.append(Person.of("target", names=(row.target_label,)))
    for member in roster or ():
        role = "target" if member.user_id == target_sub else "classmate"
        if member.user_id == launch.user_sub:
            role = "teacher"
        people.append(
            Person.of(
                role,  # type: ignore[arg-type]
                names=(member.name, member.given_name, member.family_name),
                emails=(member.email,),
                ids=(member.user_id,),
            )
        )
    return _merge_targets(people)


def _merge_targets(people: list[Person]) -> list[Person]:
    """One target person (label, user row and roster entry describe the same student)."""
    targets = [p for p in people if p.role == "target"]
    if len(targets) <= 1:
        return people
    merged = Person.of(
        "target",
        names=[n for p in targets for n in p.names],
        emails=[e for p in targets for e in p.emails],
        ids=[i for p in targets for i in p.ids],
    )
    return [p for p in people if p.role != "target"] + [merged]


def start_job(
    db: Session,
    launch: Launch,
    row: SequenceRow,
    *,
    created_by: User,
    roster: list[Member] | None,
    kind: str = "full",
    task_index: int | None = None,
    base: Sequence | None = None,
) -> GenerationJob:
    """Create, commit and enqueue a job for ``row``; the payload is redacted here."""
    redactor = Redactor(people_for(launch, row, roster))
    request = redactor.model(SequenceRequest.model_validate(row.inputs))
    payload: dict[str, object] = {"request": request.model_dump(mode="json"), "sequence": None}
    if base is not None:
        payload["sequence"] = redactor.model(base).model_dump(mode="json")
    job_states.supersede_stopped(db, row.id)
    job = GenerationJob(
        sequence_id=row.id,
        kind=kind,
        task_index=task_index,
        base_version=row.current_version if kind == "task" else None,
        status=JobState.QUEUED,
        attempts=0,
        payload=payload,
        redactions=redactor.restorations(),
        created_by_id=created_by.id,
    )
    db.add(job)
    job_states.created(db, job)
    db.commit()
    if not tasks.dispatch(db, job.id):
        job.error_reason = BROKER_DOWN_NOTE
        db.commit()
    return job
