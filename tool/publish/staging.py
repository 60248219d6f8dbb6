"""Staged release: when each step of a published sequence opens. Pure functions only.

Three modes, chosen by the teacher:

- ``mastery``: step 1 is open at once; step N+1 opens when the teacher has
  confirmed success at step N.
- ``scheduled``: step N opens on ``start + (N-1) * spacing_days`` (a calendar
  date in the teacher's time zone), whatever happened before.
- ``both``: a step opens only when both conditions hold.

Dates are calendar dates in the teacher's IANA time zone. They become instants
only at the LMS boundary (``unlock_at`` / ``due_at``, aware UTC datetimes), and
"today" is always computed in that same zone, so a class in Auckland and a
server in UTC agree on which day it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Five steps three days apart take a little over two weeks: the span the seed
# gives for a five-task sequence (2–3 weeks).
DEFAULT_SPACING_DAYS = 3
MIN_SPACING_DAYS = 1
MAX_SPACING_DAYS = 14


class ReleaseMode(StrEnum):
    MASTERY = "mastery"
    SCHEDULED = "scheduled"
    BOTH = "both"

    @property
    def gated(self) -> bool:
        return self in (ReleaseMode.MASTERY, ReleaseMode.BOTH)

    @property
    def dated(self) -> bool:
        return self in (ReleaseMode.SCHEDULED, ReleaseMode.BOTH)


class StepState(StrEnum):
    """What the teacher sees per step."""

    LOCKED = "locked"
    OPEN = "open"
    SUBMITTED = "submitted"
    SUCCEEDED = "succeeded"
    NEEDS_ANOTHER_GO = "needs another go"


class ReleasePlanError(ValueError):
    """A release plan the teacher must correct; the message is written for them."""


@dataclass(frozen=True)
class ReleasePlan:
    """How a sequence's steps open. ``start`` is required for dated modes."""

    mode: ReleaseMode
    start: date | None = None
    spacing_days: int = DEFAULT_SPACING_DAYS
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.mode.dated and self.start is None:
            raise ReleasePlanError("Choose the date the first step opens.")
        if not MIN_SPACING_DAYS <= self.spacing_days <= MAX_SPACING_DAYS:
            raise ReleasePlanError(f"Days between steps must be between {MIN_SPACING_DAYS} and {MAX_SPACING_DAYS}.")
        zone(self.timezone)  # raises ReleasePlanError for an unknown zone

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)


@dataclass(frozen=True)
class StepFacts:
    """What has happened at one step (from the progress record); naive UTC times."""

    responded_at: datetime | None = None
    succeeded_at: datetime | None = None
    adjusted_at: datetime | None = None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ReleasePlanError(f"Unknown time zone {name!r}: use a name such as Europe/London.") from exc


def parse_plan(mode: str, start: str | None, spacing_days: str | int | None, timezone: str | None) -> ReleasePlan:
    """Build a plan from form values; ``ReleasePlanError`` says what to fix."""
    try:
        release_mode = ReleaseMode(mode)
    except ValueError as exc:
        raise ReleasePlanError("Choose how the steps open.") from exc
    start_date: date | None = None
    if start:
        try:
            start_date = date.fromisoformat(start)
        except ValueError as exc:
            raise ReleasePlanError("The start date must look like 2026-03-02.") from exc
    try:
        spacing = int(spacing_days) if spacing_days not in (None, "") else DEFAULT_SPACING_DAYS
    except (TypeError, ValueError) as exc:
        raise ReleasePlanError("Days between steps must be a whole number.") from exc
    return ReleasePlan(
        mode=release_mode,
        start=start_date if release_mode.dated else None,
        spacing_days=spacing,
        timezone=(timezone or "UTC").strip() or "UTC",
    )


def today_in(plan: ReleasePlan, now: datetime) -> date:
    """The calendar date in the plan's zone at instant ``now`` (naive = UTC)."""
    aware = now if now.tzinfo else now.replace(tzinfo=UTC)
    return aware.astimezone(plan.tz).date()


def opens_on(plan: ReleasePlan, index: int) -> date | None:
    """The date step ``index`` (0-based) opens, or None when only mastery gates it."""
    if not plan.mode.dated or plan.start is None:
        return None
    return plan.start + timedelta(days=index * plan.spacing_days)


def due_on(plan: ReleasePlan, index: int) -> date | None:
    """The last day of a step's window: the day before the next step's date."""
    opening = opens_on(plan, index)
    if opening is None:
        return None
    return opening + timedelta(days=plan.spacing_days - 1)


def unlock_at(plan: ReleasePlan, index: int) -> datetime | None:
    """Local midnight of the opening date, as an aware UTC datetime."""
    opening = opens_on(plan, index)
    if opening is None:
        return None
    return datetime.combine(opening, time(0, 0), tzinfo=plan.tz).astimezone(UTC)


def due_at(plan: ReleasePlan, index: int) -> datetime | None:
    """One minute before local midnight at the end of the due date, aware UTC."""
    last_day = due_on(plan, index)
    if last_day is None:
        return None
    return datetime.combine(last_day, time(23, 59), tzinfo=plan.tz).astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """ISO 8601 with a Z suffix, the form both Canvas and Moodle accept in AGS and deep links."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    """An ISO 8601 instant from a platform (``Z`` or an offset; naive means UTC)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def is_open(plan: ReleasePlan, index: int, succeeded: Sequence[bool], now: datetime) -> bool:
    """Whether step ``index`` is open at ``now``; ``succeeded[i]`` says step i succeeded."""
    if plan.mode.gated and not all(succeeded[:index]):
        return False
    opening = opens_on(plan, index)
    return opening is None or today_in(plan, now) >= opening


def step_state(open_now: bool, facts: StepFacts) -> StepState:
    """The teacher-facing state of one step.

    Success is final. An adjustment asked for after the latest response means
    the student has another go to take; a newer response puts it back to
    "submitted" for the teacher to look at.
    """
    if facts.succeeded_at is not None:
        return StepState.SUCCEEDED
    if not open_now:
        return StepState.LOCKED
    if facts.adjusted_at is not None and (facts.responded_at is None or facts.adjusted_at >= facts.responded_at):
        return StepState.NEEDS_ANOTHER_GO
    if facts.responded_at is not None:
        return StepState.SUBMITTED
    return StepState.OPEN


def current_step(plan: ReleasePlan, succeeded: Sequence[bool], now: datetime) -> int | None:
    """The step the student works on: the first not yet succeeded, if it is open.

    None when every step has succeeded or the next one is not open yet.
    """
    for index, done in enumerate(succeeded):
        if not done:
            return index if is_open(plan, index, succeeded, now) else None
    return None


def locked_reason(plan: ReleasePlan, index: int, succeeded: Sequence[bool], now: datetime) -> str:
    """Student-facing words for why a step is not open (never its content)."""
    opening = opens_on(plan, index)
    waiting_on_date = opening is not None and today_in(plan, now) < opening
    waiting_on_previous = plan.mode.gated and not all(succeeded[:index])
    if waiting_on_previous:
        return "opens after your current step"
    if waiting_on_date and opening is not None:
        return f"opens on {format_day(opening)}"
    return "open"


def format_day(value: date) -> str:
    """'Monday 2 March' — unambiguous in every English-speaking country."""
    return f"{value:%A} {value.day} {value:%B}"
