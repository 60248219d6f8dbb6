"""Dashboard: the teacher's course page with many sequences -- render time, bytes and queries per page.

    .venv/bin/python bench/dashboard_bench.py [--sizes 10,100,1000] [-n 30] [--data drafts,mixed] [--sqlite]

A course with 30 students (users) and S sequences in PostgreSQL (default; --sqlite for the embedded
database), in two shapes:

- ``drafts``: every sequence a generated draft (the offline planner's content), so all S wait for the
  teacher ("Review the draft");
- ``mixed``: a fifth each of: published with a response waiting, published and working (step 1 confirmed),
  published with a score that did not reach the gradebook, a rewrite that failed, a draft; each with its
  generation job, the published ones with their steps and progress rows.

Each page is rendered N times through the real app: the home page (GET /teacher/), and where the app has
them, the middle page of the list of every sequence (/teacher/students?page=) and the last page of the
drafts to review (/teacher/waiting/drafts?page=). Reported per page and size: p50/p95 render time, the bytes of the
page and the SQL statements one render runs (counted on the engine); the query count must not grow with S.
Prints a table and writes bench/results/dashboard.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.launch_burst import fresh_database  # noqa: E402

STUDENTS = 30


def measure(
    size: int, renders: int, sqlite: bool, workdir: Path, data: str, analyze: bool = True
) -> list[dict[str, Any]]:
    from config.settings import get_settings

    os.environ.update({
        "SS_ENV": "test", "SS_INSTANCE_DIR": str(workdir / f"{data}{size}"), "SS_GENERATOR": "offline",
        "SS_DATABASE_URL": "" if sqlite else fresh_database(), "SS_CACHE_URL": "", "SS_BROKER_URL": "",
    })
    get_settings.cache_clear()
    from tool import create_app
    from tool.db import session, upgrade_schema
    from tool.generation.model import SequenceRequest
    from tool.generation.offline import OfflineGenerator
    from tool.lti.launch import Launch
    from tool.lti.models import Deployment, Registration
    from tool.lti.session import start_session
    from tool.teacher import queries
    from tool.teacher.models import Sequence, SequenceVersion, User

    app = create_app(get_settings(), TESTING=True)
    upgrade_schema(app)
    request = {"target_skill": "Extended writing", "student_level": "Year 8",
               "current_avoidance": "Writes one sentence and stops.", "subject_area": "English"}
    content = OfflineGenerator().plan(SequenceRequest.model_validate(request)).model_dump(mode="json")
    with app.app_context():
        db = session()
        reg = Registration(issuer="https://bench.lms", client_id="c", auth_login_url="https://bench.lms/a",
                           auth_token_url="https://bench.lms/t", jwks_url="https://bench.lms/j")  # noqa: S106
        db.add(reg)
        db.flush()
        dep = Deployment(registration_id=reg.id, deployment_id="d", active=True)
        db.add(dep)
        db.commit()
        launch = Launch(launch_id="bench", registration_id=reg.id, deployment_pk=dep.id, issuer="https://bench.lms",
                        client_id="c", deployment_id="d", message_type="LtiResourceLinkRequest", user_sub="t1",
                        roles=("http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",),
                        context_id="course", user_name="Tina Teacher")
        course = queries.ensure_course(db, launch)
        teacher = queries.launch_user(db, launch)
        students = [User(registration_id=reg.id, sub=f"s{i}", display_name=f"Student {i}") for i in range(STUDENTS)]
        db.add_all(students)
        db.flush()
        for i in range(size):
            row = Sequence(course_id=course.id, created_by_id=teacher.id, target_user_id=students[i % STUDENTS].id,
                           inputs=request, status="ready", current_version=1)
            db.add(row)
            db.flush()
            db.add(SequenceVersion(sequence_id=row.id, number=1, content=content, findings=[], source="generated"))
            if data == "mixed":
                _mixed(db, row, i, launch, len(content["tasks"]))
        db.commit()
    if analyze and not sqlite:
        # What autovacuum does in a running database; right after a bulk load PostgreSQL's planner believes the
        # tables empty and may pick nested loops that scan a table once per row of another.
        with app.extensions["db_engine"].connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    with app.test_request_context():
        lt = start_session(launch)
    client = app.test_client()
    engine = app.extensions["db_engine"]
    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        statements[0] += 1

    middle = max(1, -(-size // 25) // 2)  # 25 a page
    drafts = sum(1 for i in range(size) if data == "drafts" or i % 5 in (3, 4))  # a failed rewrite keeps its draft
    pages = {"home": ("/teacher/", {}), "list": ("/teacher/students", {"page": middle}),
             "drafts": ("/teacher/waiting/drafts", {"page": max(1, -(-drafts // 25))})}  # the last page
    rows = []
    for page, (path, args) in pages.items():
        warm = client.get(path, query_string={**args, "lt": lt})
        if warm.status_code == 404:  # an app without the paged lists
            continue
        assert warm.status_code == 200, (path, warm.status_code)
        times = []
        counts = []
        for _ in range(renders):
            statements[0] = 0
            t0 = time.perf_counter()
            response = client.get(path, query_string={**args, "lt": lt})
            times.append(time.perf_counter() - t0)
            counts.append(statements[0])
            assert response.status_code == 200
        ordered = sorted(times)
        rows.append({
            "data": data,
            "page": page,
            "path": path + "".join(f"?{k}={v}" for k, v in args.items()),
            "sequences": size,
            "students": STUDENTS,
            "p50_ms": statistics.median(ordered) * 1000,
            "p95_ms": ordered[min(renders - 1, round(0.95 * (renders - 1)))] * 1000,
            "queries_per_render": max(counts),
            "page_bytes": len(response.data),
            "page_kb": len(response.data) / 1024,
        })
    engine.dispose()
    return rows


def _mixed(db: Any, row: Any, i: int, launch: Any, tasks: int) -> None:
    """Give sequence ``i`` of the mixed course its job, and a publication with steps and progress (see above)."""
    from tool.publish.models import Publication, PublishedStep, StepProgress
    from tool.teacher.models import GenerationJob

    kind = i % 5
    at = datetime(2026, 3, 2, 8, 0) + timedelta(minutes=i)
    db.add(GenerationJob(sequence_id=row.id, kind="full", status="failed" if kind == 3 else "ready", payload={},
                         redactions={}, finished_at=at, error_reason="busy" if kind == 3 else None))
    if kind > 2:
        return
    publication = Publication(sequence_id=row.id, version_number=1, method="ags", state="confirmed",
                              sync_status="done", release_mode="mastery", spacing_days=3, timezone="Europe/London",
                              registration_id=launch.registration_id, deployment_pk=launch.deployment_pk,
                              context_id=launch.context_id, attempts=1, updated_at=at)
    db.add(publication)
    db.flush()
    for index in range(tasks):
        step = PublishedStep(publication_id=publication.id, index=index, resource_id=f"ss:{row.public_id}:{index}")
        db.add(step)
        if index == 0:
            db.flush()
            done = at + timedelta(hours=1) if kind in (1, 2) else None
            score = ("failed" if kind == 2 else "posted") if done else "none"
            db.add(StepProgress(step_id=step.id, response_kind="text", response_text="x", responded_at=at,
                                succeeded_at=done, score_status=score, score_attempts=1 if done else 0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("-n", type=int, default=30, help="renders per size")
    parser.add_argument("--data", default="drafts,mixed", help="drafts, mixed or both (comma-separated)")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--no-analyze", action="store_true", help="skip ANALYZE after loading (PostgreSQL)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "dashboard.json"))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    rows = [
        row
        for data in args.data.split(",")
        for size in args.sizes.split(",")
        for row in measure(int(size), args.n, args.sqlite, workdir, data, not args.no_analyze)
    ]
    header = (f"{'data':>7} {'page':>7} {'sequences':>10} {'students':>9} {'p50 ms':>8} {'p95 ms':>8}"
              f" {'queries':>8} {'bytes':>9}")
    print(header + "\n" + "-" * len(header))
    for r in rows:
        print(f"{r['data']:>7} {r['page']:>7} {r['sequences']:>10} {r['students']:>9} {r['p50_ms']:>8.1f}"
              f" {r['p95_ms']:>8.1f} {r['queries_per_render']:>8} {r['page_bytes']:>9}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"database": "sqlite" if args.sqlite else "postgresql",
                               "analyzed": not args.sqlite and not args.no_analyze, "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
