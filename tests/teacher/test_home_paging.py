"""The home page and its lists stay the same size however many sequences the course has.

"What needs you" keeps true counts (heading, title, navigation, "Show all N …") but shows at most
``HOME_ROWS_PER_GROUP`` rows of each kind; the rest, and every sequence, are on paged lists whose
counting, ordering and paging run in SQL. The SQL must agree with the rules in ``lines_for`` on every
state a teacher meets, so the first test compares the two on a course that has all of them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tool.db import session, utcnow
from tool.lti.launch import Launch
from tool.publish.models import Publication, StepProgress
from tool.teacher import attention
from tool.teacher.models import GenerationJob, Sequence, SequenceVersion

from .conftest import MakeLaunch
from .day_rows import MORNING, Course101
from .rows import make_sequence
from .sample import SEQUENCE

NOW = datetime(2026, 3, 3, 12, 0)  # 01:00 on 4 March in Auckland, still 3 March in London
ROWS = attention.HOME_ROWS_PER_GROUP
SIZE = attention.PAGE_SIZE


def _edit(
    app: Flask,
    public_id: str,
    *,
    publication: dict[str, Any] | None = None,
    progress: dict[int, dict[str, Any]] | None = None,
    sequence: dict[str, Any] | None = None,
    tasks: int | None = None,
) -> None:
    """Change rows the builders made: publication columns, step progress by index, the sequence, or cut the
    published version down to ``tasks`` tasks."""
    with app.app_context():
        db = session()
        row = db.scalars(select(Sequence).where(Sequence.public_id == public_id)).one()
        for key, value in (sequence or {}).items():
            setattr(row, key, value)
        pub = db.scalars(select(Publication).where(Publication.sequence_id == row.id)).first()
        for key, value in (publication or {}).items():
            setattr(pub, key, value)
        for index, fields in (progress or {}).items():
            assert pub is not None
            step = next(s for s in pub.steps if s.index == index)
            record = step.progress or StepProgress(step_id=step.id)
            db.add(record)
            for key, value in fields.items():
                setattr(record, key, value)
        if tasks is not None:
            version = db.scalars(select(SequenceVersion).where(SequenceVersion.sequence_id == row.id)).one()
            version.content = {**SEQUENCE, "tasks": SEQUENCE["tasks"][:tasks]}
        db.commit()


def _every_state(app: Flask, platform: dict[str, int]) -> None:
    """One sequence per rule of ``lines_for``, including the ones that must not show (comments say which)."""
    rows = Course101(app, platform)
    at = MORNING + timedelta(hours=1)
    rows.published("Asha", responded={0: ("text", MORNING + timedelta(hours=2))})  # response
    rows.published("Ben", responded={0: ("did_it", at)})  # confirmation
    rows.published("Cara", status="failed", updated_at=MORNING + timedelta(minutes=30))  # publishing failed
    rows.published("Dev", succeeded={0: MORNING + timedelta(minutes=10)}, score_failed={0})  # score failed
    rows.writing_failed("Eli", MORNING + timedelta(minutes=5))  # could not be written
    rows.draft("Fay", must_fix=2)  # draft
    rows.writing("Gus")  # being written: nothing
    rows.published("Hana", succeeded={0: MORNING})  # step 2 open, nothing sent: nothing
    rows.published("Ivo", responded={1: ("text", at)})  # mastery: step 2 locked behind step 1: nothing
    jo = rows.published("Jo", responded={0: ("text", at)})  # asked to have another go: nothing
    _edit(app, jo, progress={0: {"adjusted_at": at + timedelta(minutes=5)}})
    kai = rows.published("Kai", responded={0: ("text", at)})  # answered again after the adjustment: response
    _edit(app, kai, progress={0: {"adjusted_at": at - timedelta(minutes=5)}})
    # Scheduled from 2 March every 3 days: step 1 open, step 2 (5 March) not yet: one response.
    lea = rows.published("Lea", responded={0: ("text", at), 1: ("text", at)})
    _edit(app, lea, publication={"release_mode": "scheduled", "start_date": date(2026, 3, 2)})
    mo = rows.published("Mo", responded={0: ("text", at)})  # scheduled to start later: nothing
    _edit(app, mo, publication={"release_mode": "scheduled", "start_date": date(2026, 3, 10)})
    nia = rows.published("Nia", responded={0: ("text", at)})  # withdrawn: nothing
    _edit(app, nia, publication={"state": "withdrawn"})
    rows.published("Oli", status="publishing")  # being put into the course: nothing
    oli2 = rows.published("Oli Two", responded={0: ("text", at)})  # queued again: busy, nothing
    _edit(app, oli2, publication={"sync_status": "queued"})
    pat = rows.published("Pat", responded={0: ("text", at)})  # a zone this server does not know: nothing
    _edit(app, pat, publication={"timezone": "Mars/Olympus"})
    # Published version has 2 tasks: steps 3 and 4 of the old publication do not count.
    quin = rows.published(
        "Quin",
        succeeded={0: MORNING, 1: MORNING, 2: MORNING + timedelta(minutes=1)},
        responded={3: ("text", at)},
        score_failed={2},
    )
    _edit(app, quin, tasks=2)
    ros = rows.draft("Ros")  # a rewrite failed: could not be written and still a draft
    with app.app_context():
        db = session()
        seq = db.scalars(select(Sequence).where(Sequence.public_id == ros)).one()
        db.add(GenerationJob(sequence_id=seq.id, kind="full", status="failed", payload={}, redactions={}))
        db.commit()
    sol = rows.draft("Sol")  # deleted: nothing
    _edit(app, sol, sequence={"deleted_at": MORNING})
    tia = rows.published("Tia", succeeded={0: MORNING}, score_failed={0})  # the grade item is gone
    _edit(app, tia, progress={0: {"score_status": "gone"}})
    # Both: dated from 26 February and gated. Uma's step 2 is open; Vic's step 1 was never confirmed.
    uma = rows.published("Uma", succeeded={0: MORNING}, responded={1: ("text", at)})
    vic = rows.published("Vic", responded={1: ("text", at)})
    for public_id in (uma, vic):
        _edit(app, public_id, publication={"release_mode": "both", "start_date": date(2026, 2, 26)})
    wes = rows.published("Wes", responded={0: ("text", at)})  # dated with no start date: nothing
    _edit(app, wes, publication={"release_mode": "scheduled", "start_date": None})
    xan = rows.published("Xan", responded={0: ("text", at)})  # days between steps out of range: nothing
    _edit(app, xan, publication={"spacing_days": 0})
    # Step 2 opens on 4 March: already in Auckland, not yet in London.
    for name, zone in (("Yui", "Pacific/Auckland"), ("Zac", "Europe/London")):
        public_id = rows.published(name, responded={1: ("text", at)})
        _edit(
            app,
            public_id,
            publication={"release_mode": "scheduled", "start_date": date(2026, 3, 1), "timezone": zone},
        )
    make_sequence(app, platform, context_id="course-202", label="Other course")  # another course: nothing


@contextmanager
def _teacher(app: Flask, lt: str) -> Iterator[tuple[Any, Launch]]:
    from tool.lti.session import current_launch

    with app.test_request_context(f"/teacher/?lt={lt}"):
        current = current_launch()
        assert current is not None
        yield session(), current


def _reference(db: Any, current: Launch, now: datetime) -> list[attention.Line]:
    """Every line of the course by the Python rules alone, in the home page's order."""
    from tool.teacher.models import Course

    ids = db.scalars(
        select(Sequence.id).join(Course).where(Course.context_id == current.context_id, Sequence.deleted_at.is_(None))
    ).all()
    return sorted(attention.lines_for(db, ids, now).values(), key=lambda line: line.sort_key)


def _key(item: attention.Item) -> tuple[str, str, int | None]:
    return (item.sequence.target_name, item.need.name, item.step_number)


def test_sql_agrees_with_the_rules_on_every_state(
    app: Flask, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    _every_state(app, platform)
    with _teacher(app, make_launch()) as (db, current):
        expected_lines = _reference(db, current, NOW)
        expected = sorted((i for line in expected_lines for i in line.items), key=lambda i: i.sort_key)
        # The rules give what the comments in _every_state say.
        assert Counter((i.sequence.target_name, i.need.name) for i in expected) == Counter(
            {
                ("Asha", "RESPONSE"): 1,
                ("Ben", "CONFIRM"): 1,
                ("Cara", "PUBLISH_FAILED"): 1,
                ("Dev", "SCORE_FAILED"): 1,
                ("Eli", "WRITING_FAILED"): 1,
                ("Fay", "DRAFT"): 1,
                ("Kai", "RESPONSE"): 1,
                ("Lea", "RESPONSE"): 1,
                ("Ros", "WRITING_FAILED"): 1,
                ("Ros", "DRAFT"): 1,
                ("Tia", "SCORE_FAILED"): 1,
                ("Uma", "RESPONSE"): 1,
                ("Yui", "RESPONSE"): 1,
            }
        )
        overview = attention.whats_needed(db, current, NOW, per_group=1000, lines=1000)
        assert overview.count == len(expected) == 13
        assert [_key(i) for i in overview.items] == [_key(i) for i in expected]
        assert {g.group.slug: g.total for g in overview.groups} == {
            "answers": 6,
            "publishing": 1,
            "scores": 2,
            "writing": 2,
            "drafts": 2,
        }
        # Every line, in the same order, from SQL's ORDER BY … LIMIT as from sorting every line in Python.
        assert [line.sequence.target_name for line in overview.lines] == [
            line.sequence.target_name for line in expected_lines
        ]
        assert len(overview.lines) == overview.lines_page.total == 26  # Sol is deleted, "Other course" elsewhere
        assert attention.count_needed(db, current, NOW) == 13
        # An hour later in London it is 4 March there too: Zac's step 2 opens.
        assert attention.count_needed(db, current, datetime(2026, 3, 4, 0, 30)) == 14


def _course(app: Flask, platform: dict[str, int], drafts: int, responses: int, others: int = 0) -> Course101:
    rows = Course101(app, platform)
    for i in range(responses):
        rows.published(f"Resp {i:03d}", responded={0: ("text", MORNING + timedelta(minutes=i))})
    for i in range(drafts):
        public_id = rows.draft(f"Draft {i:03d}")
        _edit(app, public_id, sequence={"updated_at": MORNING + timedelta(minutes=i)})
    for i in range(others):
        rows.writing(f"Busy {i:03d}")
    return rows


def _hrefs(html: str, selector_text: str = "") -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html) if selector_text in h]


def _query(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query, keep_blank_values=True)


def _students(html: str) -> list[str]:
    return [name.strip() for name in re.findall(r'<td class="student">([^<]+)', html)]


def _pager_links(html: str) -> list[str]:
    if 'class="pager"' not in html:
        return []
    return _hrefs(html.split('class="pager"', 1)[1].split("</nav>", 1)[0])


def test_home_shows_a_few_of_each_kind_and_true_counts(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    _course(app, platform, drafts=SIZE + 5, responses=ROWS + 2)
    lt = make_launch()
    html = client.get("/teacher/", query_string={"lt": lt}).get_data(as_text=True)
    total = SIZE + 5 + ROWS + 2
    assert re.search(rf'id="needs-count"[^>]*>{total}<', html)
    assert f"<title>({total}) What needs you" in html
    assert re.search(rf'id="nav-needs-count">{total}<', html)
    needs = html.split('id="needs"', 1)[1].split("</ol>", 1)[0]
    assert needs.count('class="need ') == 2 * ROWS
    assert needs.count("need-response") == ROWS and needs.count("need-draft") == ROWS
    # The oldest first, as before: responses 0..9 of 12, drafts 0..9 of 30.
    shown = re.findall(r'<strong class="who">([^<]+)</strong>', needs)
    assert shown == [f"Resp {i:03d}" for i in range(ROWS)] + [f"Draft {i:03d}" for i in range(ROWS)]
    assert f"Show all {ROWS + 2} responses to look at" in needs
    assert f"Show all {SIZE + 5} drafts to review" in needs
    more = [h for h in _hrefs(needs) if "/teacher/waiting/" in h]
    assert [urlsplit(h).path for h in more] == ["/teacher/waiting/answers", "/teacher/waiting/drafts"]
    assert all(_query(h)["lt"] == [lt] for h in more)
    # The table: one page of lines, and a pager to the full list.
    assert html.count('<tr data-sequence="') == SIZE
    assert f"({total} sequences)" in html
    nxt = re.search(r'<a rel="next" href="([^"]+)"', html)
    assert nxt is not None
    href = nxt.group(1).replace("&amp;", "&")
    assert urlsplit(href).path == "/teacher/students" and _query(href) == {"page": ["2"], "lt": [lt]}
    assert '<nav class="pager" aria-label="Pages of all your students">' in html


def test_a_small_course_has_no_pager_and_no_show_all(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    _course(app, platform, drafts=3, responses=2, others=1)
    html = client.get("/teacher/", query_string={"lt": make_launch()}).get_data(as_text=True)
    assert 'class="pager"' not in html and "Show all" not in html and 'class="more"' not in html
    assert html.count('<tr data-sequence="') == 6


def _pages(client: FlaskClient, path: str, lt: str, **args: str) -> list[str]:
    """Follow the Next links from page 1 to the end; every link must carry the launch token (and the filter)."""
    htmls = []
    href: str | None = f"{path}?lt={lt}" + "".join(f"&{k}={v}" for k, v in args.items())
    while href:
        response = client.get(href)
        assert response.status_code == 200, href
        html = response.get_data(as_text=True)
        htmls.append(html)
        links = _pager_links(html)
        assert links or len(htmls) == 1
        for link in links:
            assert urlsplit(link).path == path, link
            assert _query(link)["lt"] == [lt], link
            for key, value in args.items():
                assert _query(link)[key] == [value], link
        nxt = re.search(r'<a rel="next" href="([^"]+)"', html)
        href = nxt.group(1).replace("&amp;", "&") if nxt else None
        assert len(htmls) < 20
    return htmls


def test_every_sequence_on_exactly_one_page_in_the_home_order(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    _course(app, platform, drafts=2 * SIZE, responses=7, others=4)  # 61 sequences: pages of 25, 25, 11
    lt = make_launch()
    pages = _pages(client, "/teacher/students", lt)
    rows = [re.findall(r'<tr data-sequence="([^"]+)"', html) for html in pages]
    assert [len(r) for r in rows] == [SIZE, SIZE, 11]
    every = [public_id for page in rows for public_id in page]
    assert len(set(every)) == len(every) == 61  # no row on two pages, none missing
    assert "Page 2 of 3" in pages[1] and "rows 26–50 of 61" in pages[1]
    assert '<a rel="prev"' in pages[1] and '<a rel="prev"' not in pages[0]
    with _teacher(app, lt) as (db, current):
        expected = [line.sequence.public_id for line in _reference(db, current, utcnow())]
    assert every == expected
    # The home page's table is the list's first page.
    home = client.get("/teacher/", query_string={"lt": lt}).get_data(as_text=True)
    assert re.findall(r'<tr data-sequence="([^"]+)"', home) == rows[0]


def test_each_kind_pages_oldest_first(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    _course(app, platform, drafts=SIZE + 5, responses=3)
    lt = make_launch()
    pages = _pages(client, "/teacher/waiting/drafts", lt)
    names = [re.findall(r'<strong class="who">([^<]+)</strong>', html) for html in pages]
    assert names == [[f"Draft {i:03d}" for i in range(SIZE)], [f"Draft {i:03d}" for i in range(SIZE, SIZE + 5)]]
    assert re.search(rf'id="group-count">{SIZE + 5}<', pages[0])
    assert re.search(rf'id="nav-needs-count">{SIZE + 8}<', pages[1])  # the badge counts everything
    assert f'<ol class="needs" id="needs" start="{SIZE + 1}">' in pages[1]
    answers = client.get("/teacher/waiting/answers", query_string={"lt": lt}).get_data(as_text=True)
    assert re.findall(r'<strong class="who">([^<]+)</strong>', answers) == ["Resp 000", "Resp 001", "Resp 002"]
    assert 'class="pager"' not in answers
    empty = client.get("/teacher/waiting/scores", query_string={"lt": lt})
    assert empty.status_code == 200 and "Nothing of this kind needs you" in empty.get_data(as_text=True)


def test_find_a_student_by_name(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    rows = _course(app, platform, drafts=SIZE + 3, responses=0)
    rows.draft("Asha 100%")
    rows.draft("Ben_Smith")
    lt = make_launch()
    found = client.get("/teacher/students", query_string={"lt": lt, "q": "  draft 00"}).get_data(as_text=True)
    assert _students(found) == [f"Draft {i:03d}" for i in range(10)]  # any case, in the home page's order
    assert "10 sequences for “draft 00”" in found
    # LIKE's wildcards are only characters: "%" finds Asha alone, "_" finds Ben alone.
    for q, name in (("%", "Asha 100%"), ("_", "Ben_Smith")):
        html = client.get("/teacher/students", query_string={"lt": lt, "q": q}).get_data(as_text=True)
        assert _students(html) == [name], q
    none = client.get("/teacher/students", query_string={"lt": lt, "q": "Nobody"}).get_data(as_text=True)
    assert "No student's name contains “Nobody”" in none
    # A filter with more than one page: the pager keeps the filter and the token.
    pages = _pages(client, "/teacher/students", lt, q="Draft")
    assert [len(re.findall(r'<tr data-sequence="', html)) for html in pages] == [SIZE, 3]


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("0", 1),
        ("-3", 1),
        ("two", 1),
        ("", 1),
        ("1.5", 1),
        ("2", 2),
        ("3", 3),
        ("4", 3),
        (str(10**30), 3),
        ("9" * 5000, 1),
        ("1e3", 1),
        ("%202", 2),
        ("%E2%85%A1", 1),
    ],
)
def test_bad_page_numbers_give_the_first_or_last_page(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch, raw: str, expected: int
) -> None:
    _course(app, platform, drafts=2 * SIZE + 1, responses=0)  # 51 sequences: 3 pages; 51 drafts: 3 pages
    lt = make_launch()
    for path in ("/teacher/students", "/teacher/waiting/drafts"):
        response = client.get(f"{path}?lt={lt}&page={raw}")
        assert response.status_code == 200, (path, raw)
        assert f"Page {expected} of 3" in response.get_data(as_text=True), (path, raw)


def test_unknown_kind_is_a_clear_404(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    response = client.get("/teacher/waiting/everything", query_string={"lt": make_launch(), "page": "2"})
    assert response.status_code == 404


def test_lists_are_for_teachers_only(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    from .conftest import LEARNER

    _course(app, platform, drafts=2, responses=1)
    lt = make_launch(role=LEARNER)
    for path in ("/teacher/students", "/teacher/waiting/drafts"):
        response = client.get(path, query_string={"lt": lt})
        assert response.status_code in (401, 403), path
        assert "Draft 000" not in response.get_data(as_text=True)
    other = make_launch(context_id="course-202")
    html = client.get("/teacher/students", query_string={"lt": other}).get_data(as_text=True)
    assert "Draft 000" not in html and "No sequences yet" in html


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = app.extensions["db_engine"]

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _a_mix(rows: Course101, n: int) -> None:
    """n sequences, a fifth in each state that shows: responses, failed scores, failed publishing, failed
    writing, drafts."""
    for i in range(n // 5):
        at = MORNING + timedelta(minutes=i)
        rows.published(f"A{i}", responded={0: ("text", at)})
        rows.published(f"B{i}", succeeded={0: at}, score_failed={0})
        rows.published(f"C{i}", status="failed")
        rows.writing_failed(f"D{i}", at)
        rows.draft(f"E{i}", must_fix=1)


PAGES = ("/teacher/", "/teacher/students", "/teacher/waiting/drafts", "/teacher/new")


def _measure(client: FlaskClient, app: Flask, lt: str, pages: tuple[str, ...] = PAGES) -> dict[str, tuple[int, str]]:
    """Per page: (SQL statements, the page)."""
    result = {}
    for path in pages:
        with _statements(app) as statements:
            response = client.get(f"{path}{'&' if '?' in path else '?'}lt={lt}")
        assert response.status_code == 200, path
        result[path] = (len(statements), response.get_data(as_text=True))
    return result


def test_queries_and_rows_do_not_grow_with_the_course(
    app: Flask, client: FlaskClient, platform: dict[str, int], make_launch: MakeLaunch
) -> None:
    rows = Course101(app, platform)
    _a_mix(rows, 10)
    lt = make_launch()
    client.get("/teacher/", query_string={"lt": lt})  # first request: the launch user and course rows
    few = _measure(client, app, lt)
    _a_mix(rows, 200 - 10)
    many = _measure(client, app, lt)
    counts = {path: (few[path][0], many[path][0]) for path in PAGES}
    print(f"SQL statements per page (10 sequences, 200 sequences): {counts}")
    assert all(a == b for a, b in counts.values()), counts
    home = many["/teacher/"][1]
    assert re.search(r'id="needs-count"[^>]*>200<', home)
    assert home.count('class="need ') == 5 * ROWS and home.count('class="more"') == 5
    assert home.count("<tr data-sequence=") == SIZE
    # A later page costs what the first does (a page past the end costs one statement more: it is read again
    # as the last page).
    later = _measure(client, app, lt, ("/teacher/students?page=2", "/teacher/waiting/drafts?page=2"))
    assert later["/teacher/students?page=2"][0] == many["/teacher/students"][0]
    assert later["/teacher/waiting/drafts?page=2"][0] == many["/teacher/waiting/drafts"][0]
    assert later["/teacher/students?page=2"][1].count("<tr data-sequence=") == SIZE
    assert later["/teacher/waiting/drafts?page=2"][1].count('class="need ') == 40 - SIZE
    last = _measure(client, app, lt, ("/teacher/students?page=8", "/teacher/students?page=99"))
    assert last["/teacher/students?page=99"][1] == last["/teacher/students?page=8"][1]
    assert "Page 8 of 8" in last["/teacher/students?page=8"][1]
    assert last["/teacher/students?page=99"][0] == last["/teacher/students?page=8"][0] + 1
    # The most the home page can hold (50 items, 25 lines): about 50 KB; listing all 200 took about 220 KB.
    assert len(home.encode()) < 64_000, len(home.encode())
