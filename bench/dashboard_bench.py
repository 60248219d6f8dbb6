"""Dashboard: the teacher's course page with many sequences -- render time and queries per page.

    .venv/bin/python bench/dashboard_bench.py [--sizes 10,100,1000] [-n 30] [--sqlite]

A course with 30 students (users) and S sequences, each with a generated version (the offline planner's
content), in PostgreSQL (default; --sqlite for the embedded database). The teacher's home page
(GET /teacher/) is rendered N times through the real app; reported per size: p50/p95 render time and the
SQL statements one render runs (counted on the engine). The query count must not grow with S.
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
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.launch_burst import fresh_database  # noqa: E402

STUDENTS = 30


def measure(size: int, renders: int, sqlite: bool, workdir: Path) -> dict[str, float]:
    from config.settings import get_settings

    os.environ.update({
        "SS_ENV": "test", "SS_INSTANCE_DIR": str(workdir / f"s{size}"), "SS_GENERATOR": "offline",
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
        db.commit()
    with app.test_request_context():
        lt = start_session(launch)
    client = app.test_client()
    engine = app.extensions["db_engine"]
    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        statements[0] += 1

    assert client.get("/teacher/", query_string={"lt": lt}).status_code == 200  # warm
    times = []
    counts = []
    for _ in range(renders):
        statements[0] = 0
        t0 = time.perf_counter()
        response = client.get("/teacher/", query_string={"lt": lt})
        times.append(time.perf_counter() - t0)
        counts.append(statements[0])
        assert response.status_code == 200
    engine.dispose()
    ordered = sorted(times)
    return {
        "sequences": size,
        "students": STUDENTS,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[min(renders - 1, round(0.95 * (renders - 1)))] * 1000,
        "queries_per_render": max(counts),
        "page_kb": len(response.data) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("-n", type=int, default=30, help="renders per size")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "dashboard.json"))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    rows = [measure(int(size), args.n, args.sqlite, workdir) for size in args.sizes.split(",")]
    header = f"{'sequences':>10} {'students':>9} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'page KB':>8}"
    print(header + "\n" + "-" * len(header))
    for r in rows:
        print(f"{r['sequences']:>10} {r['students']:>9} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f}"
              f" {r['queries_per_render']:>8} {r['page_kb']:>8.1f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"database": "sqlite" if args.sqlite else "postgresql", "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
