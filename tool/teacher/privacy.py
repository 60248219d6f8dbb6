"""Keep students' identities away from the LLM (the implementation lives in ``tool.privacy``).

Before a request (or a sequence, for a one-task rewrite) goes to a generator,
every identity in text the teacher wrote is replaced by a neutral placeholder:
the target student becomes "the student", any other roster member "a
classmate", the teacher "[Teacher]". The placeholder -> original mapping stays
on our side (with the job) and is used only to restore names when a page is
rendered for the teacher.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tool.generation.model import Sequence, SequenceRequest
from tool.privacy import (
    EMAIL_PLACEHOLDER,
    PLACEHOLDERS,
    RESTORABLE,
    Person,
    Redactor,
    Role,
    restore,
    restore_data,
)
from tool.privacy.choices import words_for_job
from tool.privacy.redactor import EMAIL
from tool.privacy.roster import people_for

__all__ = [
    "EMAIL",
    "EMAIL_PLACEHOLDER",
    "PLACEHOLDERS",
    "RESTORABLE",
    "Person",
    "Redactor",
    "Role",
    "job_redactor",
    "model_output",
    "people_for",
    "restore",
    "restore_data",
]


def request_key(inputs: dict[str, Any]) -> dict[str, Any]:
    """The request as the preview and the job both see it (validated, so blank fields read alike)."""
    try:
        return SequenceRequest.model_validate(inputs).model_dump(mode="json")
    except ValueError:
        return dict(inputs)


def job_redactor(launch: Any, row: Any, roster: Iterable[Any] | None, db: Session | None = None) -> Redactor:
    """The redactor for one generation job of sequence ``row``: everyone the LMS told us about,
    plus the words the teacher chose to hide in the preview (kept per sequence)."""
    hidden = words_for_job(db, row.id, launch.launch_id, request_key(row.inputs)) if db is not None else []
    return Redactor(people_for(launch, row.target_user, row.target_label, roster), hidden=hidden)


def model_output(db: Session, row: Any) -> Sequence | None:
    """The newest whole sequence the generator wrote from redacted input: on a task rewrite, fields
    still equal to it are the model's own text and are sent as they are, so only what the teacher
    wrote or changed is redacted again.

    Only full generations count: a one-task rewrite's version is the teacher's current version
    with one new task spliced in, so it may carry text the teacher typed, names included.
    """
    from tool.teacher.models import SequenceVersion

    version = db.scalars(
        select(SequenceVersion)
        .where(SequenceVersion.sequence_id == row.id, SequenceVersion.source == "generated")
        .order_by(SequenceVersion.number.desc())
    ).first()
    if version is None:
        return None
    try:
        return Sequence.model_validate(version.content)
    except ValueError:
        return None
