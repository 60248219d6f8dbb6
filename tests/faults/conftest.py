"""Fault-injection fixtures: an app on a chosen broker and database, real worker processes we can
SIGKILL, a Redis server of our own on a spare loopback port, and a slow OpenAI-compatible endpoint.

Everything is loopback. The database follows the CI pass (PostgreSQL when ``SS_TEST_DATABASE_URL``
is set) unless a test asks for the embedded default (SQLite with the SQL broker).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from support.fake_openai import FakeOpenAI, Reply

from config.settings import get_settings
from tool.generation.model import SequenceRequest
from tool.generation.offline import OfflineGenerator
from tool.lti.launch import Launch

PG_URL = os.environ.get("SS_TEST_DATABASE_URL", "")
REPO_ROOT = Path(__file__).resolve().parents[2]

REQUEST: dict[str, Any] = {
    "target_skill": "Extended writing in English",
    "student_level": "Year 8",
    "current_avoidance": "Writes one sentence, rubs it out, puts head on desk.",
    "subject_area": "English",
    "student_strengths": "Articulate in class discussion",
}


def good_answer() -> dict[str, Any]:
    """An answer that passes every check (the offline planner's plan, as the model's answer)."""
    return OfflineGenerator().plan(SequenceRequest.model_validate(REQUEST)).model_dump(mode="json")


def slow_good_answers(server: FakeOpenAI, delay: float) -> None:
    """Every unscripted chat request answers well after ``delay`` seconds (a kill lands mid-call)."""
    answer = good_answer()
    import json

    server.default = lambda _body: Reply(content=json.dumps(answer), delay=delay)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class RedisServer:
    """A real ``redis-server`` on a spare loopback port that can be started late and stopped."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False

        wait_until(answers, 10, "redis-server to listen")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


@dataclass
class Workers:
    """Real Celery workers as production runs them (prefork pool, one process here) with an
    embedded beat, all in one process group we can SIGKILL."""

    env: dict[str, str]
    log: Path
    current: subprocess.Popen[bytes] | None = None
    all: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, pool: str = "prefork") -> subprocess.Popen[bytes]:
        from tool.demo import worker_command

        argv = [*worker_command(pool), "--concurrency=1"]
        with open(self.log, "ab") as out:
            self.current = subprocess.Popen(
                argv, cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.all.append(self.current)
        return self.current

    def sigkill_worker(self) -> None:
        """SIGKILL the whole worker: main process, pool process and embedded beat."""
        assert self.current is not None
        os.killpg(self.current.pid, signal.SIGKILL)
        self.current.wait(10)
        self.current = None

    def stop_all(self) -> None:
        for process in self.all:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


@dataclass
class FaultStack:
    app: Flask
    env: dict[str, str]
    workers: Workers
    platform: dict[str, int]

    def launch(self) -> Launch:
        return Launch(
            launch_id="fault-launch",
            registration_id=self.platform["registration_id"],
            deployment_pk=self.platform["deployment_pk"],
            issuer="http://127.0.0.1:9/canvas",
            client_id="client-1",
            deployment_id="dep-1",
            message_type="LtiResourceLinkRequest",
            user_sub="teacher-sub-1",
            roles=("http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",),
            context_id="course-101",
            context_title="Year 8 English",
            user_name="Tina Teacher",
        )

    def submit_jobs(self, count: int) -> list[int]:
        """``count`` sequences, each with its generation job started as the teacher's form does."""
        from tool.db import session
        from tool.teacher import queries
        from tool.teacher.jobs import start_job
        from tool.teacher.models import Sequence as SequenceRow

        ids = []
        with self.app.app_context():
            db = session()
            launch = self.launch()
            course = queries.ensure_course(db, launch)
            author = queries.launch_user(db, launch)
            for n in range(count):
                row = SequenceRow(
                    course_id=course.id, created_by_id=author.id, target_label=f"Student {n}", inputs=dict(REQUEST)
                )
                db.add(row)
                db.commit()
                ids.append(start_job(db, launch, row, created_by=author, roster=None).id)
        return ids


def _platform(app: Flask) -> dict[str, int]:
    from tool.db import session
    from tool.lti.models import Deployment, Registration

    with app.app_context():
        db = session()
        reg = Registration(
            issuer="http://127.0.0.1:9/canvas",
            client_id="client-1",
            auth_login_url="http://127.0.0.1:9/auth",
            auth_token_url="http://127.0.0.1:9/token",
            jwks_url="http://127.0.0.1:9/jwks",
        )
        db.add(reg)
        db.flush()
        dep = Deployment(registration_id=reg.id, deployment_id="dep-1", active=True)
        db.add(dep)
        db.commit()
        return {"registration_id": reg.id, "deployment_pk": dep.id}


@pytest.fixture
def fault_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FaultStack]]:
    """Build an app (and its worker environment) on the given broker; ``embedded=True`` forces SQLite."""
    cleanups: list[Callable[[], None]] = []

    def build(*, broker_url: str = "", cache_url: str = "", embedded: bool = False, **extra: str) -> FaultStack:
        from support.databases import fresh_postgres_database as _fresh_postgres_database

        instance = tmp_path / "instance"
        env = {
            "SS_ENV": "test",
            "SS_INSTANCE_DIR": str(instance),
            "SS_GENERATOR": "offline",
            "SS_LLM_API_KEY": "",
            "SS_DEPLOYMENTS_START_ACTIVE": "0",
            "SS_DATABASE_URL": "" if embedded or not PG_URL else _fresh_postgres_database(PG_URL),
            "SS_BROKER_URL": broker_url,
            "SS_CACHE_URL": cache_url,
            **extra,
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        from tool import create_app
        from tool.db import upgrade_schema

        app = create_app(get_settings(), TESTING=True)
        upgrade_schema(app)
        cleanups.append(app.extensions["db_engine"].dispose)
        workers = Workers(dict(os.environ), tmp_path / "worker.log")
        cleanups.append(workers.stop_all)
        return FaultStack(app, env, workers, _platform(app))

    yield build
    for cleanup in reversed(cleanups):
        cleanup()
    get_settings.cache_clear()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of our own (not yet started), stopped after the test."""
    server = RedisServer(tmp_path)
    yield server
    server.stop()
