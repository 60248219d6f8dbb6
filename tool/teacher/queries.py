"""Scoped lookups: every function takes the launch and never crosses its scope.

A launch's ``scope_key`` is (registration, deployment, context). Rows of another
scope are indistinguishable from rows that do not exist: the caller gets
``NotFound`` (404).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from tool.lti.launch import Launch
from tool.teacher.models import Course, GenerationJob, Sequence, SequenceVersion, User


def _scope_filter(launch: Launch):  # type: ignore[no-untyped-def]
    registration_id, deployment_pk, context_id = launch.scope_key
    return (
        Course.registration_id == registration_id,
        Course.deployment_pk == deployment_pk,
        Course.context_id == context_id,
    )


def find_course(db: Session, launch: Launch) -> Course | None:
    return db.scalars(select(Course).where(*_scope_filter(launch))).first()


def ensure_course(db: Session, launch: Launch) -> Course:
    """The launch's course, created on first sight (title refreshed from the launch)."""
    course = find_course(db, launch)
    if course is None:
        registration_id, deployment_pk, context_id = launch.scope_key
        course = Course(
            registration_id=registration_id,
            deployment_pk=deployment_pk,
            context_id=context_id,
            title=launch.context_title or "",
        )
        db.add(course)
        try:
            db.flush()
        except IntegrityError:  # another request created it first
            db.rollback()
            found = find_course(db, launch)
            assert found is not None
            return found
    elif launch.context_title and course.title != launch.context_title:
        course.title = launch.context_title
    return course


def upsert_user(
    db: Session,
    registration_id: int,
    sub: str,
    *,
    display_name: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    email: str | None = None,
) -> User:
    """The user (registration, sub); names are refreshed when the platform sent them."""
    user = db.scalars(select(User).where(User.registration_id == registration_id, User.sub == sub)).first()
    if user is None:
        user = User(registration_id=registration_id, sub=sub, display_name="")
        db.add(user)
    if display_name:
        user.display_name = display_name
    if given_name:
        user.given_name = given_name
    if family_name:
        user.family_name = family_name
    if email:
        user.email = email
    if not user.display_name:
        user.display_name = " ".join(p for p in (given_name, family_name) if p) or ""
    db.flush()
    return user


def launch_user(db: Session, launch: Launch) -> User:
    return upsert_user(
        db,
        launch.registration_id,
        launch.user_sub,
        display_name=launch.user_name,
        given_name=launch.user_given_name,
        family_name=launch.user_family_name,
        email=launch.user_email,
    )


def committed_launch_user(db: Session, launch: Launch) -> User:
    """``launch_user``, committed: starting a job then reads other stores (roster, key/value)
    without this request holding a write lock on the database (SQLite allows one writer)."""
    user = launch_user(db, launch)
    db.commit()
    return user


def list_sequences(db: Session, launch: Launch) -> list[Sequence]:
    stmt = (
        select(Sequence)
        .join(Course, Sequence.course_id == Course.id)
        .where(*_scope_filter(launch), Sequence.deleted_at.is_(None))
        .order_by(Sequence.updated_at.desc(), Sequence.id.desc())
    )
    return list(db.scalars(stmt).unique())


def get_sequence(db: Session, launch: Launch, public_id: str) -> Sequence:
    """The live sequence ``public_id`` in the launch's course, else 404."""
    stmt = (
        select(Sequence)
        .join(Course, Sequence.course_id == Course.id)
        .where(*_scope_filter(launch), Sequence.public_id == public_id, Sequence.deleted_at.is_(None))
    )
    sequence = db.scalars(stmt).unique().first()
    if sequence is None:
        raise NotFound("There is no such sequence in this course.")
    return sequence


def get_version(db: Session, sequence: Sequence, number: int) -> SequenceVersion:
    """Version ``number`` of an already scope-checked sequence, else 404."""
    version = db.scalars(
        select(SequenceVersion).where(
            SequenceVersion.sequence_id == sequence.id, SequenceVersion.number == number
        )
    ).first()
    if version is None:
        raise NotFound("There is no such version of this sequence.")
    return version


def current_version(db: Session, sequence: Sequence) -> SequenceVersion | None:
    if sequence.current_version is None:
        return None
    return get_version(db, sequence, sequence.current_version)


VERSION_ATTEMPTS = 5  # a teacher's save and the worker's result racing for one number: the loser takes the next


def next_version_number(db: Session, sequence: Sequence) -> int:
    """The number the sequence's next version gets (1 for the first).

    Locks the sequence row first (PostgreSQL: until commit), so two writers of one sequence (a teacher's
    edit, the worker's regeneration) take numbers one after the other. SQLite ignores the lock (it has
    one writer at a time); there the writers retry on the unique constraint (``VERSION_ATTEMPTS``).
    """
    db.execute(select(Sequence.id).where(Sequence.id == sequence.id).with_for_update())
    highest = db.scalar(select(func.max(SequenceVersion.number)).where(SequenceVersion.sequence_id == sequence.id))
    return (highest or 0) + 1


def list_versions(db: Session, sequence: Sequence) -> list[SequenceVersion]:
    return list(
        db.scalars(
            select(SequenceVersion)
            .where(SequenceVersion.sequence_id == sequence.id)
            .order_by(SequenceVersion.number.desc())
        )
    )


def latest_job(db: Session, sequence: Sequence) -> GenerationJob | None:
    return db.scalars(
        select(GenerationJob)
        .where(GenerationJob.sequence_id == sequence.id)
        .order_by(GenerationJob.id.desc())
    ).first()


def teacher_names(db: Session, sequence: Sequence, version: SequenceVersion | None = None) -> dict[str, str]:
    """Placeholder -> name for restoring text on teacher pages: from the job that wrote
    ``version``, else from the sequence's latest job."""
    job = db.get(GenerationJob, version.job_id) if version is not None and version.job_id else None
    job = job or latest_job(db, sequence)
    return dict(job.redactions or {}) if job is not None else {}
