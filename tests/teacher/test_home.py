"""The home page answers "what needs me": the waiting items in order, a count, and a line per student."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from tool.db import session
from tool.teacher import attention
from tool.teacher.wording import platform_zone, when

from .conftest import MakeLaunch
from .day_rows import MORNING, Course101


def _needs(html: str) -> list[str]:
    block = html.split('id="needs"', 1)[1].split("</ol>", 1)[0]
    return [
        html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", "<li" + item))).strip()
        for item in block.split("<li")[1:]
    ]


def test_every_state_listed_in_order_with_a_count(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    rows = Course101(app, platform)
    rows.published("Asha", responded={0: ("text", MORNING + timedelta(hours=2))})
    rows.published("Ben", responded={0: ("did_it", MORNING + timedelta(hours=1))})
    rows.published("Cara", status="failed", updated_at=MORNING + timedelta(minutes=30))
    rows.published("Dev", succeeded={0: MORNING + timedelta(minutes=10)}, score_failed={0})
    rows.writing_failed("Eli", MORNING + timedelta(minutes=5))
    rows.draft("Fay", must_fix=2)
    rows.writing("Gus")
    rows.published("Hana", succeeded={0: MORNING})  # step 2 open, nothing sent: nothing for the teacher
    lt = make_launch()

    html = client.get(f"/teacher/?lt={lt}").get_data(as_text=True)

    needs = _needs(html)
    assert [n.split(" — ")[0] for n in needs] == ["Ben", "Asha", "Cara", "Dev", "Eli", "Fay"]
    assert "Confirm step 1" in needs[0] and "Look at the response to step 1" in needs[1]
    assert "Publishing to your course failed" in needs[2] and "refused" in needs[2]
    assert "Step 1's score did not reach the gradebook" in needs[3]
    assert "could not be written" in needs[4]
    assert "2 things to fix first" in needs[5]
    assert re.search(r'id="needs-count"[^>]*>6<', html)
    assert "<title>(6) What needs you" in html
    # Every student has a line, with where they are; the ones waiting for you come first.
    lines = re.findall(r'<td class="student">([^<]+)', html)
    assert [name.strip() for name in lines][:6] == ["Ben", "Asha", "Cara", "Dev", "Eli", "Fay"]
    assert set(name.strip() for name in lines[6:]) == {"Gus", "Hana"}
    assert "Step 2 of 4: the student has not sent anything yet" in html
    assert "Being written" in html


def test_nothing_waiting_says_so(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    rows = Course101(app, platform)
    rows.published("Hana", succeeded={0: MORNING})
    html = client.get(f"/teacher/?lt={make_launch()}").get_data(as_text=True)
    assert "Nothing needs you right now" in html
    assert re.search(r'id="needs-count"[^>]*>0<', html)


def test_other_courses_never_appear(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    Course101(app, platform).published("Asha", responded={0: ("text", MORNING)})
    html = client.get(f"/teacher/?lt={make_launch(context_id='course-202')}").get_data(as_text=True)
    assert "Asha" not in html


@contextmanager
def _count_queries(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = app.extensions["db_engine"]

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _queries_for(app: Flask, make_launch: MakeLaunch) -> int:
    from tool.lti.session import current_launch

    lt = make_launch()
    with app.test_request_context(f"/teacher/?lt={lt}"):
        current = current_launch()
        db = session()
        db.expunge_all()
        with _count_queries(app) as statements:
            overview = attention.whats_needed(db, current, MORNING + timedelta(days=1))
        assert overview.lines
        return len(statements)


def test_query_count_does_not_grow_with_the_number_of_sequences(
    app: Flask, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    rows = Course101(app, platform)

    def add_day() -> None:
        rows.published("A", responded={0: ("text", MORNING)})
        rows.published("B", succeeded={0: MORNING}, score_failed={0})
        rows.published("C", status="failed")
        rows.writing_failed("D", MORNING)
        rows.draft("E", must_fix=1)

    add_day()
    few = _queries_for(app, make_launch)
    for _ in range(4):
        add_day()
    many = _queries_for(app, make_launch)
    print(f"queries for 5 sequences: {few}; for 25: {many}")
    assert few == many, (few, many)
    # 2 to count, order and page in SQL (the course's time zones; one statement for every kind's total and
    # first rows and the first page of lines), then 7 for the rows shown (sequences, jobs, findings,
    # publications, steps, progress, published task counts).
    assert few <= 9


def test_time_in_the_platform_zone_or_marked_for_the_browser() -> None:
    from tool.lti.launch import Launch

    base = dict(
        launch_id="x",
        registration_id=1,
        deployment_pk=1,
        issuer="i",
        client_id="c",
        deployment_id="d",
        message_type="LtiResourceLinkRequest",
        user_sub="s",
    )
    canvas = Launch(**base, custom={"timezone": "America/Denver"})  # type: ignore[arg-type]
    unsubstituted = Launch(**base, custom={"timezone": "$Person.address.timezone"})  # type: ignore[arg-type]
    nonsense = Launch(**base, custom={"timezone": "Mars/Olympus"})  # type: ignore[arg-type]
    zone = platform_zone(canvas)
    assert zone is not None
    assert platform_zone(unsubstituted) is None and platform_zone(nonsense) is None
    assert str(when(MORNING, zone)) == (
        '<time datetime="2026-03-02T08:00:00Z" title="America/Denver">2 Mar 2026, 01:00</time>'
    )
    assert str(when(MORNING)) == '<time datetime="2026-03-02T08:00:00Z" data-local>2 Mar 2026, 08:00 UTC</time>'


def test_finding_places_read_in_the_page_words() -> None:
    from tool.teacher.wording import plain_location

    assert plain_location("Task 2 › Student instructions") == "Step 2 › What the student sees"
    assert plain_location("Efficacy Diagnostic › Primary barrier") == "Why they avoid it › What holds them back"
    assert plain_location("Attribution Coaching Guide › Phrases to AVOID") == "What to say, and what not to › Don't say"


def test_every_teacher_page_shows_the_count_in_its_navigation(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    rows = Course101(app, platform)
    public_id = rows.published("Asha", responded={0: ("text", MORNING)})
    rows.published("Ben", responded={0: ("did_it", MORNING)})
    lt = make_launch()
    for path in ("/teacher/", f"/teacher/s/{public_id}", f"/teacher/s/{public_id}/history", "/teacher/new"):
        html = client.get(path, query_string={"lt": lt}).get_data(as_text=True)
        assert re.search(r'id="nav-needs-count">2<', html), path
