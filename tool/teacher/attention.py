"""What needs the teacher now: one line per student and sequence, and the things waiting for them.

A teacher with thirty students and five minutes between lessons opens the home
page to learn what to do next. The page must cost the same in a course with ten
sequences as in one with a thousand, so the work is split in two:

- SQL (``_Needs``) finds every waiting item and every line, counts them, orders
  them and cuts out the page: each page is one statement (after one small query
  for the course's time zones), returning only the totals and the rows shown;
- Python (``lines_for``) then builds those rows (where the student is, the
  details of each item) from the rows alone, with a fixed number of queries (the
  sequences, their latest generation jobs, their current versions' findings,
  their publications with steps and progress, the published versions' task
  counts, stored as ``SequenceVersion.task_count``), for a page's few dozen
  sequences only.

The two follow the same rules; tests compare them on every state a teacher meets.
The home page shows at most ``HOME_ROWS_PER_GROUP`` items of each kind (``GROUPS``)
with the true totals; the rest, and every line, are on paged lists
(``PAGE_SIZE`` rows a page).

Publication states are read tolerantly (``publication_phase``): the publishing
lifecycle (``tool.publish.lifecycle``: a state plus the AGS job's sync status)
and the older single ``status`` column both map onto four phases; an unknown
value reads as "in progress", never as a problem. (The SQL reads the lifecycle
columns only: the older column is not in this schema.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import IntEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from tool.lti.launch import Launch
from tool.publish import staging
from tool.publish.models import Publication, PublishedStep, StepProgress
from tool.teacher.models import ACTIVE_JOB_STATES, Course, GenerationJob, Sequence, SequenceVersion, User


class Need(IntEnum):
    """What waits for the teacher; the value is the order on the home page (smallest first).

    A student waiting for an answer comes first (they cannot move on without
    it), then what stops a student starting at all, then the gradebook, then
    work only the teacher is waiting on.
    """

    RESPONSE = 0  # the student sent work to look at
    CONFIRM = 1  # the student says they did it in class: confirm it went well
    PUBLISH_FAILED = 2
    SCORE_FAILED = 3
    WRITING_FAILED = 4
    DRAFT = 5  # written, not yet given to the student


NEED_WORDS: dict[Need, str] = {
    Need.RESPONSE: "Look at the response to step {step}",
    Need.CONFIRM: "Confirm step {step}: they say they did it in class",
    Need.PUBLISH_FAILED: "Publishing to your course failed",
    Need.SCORE_FAILED: "Step {step}'s score did not reach the gradebook",
    Need.WRITING_FAILED: "The sequence could not be written",
    Need.DRAFT: "Review the draft and give it to the student",
}


@dataclass(frozen=True)
class Item:
    """One thing waiting for the teacher."""

    need: Need
    sequence: Sequence
    since: datetime
    step_number: int | None = None
    step_public_id: str | None = None
    detail: str | None = None  # e.g. the LMS's reason, or how many things to fix

    @property
    def words(self) -> str:
        return NEED_WORDS[self.need].format(step=self.step_number)

    @property
    def goes_to_progress(self) -> bool:
        return self.need in (Need.RESPONSE, Need.CONFIRM, Need.PUBLISH_FAILED, Need.SCORE_FAILED)

    @property
    def anchor(self) -> str:
        if self.step_public_id:
            return f"step-{self.step_public_id}"
        return "publication" if self.need is Need.PUBLISH_FAILED else ""

    @property
    def rank(self) -> int:
        """Responses and confirmations are one group (a student waits either way), oldest first."""
        return int(Need.RESPONSE) if self.need is Need.CONFIRM else int(self.need)

    @property
    def sort_key(self) -> tuple[int, datetime, int]:
        return (self.rank, self.since, self.sequence.id)


@dataclass
class Line:
    """One student's sequence as the home page lists it."""

    sequence: Sequence
    where: str  # e.g. "Step 2 of 5 — waiting for the student"
    current_step: int | None
    total_steps: int | None
    last_activity: datetime
    items: list[Item] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[int, float, int]:
        first = min((item.sort_key for item in self.items), default=None)
        if first is None:  # nothing waiting: most recent activity first, after every line that needs you
            return (len(Need), -self.last_activity.timestamp(), self.sequence.id)
        return (first[0], first[1].timestamp(), self.sequence.id)


def _scope(launch: Launch):  # type: ignore[no-untyped-def]
    registration_id, deployment_pk, context_id = launch.scope_key
    return (
        Course.registration_id == registration_id,
        Course.deployment_pk == deployment_pk,
        Course.context_id == context_id,
    )


def _latest_jobs(db: Session, ids: list[int]) -> dict[int, GenerationJob]:
    newest = (
        select(func.max(GenerationJob.id))
        .where(GenerationJob.sequence_id.in_(ids))
        .group_by(GenerationJob.sequence_id)
        .scalar_subquery()
    )
    return {job.sequence_id: job for job in db.scalars(select(GenerationJob).where(GenerationJob.id.in_(newest)))}


def _current_must_fix(db: Session, ids: list[int]) -> dict[int, int]:
    """Sequence id -> number of must-fix findings on its current version."""
    rows = db.execute(
        select(SequenceVersion.sequence_id, SequenceVersion.findings)
        .join(
            Sequence,
            and_(Sequence.id == SequenceVersion.sequence_id, Sequence.current_version == SequenceVersion.number),
        )
        .where(Sequence.id.in_(ids))
    )
    return {
        sequence_id: sum(1 for f in findings or [] if f.get("severity", "must_fix") == "must_fix")
        for sequence_id, findings in rows
    }


def _published_task_counts(db: Session, ids: list[int]) -> dict[int, int]:
    rows = db.execute(
        select(SequenceVersion.sequence_id, SequenceVersion.task_count)
        .join(
            Publication,
            and_(
                Publication.sequence_id == SequenceVersion.sequence_id,
                Publication.version_number == SequenceVersion.number,
            ),
        )
        .where(SequenceVersion.sequence_id.in_(ids))
    )
    return {sequence_id: task_count for sequence_id, task_count in rows}


PHASE_FAILED = "failed"
PHASE_BUSY = "busy"
PHASE_IN_COURSE = "in course"
PHASE_WITHDRAWN = "withdrawn"


def publication_phase(publication: Publication) -> str:
    """failed | busy | in course | withdrawn, from whichever state columns the publication has."""
    state = getattr(publication, "state", None)
    sync = getattr(publication, "sync_status", None)
    legacy = getattr(publication, "status", None)
    if sync == "failed" or legacy == "failed":
        return PHASE_FAILED
    if state == "withdrawn":
        return PHASE_WITHDRAWN
    if sync in ("queued", "running") or legacy in ("pending", "publishing"):
        return PHASE_BUSY
    if state in ("sent", "confirmed", "updated") or legacy == "published":
        return PHASE_IN_COURSE
    return PHASE_BUSY


def _latest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return max(present) if present else None


def _step_items(sequence: Sequence, steps: list[PublishedStep], plan: staging.ReleasePlan, now: datetime) -> list[Item]:
    items: list[Item] = []
    flags = [bool(s.progress and s.progress.succeeded_at) for s in steps]
    for step in steps:
        progress: StepProgress | None = step.progress
        if progress is None:
            continue
        open_now = staging.is_open(plan, step.index, flags, now)
        state = staging.step_state(
            open_now,
            staging.StepFacts(progress.responded_at, progress.succeeded_at, progress.adjusted_at),
        )
        if state is staging.StepState.SUBMITTED and progress.responded_at is not None:
            need = Need.CONFIRM if progress.response_kind == "did_it" else Need.RESPONSE
            items.append(Item(need, sequence, progress.responded_at, step.number, step.public_id))
        if progress.succeeded_at is not None and progress.score_status in ("failed", "gone"):
            since = progress.score_posted_at or progress.succeeded_at
            items.append(
                Item(Need.SCORE_FAILED, sequence, since, step.number, step.public_id, detail=progress.score_error)
            )
    return items


def _step_activity(steps: Iterable[PublishedStep]) -> datetime | None:
    moments: list[datetime | None] = []
    for step in steps:
        if step.progress is not None:
            p = step.progress
            moments += [p.responded_at, p.succeeded_at, p.adjusted_at, p.score_posted_at]
    return _latest(*moments)


def _published_line(
    sequence: Sequence, publication: Publication, task_count: int | None, now: datetime
) -> tuple[str, int | None, int | None, list[Item]]:
    steps = [s for s in publication.steps if task_count is None or s.index < task_count]
    total = len(steps)
    items: list[Item] = []
    phase = publication_phase(publication)
    if phase == PHASE_FAILED:
        items.append(Item(Need.PUBLISH_FAILED, sequence, publication.updated_at, detail=publication.last_error))
        return "Publishing to your course failed", None, total, items
    if phase == PHASE_WITHDRAWN:
        return "Withdrawn: the student sees nothing", None, total, items
    if phase == PHASE_BUSY:
        return "Being put into your course", None, total, items
    try:
        plan = publication.plan
    except staging.ReleasePlanError:  # a stored zone this server no longer knows: show, never crash
        return "In your course", None, total, items
    items = _step_items(sequence, steps, plan, now)
    flags = [bool(s.progress and s.progress.succeeded_at) for s in steps]
    if steps and all(flags):
        return f"All {total} steps done", None, total, items
    current = staging.current_step(plan, flags, now)
    if current is None:
        nxt = flags.index(False) + 1 if False in flags else None
        return (f"Step {nxt} of {total} opens later" if nxt else "Waiting"), None, total, items
    step = steps[current]
    state = staging.step_state(True, _facts(step.progress))
    doing = {
        staging.StepState.OPEN: "the student has not sent anything yet",
        staging.StepState.SUBMITTED: "the student sent something",
        staging.StepState.NEEDS_ANOTHER_GO: "the student is having another go",
    }.get(state, "")
    return f"Step {current + 1} of {total}" + (f": {doing}" if doing else ""), current + 1, total, items


def _facts(progress: StepProgress | None) -> staging.StepFacts:
    if progress is None:
        return staging.StepFacts()
    return staging.StepFacts(progress.responded_at, progress.succeeded_at, progress.adjusted_at)


def lines_for(db: Session, ids: Iterable[int], now: datetime) -> dict[int, Line]:
    """The line (where the student is, and what waits) of each of these sequences, in a fixed number of queries.

    The callers pass only the sequences a page shows (a few dozen at most): which ones, in what order and how
    many there are in all comes from SQL (``_Needs``), so this Python work does not grow with the course.
    """
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    sequences = list(db.scalars(select(Sequence).where(Sequence.id.in_(wanted))).unique())
    jobs = _latest_jobs(db, wanted)
    must_fix = _current_must_fix(db, wanted)
    publications = {
        p.sequence_id: p for p in db.scalars(select(Publication).where(Publication.sequence_id.in_(wanted)))
    }
    task_counts = _published_task_counts(db, wanted) if publications else {}
    lines: dict[int, Line] = {}
    for sequence in sequences:
        job = jobs.get(sequence.id)
        publication = publications.get(sequence.id)
        items: list[Item] = []
        current = total = None
        job_active = job is not None and job.status in ACTIVE_JOB_STATES
        if job is not None and job.status == "failed":
            detail = job.error_reason
            if sequence.current_version is not None:
                detail = "The last rewrite did not finish; the version you had is unchanged."
            items.append(Item(Need.WRITING_FAILED, sequence, job.finished_at or job.updated_at, detail=detail))
        if publication is not None:
            where, current, total, step_items = _published_line(
                sequence, publication, task_counts.get(sequence.id), now
            )
            items += step_items
        elif job_active:
            where = "Being written"
        elif sequence.current_version is None:
            where = "Not written"
        else:
            where = "Draft, not yet given to the student"
            fixes = must_fix.get(sequence.id, 0)
            detail = f"{fixes} thing{'s' if fixes != 1 else ''} to fix first" if fixes else None
            items.append(Item(Need.DRAFT, sequence, sequence.updated_at, detail=detail))
        activity = _latest(
            sequence.updated_at,
            job.finished_at if job else None,
            publication.updated_at if publication else None,
            _step_activity(publication.steps) if publication else None,
        )
        lines[sequence.id] = Line(
            sequence,
            where,
            current,
            total,
            activity or sequence.created_at,
            sorted(items, key=lambda i: i.sort_key),
        )
    return lines


# --- What waits, counted and ordered in SQL --------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One kind of thing on the home page; responses and confirmations share a group (a student waits either way)."""

    slug: str  # in the list's address: /teacher/waiting/<slug>
    rank: int  # Item.rank of its items
    title: str  # the list page's heading
    plural: str  # "Show all 40 <plural>"


GROUPS: tuple[Group, ...] = (
    Group("answers", int(Need.RESPONSE), "Students waiting for your answer", "responses to look at"),
    Group("publishing", int(Need.PUBLISH_FAILED), "Publishing that failed", "failed publications"),
    Group("scores", int(Need.SCORE_FAILED), "Scores that did not reach the gradebook", "scores to send again"),
    Group("writing", int(Need.WRITING_FAILED), "Sequences that could not be written", "sequences not written"),
    Group("drafts", int(Need.DRAFT), "Drafts to review and give to the student", "drafts to review"),
)
GROUPS_BY_SLUG = {group.slug: group for group in GROUPS}
_GROUP_BY_RANK = {group.rank: group for group in GROUPS}

HOME_ROWS_PER_GROUP = 10  # rows of each kind on the home page; the rest behind "Show all N …"
PAGE_SIZE = 25  # rows per page of a list
_NOTHING_WAITING = len(Need)  # the rank of a line with no item: after every line that needs you

ItemRow = tuple[int, int, int | None]  # (sequence id, need, step index) of one waiting item, as SQL finds it


@dataclass(frozen=True)
class Page:
    """One page of a list: 1-based ``number``, clamped to the pages there are (an empty list has one page)."""

    number: int
    size: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.last

    @property
    def first_row(self) -> int:
        return min(self.total, self.offset + 1)

    @property
    def last_row(self) -> int:
        return min(self.total, self.offset + self.size)


MAX_PAGE = 1_000_000  # beyond any course; a larger number asks for the last page like any page past the end


def page_number(raw: str | None) -> int:
    """``?page=`` as asked for: anything that is not a whole number of at least 1 (0, -3, "two", "") is page 1;
    a huge number is capped (it still reaches SQL as an offset before the page is clamped to the last)."""
    try:
        number = int((raw or "").strip())
    except ValueError:  # also a number too long to read (Python refuses more than 4,300 digits)
        return 1
    return min(max(1, number), MAX_PAGE)


def _page(raw: int, total: int, size: int = PAGE_SIZE) -> Page:
    """A page past the end shows the last page."""
    probe = Page(1, size, total)
    return Page(min(raw, probe.last), size, total)


@dataclass(frozen=True)
class GroupRows:
    group: Group
    total: int  # every item of this kind in the course
    items: list[Item]  # the first few, in order

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class Overview:
    """The home page: what waits (true counts, the first rows of each kind) and the first lines of the course."""

    groups: list[GroupRows]
    lines: list[Line]
    lines_page: Page

    @property
    def count(self) -> int:
        return sum(group.total for group in self.groups)

    @property
    def items(self) -> list[Item]:
        return [item for group in self.groups for item in group.items]


@dataclass(frozen=True)
class LinesPage:
    lines: list[Line]
    page: Page
    name: str  # the student-name filter, "" for everyone
    count: int  # what waits in the whole course (the navigation badge)


@dataclass(frozen=True)
class ItemsPage:
    group: Group
    items: list[Item]
    page: Page
    count: int  # what waits in the whole course (the navigation badge)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Needs:
    """The launch's course, with every waiting item as a row of one SQL union (``item_selects``: sequence id,
    need, rank, since, step index), so that counting, ordering and paging happen in the database and only the
    rows a page shows come back.

    The rules mirror ``lines_for`` (tests compare the two on every state). One query first reads the time
    zones of the course's published sequences (a handful), to know each zone's date today and which zones
    this server knows (an unknown zone shows no step items, as on the progress page).

    The queries avoid joining a grouped or windowed subquery back to the sequences (the newest job, the
    first item of a line): PostgreSQL may then rescan that subquery once per sequence when its statistics
    are stale. They use correlated lookups through indexes (the newest job, a publication's latest step
    time) and one window over the union of all rows instead. They never read a version's content (about 12 KB
    of JSON): whether a step is within the published version is ``SequenceVersion.task_count``.
    """

    def __init__(self, db: Session, launch: Launch, now: datetime) -> None:
        self.db = db
        self.now = now
        self.dialect = db.get_bind().dialect.name
        self.scope = (*_scope(launch), Sequence.deleted_at.is_(None))
        self.live = select(Sequence.id).join(Course, Sequence.course_id == Course.id).where(*self.scope)
        zones = db.scalars(self._in_course(select(Publication.timezone).distinct(), Publication.sequence_id)).all()
        self.today: dict[str, date] = {}
        for name in zones:
            try:
                self.today[name] = now.replace(tzinfo=now.tzinfo or UTC).astimezone(staging.zone(name)).date()
            except staging.ReleasePlanError:
                continue
        self.item_selects = self._items()

    def _in_course(self, query: Any, sequence_id: Any) -> Any:
        """``query`` limited to rows whose ``sequence_id`` is a live sequence of the course (joins by primary key,
        which stay cheap whatever the planner believes about the tables' sizes, unlike ``IN (subquery)``)."""
        return (
            query.join(Sequence, Sequence.id == sequence_id)
            .join(Course, Course.id == Sequence.course_id)
            .where(*self.scope)
        )

    # -- dialect differences: days between two dates, greatest

    def _days_since_start(self) -> ColumnElement[Any]:
        today = case(
            *((Publication.timezone == name, literal(day, Date)) for name, day in self.today.items()),
            else_=null(),
        )
        if self.dialect == "postgresql":
            return today - Publication.start_date
        return func.julianday(today) - func.julianday(Publication.start_date)

    def _greatest(self, *values: Any) -> ColumnElement[Any]:
        """The latest of these moments and the sequence's own update (NULLs skipped, as ``_latest`` does)."""
        floor = func.coalesce(Sequence.updated_at, Sequence.created_at)
        present = [func.coalesce(value, floor) for value in values]
        if self.dialect == "postgresql":
            return type_coerce(func.greatest(floor, *present), DateTime)
        return type_coerce(func.max(floor, *present), DateTime)  # SQLite's max() of several values

    def _newest_job(self, column: Any) -> Any:
        """``column`` of the sequence's newest generation job (a lookup through the sequence_id index)."""
        return (
            select(column)
            .where(GenerationJob.sequence_id == Sequence.id)
            .order_by(GenerationJob.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    # -- the items: (sequence_id, need, rank, since, step_index)

    def _items(self) -> list[Any]:
        step_none = cast(null(), Integer)
        newer = aliased(GenerationJob, name="newer_job")
        writing_failed = self._in_course(
            select(
                GenerationJob.sequence_id.label("sequence_id"),
                literal(int(Need.WRITING_FAILED), Integer).label("need"),
                literal(int(Need.WRITING_FAILED), Integer).label("rank"),
                type_coerce(func.coalesce(GenerationJob.finished_at, GenerationJob.updated_at), DateTime).label(
                    "since"
                ),
                step_none.label("step_index"),
            ),
            GenerationJob.sequence_id,
        ).where(
            GenerationJob.status == "failed",
            ~select(newer.id)
            .where(newer.sequence_id == GenerationJob.sequence_id, newer.id > GenerationJob.id)
            .exists(),
        )
        drafts = (
            select(
                Sequence.id,
                literal(int(Need.DRAFT), Integer),
                literal(int(Need.DRAFT), Integer),
                Sequence.updated_at,
                step_none,
            )
            .join(Course, Sequence.course_id == Course.id)
            .where(
                *self.scope,
                Sequence.current_version.is_not(None),
                ~select(Publication.id).where(Publication.sequence_id == Sequence.id).exists(),
                func.coalesce(self._newest_job(GenerationJob.status), "").not_in(list(ACTIVE_JOB_STATES)),
            )
        )
        publish_failed = self._in_course(
            select(
                Publication.sequence_id,
                literal(int(Need.PUBLISH_FAILED), Integer),
                literal(int(Need.PUBLISH_FAILED), Integer),
                Publication.updated_at,
                step_none,
            ),
            Publication.sequence_id,
        ).where(Publication.sync_status == "failed")
        return [writing_failed, drafts, publish_failed, *self._step_items()]

    def _step_items(self) -> list[Any]:
        """Responses, confirmations and failed scores: steps of a publication in the course (``publication_phase``
        "in course", a plan this server can read), within the published version's tasks."""
        if not self.today:  # no published sequence, or none in a zone this server knows
            return []
        version = aliased(SequenceVersion, name="published_version")
        dated = [mode.value for mode in staging.ReleaseMode if mode.dated]
        gated = [mode.value for mode in staging.ReleaseMode if mode.gated]
        in_course = and_(
            Publication.sync_status.not_in(["failed", "queued", "running"]),
            Publication.state.in_(["sent", "confirmed", "updated"]),
            Publication.release_mode.in_([mode.value for mode in staging.ReleaseMode]),
            or_(Publication.release_mode.not_in(dated), Publication.start_date.is_not(None)),
            Publication.spacing_days.between(staging.MIN_SPACING_DAYS, staging.MAX_SPACING_DAYS),
            Publication.timezone.in_(list(self.today)),
        )
        # A step counts only within the published version's tasks (its stored count: no JSON is read).
        within_tasks = or_(version.id.is_(None), PublishedStep.index < version.task_count)

        def steps(columns: list[Any], *rules: Any) -> Any:
            query = (
                select(*columns)
                .select_from(PublishedStep)
                .join(Publication, Publication.id == PublishedStep.publication_id)
                .join(StepProgress, StepProgress.step_id == PublishedStep.id)
                .outerjoin(
                    version,
                    and_(
                        version.sequence_id == Publication.sequence_id,
                        version.number == Publication.version_number,
                    ),
                )
            )
            return self._in_course(query, Publication.sequence_id).where(in_course, within_tasks, *rules)

        earlier = aliased(PublishedStep, name="earlier")
        earlier_progress = aliased(StepProgress, name="earlier_progress")
        earlier_not_done = (
            select(earlier.id)
            .outerjoin(earlier_progress, earlier_progress.step_id == earlier.id)
            .where(
                earlier.publication_id == PublishedStep.publication_id,
                earlier.index < PublishedStep.index,
                earlier_progress.succeeded_at.is_(None),
            )
            .exists()
        )
        open_now = and_(
            or_(Publication.release_mode.not_in(gated), ~earlier_not_done),
            or_(
                Publication.release_mode.not_in(dated),
                self._days_since_start() >= PublishedStep.index * Publication.spacing_days,
            ),
        )
        answers = steps(
            [
                Publication.sequence_id,
                case((StepProgress.response_kind == "did_it", int(Need.CONFIRM)), else_=int(Need.RESPONSE)),
                literal(int(Need.RESPONSE), Integer),
                StepProgress.responded_at,
                PublishedStep.index,
            ],
            StepProgress.responded_at.is_not(None),
            StepProgress.succeeded_at.is_(None),
            or_(StepProgress.adjusted_at.is_(None), StepProgress.adjusted_at < StepProgress.responded_at),
            open_now,
        )
        scores = steps(
            [
                Publication.sequence_id,
                literal(int(Need.SCORE_FAILED), Integer),
                literal(int(Need.SCORE_FAILED), Integer),
                func.coalesce(StepProgress.score_posted_at, StepProgress.succeeded_at),
                PublishedStep.index,
            ],
            StepProgress.succeeded_at.is_not(None),
            StepProgress.score_status.in_(["failed", "gone"]),
        )
        return [answers, scores]

    # -- what the pages ask: each page is one statement, its parts (kind totals, one page of rows) read the
    # -- items once (a CTE)

    def counts(self) -> dict[int, int]:
        """Rank -> how many items of that kind wait."""
        items = union_all(*self.item_selects).subquery("items")
        rows = self.db.execute(select(items.c.rank, func.count()).group_by(items.c.rank)).all()
        return {int(rank): int(n) for rank, n in rows}

    @staticmethod
    def _part(number: int, rank: Any, total: Any, sequence_id: Any, need: Any, step: Any, position: Any) -> Any:
        """One part of a page's statement; every part has these columns (NULL where it has nothing to say)."""
        columns = {"rank": rank, "total": total, "sequence_id": sequence_id, "need": need, "step_index": step}
        columns["position"] = position
        return select(
            literal(number, Integer).label("part"),
            *((cast(null(), Integer) if value is None else value).label(key) for key, value in columns.items()),
        )

    def _run(self, *parts: Any) -> list[Any]:
        every = union_all(*parts).subquery("parts")
        query = select(every).order_by(every.c.part, every.c.rank, every.c.position)
        return list(self.db.execute(query).all())

    def _numbered(self, items: Any) -> Any:
        """Items numbered within their kind, oldest first, with their kind's total."""
        return select(
            items.c.rank,
            items.c.sequence_id,
            items.c.need,
            items.c.step_index,
            func.row_number()
            .over(partition_by=items.c.rank, order_by=(items.c.since, items.c.sequence_id, items.c.step_index))
            .label("position"),
            func.count().over(partition_by=items.c.rank).label("total"),
        ).subquery("numbered")

    def _totals(self, items: Any) -> Any:
        return self._part(0, items.c.rank, func.count(), None, None, None, None).group_by(items.c.rank)

    def home(self, per_group: int, lines: int) -> tuple[dict[int, int], list[ItemRow], list[int], int]:
        """(rank -> total, the first ``per_group`` items of each rank, the first ``lines`` lines' sequence ids,
        how many lines in all)."""
        items = union_all(*self.item_selects).cte("items")
        numbered = self._numbered(items)
        ordered = self._ordered_lines(items, "")
        rows = self._run(
            self._part(
                1,
                numbered.c.rank,
                numbered.c.total,
                numbered.c.sequence_id,
                numbered.c.need,
                numbered.c.step_index,
                numbered.c.position,
            ).where(numbered.c.position <= per_group),
            self._part(2, None, ordered.c.total, ordered.c.sequence_id, None, None, ordered.c.position).where(
                ordered.c.position <= lines
            ),
        )
        first = [r for r in rows if r.part == 1]
        line_rows = [r for r in rows if r.part == 2]
        return (
            {int(r.rank): int(r.total) for r in first},
            [(r.sequence_id, r.need, r.step_index) for r in first],
            [r.sequence_id for r in line_rows],
            int(line_rows[0].total) if line_rows else 0,
        )

    def group_page(self, group: Group, number: int, size: int) -> tuple[dict[int, int], Page, list[ItemRow]]:
        """(rank -> total, the page, that page of the group's items); a page past the end is the last page."""
        items = union_all(*self.item_selects).cte("items")
        numbered = self._numbered(items)

        def run(page: Page) -> list[Any]:
            return self._run(
                self._totals(items),
                self._part(
                    1,
                    None,
                    None,
                    numbered.c.sequence_id,
                    numbered.c.need,
                    numbered.c.step_index,
                    numbered.c.position,
                ).where(
                    numbered.c.rank == group.rank,
                    numbered.c.position > page.offset,
                    numbered.c.position <= page.offset + page.size,
                ),
            )

        asked = Page(number, size, 0)
        rows = run(asked)
        totals = {int(r.rank): int(r.total) for r in rows if r.part == 0}
        page = _page(number, totals.get(group.rank, 0), size)
        if page.number != number:  # past the end (rare): once more for the last page
            rows = run(page)
        return totals, page, [(r.sequence_id, r.need, r.step_index) for r in rows if r.part == 1]

    def _named(self, name: str) -> Any:
        """The live sequences whose student's name (as ``Sequence.target_name`` shows it) contains ``name``."""
        shown = case(
            (
                Sequence.target_user_id.is_not(None),
                func.coalesce(func.nullif(User.display_name, ""), "Unnamed student"),
            ),
            else_=func.coalesce(func.nullif(Sequence.target_label, ""), "Unnamed student"),
        )
        return self.live.outerjoin(User, User.id == Sequence.target_user_id).where(
            func.lower(shown).like(f"%{_like_escape(name.lower())}%", escape="\\")
        )

    def _ordered_lines(self, items: Any, name: str) -> Any:
        """Every line (live sequence) numbered in the home page's order: (sequence_id, position, total).

        The order is ``Line.sort_key``: lines with something waiting by their first item (rank, then oldest),
        then the rest by latest activity, newest first. Every live sequence adds one row of its own (rank
        "nothing waiting") to the items; a window picks each sequence's first row. The latest activity is
        looked up only for lines with nothing waiting (CASE evaluates lazily)."""
        own_rows = (
            select(Sequence.id, literal(_NOTHING_WAITING, Integer), cast(null(), DateTime))
            .join(Course, Sequence.course_id == Course.id)
            .where(*self.scope)
        )
        rows = union_all(select(items.c.sequence_id, items.c.rank, items.c.since), own_rows).subquery("line_rows")
        seq, rank, since = rows.c[0], rows.c[1], rows.c[2]
        first = select(
            seq.label("sequence_id"),
            rank.label("rank"),
            since.label("since"),
            func.row_number().over(partition_by=seq, order_by=(rank, since)).label("row"),
        ).subquery("first_rows")
        # The latest moment of a publication's steps: each step's progress row is read through its unique
        # step_id index (a lookup per step, whatever the size of step_progress), then the latest of them.
        step_time = (
            select(
                self._greatest(
                    StepProgress.responded_at,
                    StepProgress.succeeded_at,
                    StepProgress.adjusted_at,
                    StepProgress.score_posted_at,
                )
            )
            .where(StepProgress.step_id == PublishedStep.id)
            .correlate_except(StepProgress)
            .scalar_subquery()
        )
        step_times = select(func.max(step_time)).where(PublishedStep.publication_id == Publication.id).scalar_subquery()
        activity = self._greatest(self._newest_job(GenerationJob.finished_at), Publication.updated_at, step_times)
        order = (
            first.c.rank,
            first.c.since,
            case((first.c.rank == _NOTHING_WAITING, activity)).desc(),
            first.c.sequence_id,
        )
        query = (
            select(
                first.c.sequence_id,
                func.row_number().over(order_by=order).label("position"),
                func.count().over().label("total"),
            )
            .join(Sequence, Sequence.id == first.c.sequence_id)
            .outerjoin(Publication, Publication.sequence_id == Sequence.id)
            .where(first.c.row == 1)
        )
        if name:
            query = query.where(first.c.sequence_id.in_(self._named(name).scalar_subquery()))
        return query.subquery("ordered_lines")

    def line_page(self, name: str, number: int, size: int) -> tuple[dict[int, int], Page, list[int]]:
        """(rank -> total, the page, that page's sequence ids in the home page's order); a page past the end
        is the last page."""
        items = union_all(*self.item_selects).cte("items")
        ordered = self._ordered_lines(items, name)
        line_total = (
            select(func.count()).select_from((self._named(name) if name else self.live).subquery()).scalar_subquery()
        )

        def run(page: Page) -> list[Any]:
            return self._run(
                self._totals(items),
                self._part(1, None, line_total, None, None, None, None),
                self._part(2, None, None, ordered.c.sequence_id, None, None, ordered.c.position).where(
                    ordered.c.position > page.offset, ordered.c.position <= page.offset + page.size
                ),
            )

        rows = run(Page(number, size, 0))
        totals = {int(r.rank): int(r.total) for r in rows if r.part == 0}
        page = _page(number, next(int(r.total) for r in rows if r.part == 1), size)
        if page.number != number:  # past the end (rare): once more for the last page
            rows = run(page)
        return totals, page, [r.sequence_id for r in rows if r.part == 2]


def _pick(lines: dict[int, Line], rows: list[ItemRow]) -> list[Item]:
    """The items these SQL rows name, as ``lines_for`` built them (with their details)."""
    picked: list[Item] = []
    for sequence_id, need, step_index in rows:
        line = lines.get(sequence_id)
        step_number = None if step_index is None else step_index + 1
        matches = [i for i in (line.items if line else []) if i.need == need and i.step_number == step_number]
        picked += matches[:1]
    return picked


def count_needed(db: Session, launch: Launch, now: datetime) -> int:
    """How many things wait for the teacher in the launch's course (the navigation badge): two queries."""
    return sum(_Needs(db, launch, now).counts().values())


def whats_needed(
    db: Session, launch: Launch, now: datetime, *, per_group: int = HOME_ROWS_PER_GROUP, lines: int = PAGE_SIZE
) -> Overview:
    """The home page: every kind of waiting item with its true total and its first ``per_group`` rows, and the
    first ``lines`` lines of the course; the same number of queries however many sequences the course has."""
    totals, first_rows, line_ids, line_total = _Needs(db, launch, now).home(per_group, lines)
    shown = lines_for(db, [row[0] for row in first_rows] + line_ids, now)
    groups = [
        GroupRows(group, totals[group.rank], _pick(shown, [r for r in first_rows if _rank(r[1]) == group.rank]))
        for group in GROUPS
        if group.rank in totals
    ]
    return Overview(groups, [shown[i] for i in line_ids if i in shown], Page(1, lines, line_total))


def _rank(need: int) -> int:
    return int(Need.RESPONSE) if need == int(Need.CONFIRM) else need


def sequence_page(db: Session, launch: Launch, now: datetime, page: int, name: str = "") -> LinesPage:
    """One page of every live sequence of the course, in the home page's order, optionally only students whose
    name contains ``name`` (any case)."""
    totals, where, line_ids = _Needs(db, launch, now).line_page(name, page, PAGE_SIZE)
    shown = lines_for(db, line_ids, now)
    return LinesPage([shown[i] for i in line_ids if i in shown], where, name, sum(totals.values()))


def waiting_page(db: Session, launch: Launch, now: datetime, group: Group, page: int) -> ItemsPage:
    """One page of one kind of waiting item, oldest first."""
    totals, where, rows = _Needs(db, launch, now).group_page(group, page, PAGE_SIZE)
    shown = lines_for(db, [row[0] for row in rows], now)
    return ItemsPage(group, _pick(shown, rows), where, sum(totals.values()))
