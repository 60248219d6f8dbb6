"""Release rules: mastery gating, schedules, both, and dates that survive time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tool.publish.staging import (
    DEFAULT_SPACING_DAYS,
    ReleaseMode,
    ReleasePlan,
    ReleasePlanError,
    StepFacts,
    StepState,
    current_step,
    due_at,
    due_on,
    is_open,
    iso_utc,
    locked_reason,
    opens_on,
    parse_plan,
    step_state,
    today_in,
    unlock_at,
)

NOON = datetime(2026, 3, 2, 12, 0)  # naive = UTC


def test_mastery_opens_the_first_step_and_each_next_one_after_success() -> None:
    plan = ReleasePlan(ReleaseMode.MASTERY)
    assert is_open(plan, 0, [False] * 5, NOON)
    assert not is_open(plan, 1, [False] * 5, NOON)
    assert is_open(plan, 1, [True, False, False, False, False], NOON)
    assert not is_open(plan, 2, [True, False, False, False, False], NOON)
    assert current_step(plan, [True, True, False, False, False], NOON) == 2
    assert current_step(plan, [True] * 5, NOON) is None
    assert opens_on(plan, 3) is None and unlock_at(plan, 3) is None and due_at(plan, 3) is None


def test_schedule_opens_steps_on_their_dates_regardless_of_success() -> None:
    plan = ReleasePlan(ReleaseMode.SCHEDULED, start=date(2026, 3, 2), spacing_days=3)
    assert [opens_on(plan, i) for i in range(3)] == [date(2026, 3, 2), date(2026, 3, 5), date(2026, 3, 8)]
    assert due_on(plan, 0) == date(2026, 3, 4)
    assert is_open(plan, 0, [False] * 3, NOON)
    assert not is_open(plan, 1, [False] * 3, NOON)
    assert is_open(plan, 1, [False] * 3, datetime(2026, 3, 5, 0, 0))
    assert locked_reason(plan, 2, [False] * 3, NOON) == "opens on Sunday 8 March"


def test_both_needs_the_date_and_the_previous_success() -> None:
    plan = ReleasePlan(ReleaseMode.BOTH, start=date(2026, 3, 2), spacing_days=2)
    day4 = datetime(2026, 3, 4, 9, 0)
    assert not is_open(plan, 1, [False, False], day4)  # date reached, no success yet
    assert not is_open(plan, 1, [True, False], NOON)  # success, date not reached
    assert is_open(plan, 1, [True, False], day4)
    assert current_step(plan, [True, False], NOON) is None  # next step exists but is not open yet
    assert locked_reason(plan, 1, [False, False], day4) == "opens after your current step"
    assert locked_reason(plan, 1, [True, False], NOON) == "opens on Wednesday 4 March"


def test_today_is_the_teachers_calendar_day_not_the_servers() -> None:
    auckland = ReleasePlan(ReleaseMode.SCHEDULED, start=date(2026, 3, 3), timezone="Pacific/Auckland")
    # 11:30 UTC on 2 March is 00:30 on 3 March in Auckland (UTC+13 in March).
    instant = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
    assert today_in(auckland, instant) == date(2026, 3, 3)
    assert is_open(auckland, 0, [False], instant)
    assert not is_open(auckland, 0, [False], datetime(2026, 3, 2, 10, 59))
    # Unlock is local midnight: 11:00 UTC the day before.
    assert unlock_at(auckland, 0) == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert iso_utc(unlock_at(auckland, 0)) == "2026-03-02T11:00:00Z"  # type: ignore[arg-type]


def test_dates_cross_a_daylight_saving_change_as_calendar_days() -> None:
    london = ReleasePlan(ReleaseMode.SCHEDULED, start=date(2026, 3, 27), spacing_days=3, timezone="Europe/London")
    # Clocks go forward on 29 March 2026: midnight is 00:00 UTC before, 23:00 UTC the day before after.
    assert unlock_at(london, 0) == datetime(2026, 3, 27, 0, 0, tzinfo=UTC)
    assert unlock_at(london, 1) == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    assert due_at(london, 0) == datetime(2026, 3, 29, 22, 59, tzinfo=UTC)
    assert due_at(london, 0) < unlock_at(london, 1)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("facts", "open_now", "expected"),
    [
        (StepFacts(), False, StepState.LOCKED),
        (StepFacts(), True, StepState.OPEN),
        (StepFacts(responded_at=NOON), True, StepState.SUBMITTED),
        (StepFacts(responded_at=NOON, adjusted_at=datetime(2026, 3, 2, 13)), True, StepState.NEEDS_ANOTHER_GO),
        (StepFacts(adjusted_at=NOON), True, StepState.NEEDS_ANOTHER_GO),
        (
            StepFacts(responded_at=datetime(2026, 3, 2, 14), adjusted_at=datetime(2026, 3, 2, 13)),
            True,
            StepState.SUBMITTED,
        ),
        (StepFacts(responded_at=NOON, succeeded_at=NOON), True, StepState.SUCCEEDED),
        (StepFacts(succeeded_at=NOON), False, StepState.SUCCEEDED),
    ],
)
def test_step_state(facts: StepFacts, open_now: bool, expected: StepState) -> None:
    assert step_state(open_now, facts) is expected


def test_parse_plan_defaults_and_errors() -> None:
    plan = parse_plan("scheduled", "2026-03-02", "", "Europe/London")
    assert plan.spacing_days == DEFAULT_SPACING_DAYS == 3
    assert plan.start == date(2026, 3, 2)
    assert parse_plan("mastery", "2026-03-02", "2", None).start is None  # undated mode drops the date
    for args, message in [
        (("sometimes", None, None, None), "Choose how the steps open"),
        (("scheduled", None, None, None), "Choose the date"),
        (("both", "02/03/2026", None, None), "must look like"),
        (("scheduled", "2026-03-02", "0", None), "between 1 and 14"),
        (("scheduled", "2026-03-02", "three", None), "whole number"),
        (("scheduled", "2026-03-02", "3", "Mars/Olympus"), "Unknown time zone"),
    ]:
        with pytest.raises(ReleasePlanError, match=message):
            parse_plan(*args)
