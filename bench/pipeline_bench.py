"""Pipeline overhead: teacher's submit -> sequence ready, with an LLM endpoint that answers instantly.

    .venv/bin/python bench/pipeline_bench.py [-n 30]

For each stack -- ``embedded`` (SQLite, the SQL broker, solo worker, as ./run.sh runs it) and ``production``
(PostgreSQL + Redis, prefork worker as docker/entrypoint.sh runs it; needs both on loopback) -- a real
Celery worker process and a local OpenAI-compatible server (tests/support/fake_openai.py) that returns a
good answer at once. Sequences are submitted one at a time through the teacher's form (POST /teacher/new,
real request handling in this process) and timed until the job row says ready. Reports submit -> ready
p50/p95 and the tool's CPU per sequence (the web request's thread CPU plus the worker processes' CPU from
/proc). Prints a table and writes bench/results/pipeline.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.launch_burst import PG_BASE, fresh_database, server_cpu_seconds  # noqa: E402

REQUEST = {
    "target_skill": "Extended writing in English",
    "student_level": "Year 8",
    "current_avoidance": "Writes one sentence, rubs it out, puts head on desk.",
    "subject_area": "English",
    "student_strengths": "Articulate in class discussion",
}


def run_stack(name: str, n: int, workdir: Path) -> dict[str, Any]:
    from support.fake_openai import FakeOpenAI, Reply

    from config.settings import get_settings
    from tool.generation.model import SequenceRequest
    from tool.generation.offline import OfflineGenerator

    answer = json.dumps(OfflineGenerator().plan(SequenceRequest.model_validate(REQUEST)).model_dump(mode="json"))
    server = FakeOpenAI().start()
    server.default = lambda _body: Reply(content=answer)
    instance = workdir / name
    env = {
        "SS_ENV": "test",
        "SS_INSTANCE_DIR": str(instance),
        "SS_GENERATOR": "openai",
        "SS_LLM_BASE_URL": server.base_url,
        "SS_LLM_API_KEY": "sk-bench",
        "SS_DEPLOYMENTS_START_ACTIVE": "0",
        "SS_DATABASE_URL": fresh_database() if name == "production" else "",
        "SS_BROKER_URL": "redis://127.0.0.1:6379/12" if name == "production" else "",
        "SS_CACHE_URL": "redis://127.0.0.1:6379/13" if name == "production" else "",
    }
    if name == "production":
        import redis

        for db in (12, 13):
            redis.Redis.from_url(f"redis://127.0.0.1:6379/{db}").flushdb()
    os.environ.update(env)
    get_settings.cache_clear()
    from tool import create_app
    from tool.db import session, upgrade_schema
    from tool.demo import worker_command
    from tool.lti.launch import Launch
    from tool.lti.models import Deployment, Registration
    from tool.lti.session import start_session
    from tool.teacher.models import GenerationJob

    app = create_app(get_settings(), TESTING=True)
    upgrade_schema(app)
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
    with app.test_request_context():
        lt = start_session(launch)
    pool = ["prefork", "--concurrency=2"] if name == "production" else ["solo"]
    argv = [*worker_command(pool[0]), *pool[1:]]
    log = workdir / f"{name}-worker.log"
    with open(log, "ab") as out:
        worker = subprocess.Popen(argv, cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    client = app.test_client()
    form = {"lt": lt, "target_label": "Priya", **REQUEST}

    def wait_ready(job_id: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        with app.app_context():
            db = session()
            while time.monotonic() < deadline:
                db.rollback()
                job = db.get(GenerationJob, job_id, populate_existing=True)
                if job is not None and job.status in ("ready", "failed"):
                    assert job.status == "ready", job.error_reason
                    return
                time.sleep(0.005)
        raise SystemExit(f"job {job_id} not ready:\n{log.read_text()[-3000:]}")

    def submit() -> int:
        response = client.post("/teacher/new", data=form)
        assert response.status_code == 302, response.status_code
        with app.app_context():
            return int(session().scalars(select_latest_job()).one())

    def select_latest_job() -> Any:
        from sqlalchemy import select

        return select(GenerationJob.id).order_by(GenerationJob.id.desc()).limit(1)

    try:
        wait_ready(submit(), 180)  # warm-up: worker started, first connections and imports done
        web_cpu = 0.0
        worker_cpu_before = server_cpu_seconds(worker.pid)
        latencies = []
        for _ in range(n):
            t0 = time.perf_counter()
            c0 = time.thread_time()
            job_id = submit()
            web_cpu += time.thread_time() - c0
            wait_ready(job_id)
            latencies.append(time.perf_counter() - t0)
        worker_cpu = server_cpu_seconds(worker.pid) - worker_cpu_before
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
        server.stop()
        app.extensions["db_engine"].dispose()
    ordered = sorted(latencies)
    return {
        "stack": name,
        "sequences": n,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[min(n - 1, round(0.95 * (n - 1)))] * 1000,
        "web_cpu_ms_per_sequence": web_cpu * 1000 / n,
        "worker_cpu_ms_per_sequence": worker_cpu * 1000 / n,
        "llm_calls": len(server.chat_requests),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--stacks", default="embedded,production")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "pipeline.json"))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pipeline-bench-"))
    rows = [run_stack(name, args.n, workdir) for name in args.stacks.split(",")]
    header = f"{'stack':>11} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'web CPU ms':>11} {'worker CPU ms':>14}"
    print(header + "\n" + "-" * len(header))
    for r in rows:
        print(f"{r['stack']:>11} {r['sequences']:>4} {r['p50_ms']:>8.0f} {r['p95_ms']:>8.0f}"
              f" {r['web_cpu_ms_per_sequence']:>11.1f} {r['worker_cpu_ms_per_sequence']:>14.1f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"postgres": PG_BASE, "rows": rows, "load": os.getloadavg()}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
