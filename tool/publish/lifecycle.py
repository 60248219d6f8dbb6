"""The publication lifecycle: the one module that writes publication, step and score states.

A publication moves through

    draft ─► sent ─► confirmed ─► updated ─► withdrawn
      └────────────────┘   (AGS: the tool creates the items itself, so it skips "sent")

- **draft**: the tool has a publication row but the LMS has nothing yet (AGS: the
  worker is creating the assignments, or failed to).
- **sent**: deep linking only. The signed response went to the LMS, which answers
  nothing: the teacher may have pressed Save or Cancel. We never assume Save.
- **confirmed**: the LMS has the items. Proof is one of: a launch of any published
  step (someone opened it), our line items appearing in the AGS listing, or the
  teacher saying so.
- **updated**: the teacher moved the students onto a newer version after publishing.
- **withdrawn**: students see nothing; the LMS items stay until the teacher deletes them.

``sync_status`` is separate: the state of the AGS background job (idle for deep
linking). Score passback per step: none ─► pending ─► posted | failed | gone.
Views and tasks call these functions; nothing else assigns the state columns, so
the rules live in one place. Nothing here commits.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import TYPE_CHECKING

from tool.db import utcnow

if TYPE_CHECKING:  # the models import the states from here for their check constraints
    from tool.publish.models import Publication, PublishedStep, StepProgress

log = logging.getLogger(__name__)


class PublicationState(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    CONFIRMED = "confirmed"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"

    @property
    def in_course(self) -> bool:
        """The LMS is known to hold the items and students may work."""
        return self in (PublicationState.CONFIRMED, PublicationState.UPDATED)


class SyncStatus(StrEnum):
    """The AGS publishing job (creating or updating line items)."""

    IDLE = "idle"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def busy(self) -> bool:
        return self in (SyncStatus.QUEUED, SyncStatus.RUNNING)


class ScoreStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    POSTED = "posted"
    FAILED = "failed"  # worth sending again (busy LMS, refused, …)
    GONE = "gone"  # no grade item for this step exists in the course any more


class Confirmation(StrEnum):
    LAUNCH = "launch"
    LINE_ITEMS = "line_items"
    TEACHER = "teacher"


def allowed(column: str, enum: type[StrEnum]) -> str:
    """SQL for a check constraint keeping ``column`` to the enum's values."""
    return f"{column} IN ({', '.join(repr(member.value) for member in enum)})"


def state_of(publication: Publication) -> PublicationState:
    return PublicationState(publication.state)


def sync_of(publication: Publication) -> SyncStatus:
    return SyncStatus(publication.sync_status)


# -- publication -------------------------------------------------------------------------------
def new_publication(sequence_id: int) -> Publication:
    from tool.publish.models import Publication

    return Publication(
        sequence_id=sequence_id,
        attempts=0,
        state=PublicationState.DRAFT.value,
        sync_status=SyncStatus.IDLE.value,
    )


def _set_state(publication: Publication, state: PublicationState, why: str) -> None:
    if publication.state != state.value:
        log.info("publication %s: %s -> %s (%s)", publication.id, publication.state, state.value, why)
    publication.state = state.value


def reopen(publication: Publication) -> None:
    """Publishing a withdrawn publication again: back to what the tool last knew of the LMS."""
    if state_of(publication) is PublicationState.WITHDRAWN:
        if publication.confirmed_at is not None:
            moved = publication.version_published_at is not None and (
                publication.version_published_at > publication.confirmed_at
            )
            _set_state(publication, PublicationState.UPDATED if moved else PublicationState.CONFIRMED, "shown again")
        elif publication.sent_at is not None:
            _set_state(publication, PublicationState.SENT, "published again")
        else:
            _set_state(publication, PublicationState.DRAFT, "published again")


def queue_sync(publication: Publication) -> None:
    """The AGS job is about to be enqueued."""
    reopen(publication)
    publication.sync_status = SyncStatus.QUEUED.value
    publication.last_error = None


def sync_started(publication: Publication) -> None:
    publication.sync_status = SyncStatus.RUNNING.value
    publication.attempts += 1


def sync_failed(publication: Publication, reason: str) -> None:
    log.warning("publication %s: publishing failed: %s", publication.id, reason)
    publication.sync_status = SyncStatus.FAILED.value
    publication.last_error = reason


def sync_retrying(publication: Publication, reason: str) -> None:
    publication.last_error = reason


def sync_done(publication: Publication) -> None:
    """Every step has its line item in the course (AGS): the items are there, so confirmed."""
    publication.sync_status = SyncStatus.DONE.value
    publication.last_error = None
    publication.published_at = publication.published_at or utcnow()
    confirm(publication, Confirmation.LINE_ITEMS)


def sent_by_deep_link(publication: Publication, steps: list[PublishedStep]) -> None:
    """A deep-linking response carrying ``steps`` is on its way to the LMS (which never answers)."""
    now = utcnow()
    reopen(publication)
    publication.sent_at = now
    publication.published_at = publication.published_at or now
    for step in steps:
        step.sent_at = now
    if state_of(publication) is PublicationState.DRAFT:
        _set_state(publication, PublicationState.SENT, "deep-linking response returned")


def confirm(publication: Publication, how: Confirmation) -> bool:
    """The LMS holds the items (first proof wins); True when this changed the state."""
    state = state_of(publication)
    if state not in (PublicationState.DRAFT, PublicationState.SENT):
        return False
    publication.confirmed_at = utcnow()
    publication.confirmed_by = how.value
    _set_state(publication, PublicationState.CONFIRMED, f"confirmed by {how.value}")
    return True


def move_to_version(publication: Publication, version_number: int) -> bool:
    """Students see ``version_number`` from now on; True when it changed. Progress is untouched."""
    if publication.version_number == version_number:
        return False
    publication.version_number = version_number
    publication.version_published_at = utcnow()
    if state_of(publication).in_course:
        _set_state(publication, PublicationState.UPDATED, f"now version {version_number}")
    return True


def withdraw(publication: Publication) -> None:
    _set_state(publication, PublicationState.WITHDRAWN, "withdrawn by the teacher")


# -- steps -------------------------------------------------------------------------------------
def record_line_item(step: PublishedStep, url: str) -> bool:
    """The step's grade item as the tool knows it (created, found, or from a launch)."""
    if step.line_item_url == url:
        return False
    step.line_item_url = url
    step.line_item_recorded_at = utcnow()
    return True


def record_launch(publication: Publication, step: PublishedStep, launched_line_item: str | None) -> None:
    """Someone opened this step from the course: the items exist, and this copy has this grade item."""
    confirm(publication, Confirmation.LAUNCH)
    if launched_line_item:
        step.launched_line_item_url = launched_line_item
        if step.line_item_url is None:
            record_line_item(step, launched_line_item)


# -- scores ------------------------------------------------------------------------------------
def new_progress(step_id: int) -> StepProgress:
    from tool.publish.models import StepProgress

    return StepProgress(step_id=step_id, score_status=ScoreStatus.NONE.value, score_attempts=0)


def score_pending(record: StepProgress) -> None:
    if ScoreStatus(record.score_status) is not ScoreStatus.POSTED:
        record.score_status = ScoreStatus.PENDING.value


def score_attempt(record: StepProgress) -> None:
    record.score_attempts += 1
    record.score_last_attempt_at = utcnow()


def score_posted(record: StepProgress) -> None:
    record.score_status = ScoreStatus.POSTED.value
    record.score_error = None
    record.score_posted_at = utcnow()


def score_failed(record: StepProgress, reason: str, *, gone: bool = False) -> None:
    record.score_status = (ScoreStatus.GONE if gone else ScoreStatus.FAILED).value
    record.score_error = reason
