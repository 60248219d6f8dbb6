"""Services going away while teachers use the tool: Redis (cache and broker on one server, the
production compose file's shape) and a PostgreSQL connection dropped mid-request."""

from __future__ import annotations

import time

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from tool.db import session
from tool.lti.session import start_session
from tool.teacher.jobs import BROKER_DOWN_NOTE
from tool.teacher.models import GenerationJob, SequenceVersion
from tool.teacher.models import Sequence as SequenceRow

from .conftest import PG_URL, REQUEST, FaultStack, RedisServer, wait_until

CI_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _token(stack: FaultStack) -> str:
    with stack.app.test_request_context():
        return start_session(stack.launch())


def _form(lt: str) -> dict[str, str]:
    return {"lt": lt, "target_label": "Priya", **{k: v for k, v in REQUEST.items() if v}}


def _count(stack: FaultStack, model: type) -> int:
    with stack.app.app_context():
        db = session()
        db.rollback()
        return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.faults
def test_redis_down_at_submit_keeps_the_request_and_dispatches_it_when_redis_returns(
    fault_stack,  # type: ignore[no-untyped-def]
    redis_server: RedisServer,
) -> None:
    # Cache and broker on one Redis that is not running (nothing listens on its port yet).
    stack: FaultStack = fault_stack(
        broker_url=redis_server.url(0), cache_url=redis_server.url(1), SS_SWEEP_INTERVAL_SECONDS="1"
    )
    client: FlaskClient = stack.app.test_client()
    lt = _token(stack)  # the launch record goes to the SQL store while Redis is down

    started = time.monotonic()
    submitted = client.post("/teacher/new", data=_form(lt))
    assert submitted.status_code == 302, submitted.get_data(as_text=True)[:2000]
    assert time.monotonic() - started < 15  # the broker is given up on within seconds, not minutes

    with stack.app.app_context():
        (row,) = session().scalars(select(SequenceRow)).all()
        (job,) = session().scalars(select(GenerationJob)).all()
        assert row.inputs["current_avoidance"] == REQUEST["current_avoidance"]
        assert job.status == "queued" and job.dispatched_at is None and job.error_reason == BROKER_DOWN_NOTE
        public_id, job_id = row.public_id, job.id
    polled = client.get(f"/teacher/s/{public_id}/status.json", query_string={"lt": lt})
    assert polled.status_code == 200 and polled.get_json()["status"] == "queued"
    assert client.get("/teacher/", query_string={"lt": lt}).status_code == 200

    redis_server.start()
    stack.workers.start()  # with its beat: the sweeper hands the kept job to the broker

    def ready() -> bool:
        with stack.app.app_context():
            db = session()
            db.rollback()
            return db.get(GenerationJob, job_id).status == "ready"  # type: ignore[union-attr]

    wait_until(ready, 120, f"the kept job to run once Redis is back\n{stack.workers.log_tail()}")
    assert _count(stack, SequenceVersion) == 1
    assert _count(stack, GenerationJob) == 1
    # Redis is back: the launch made during the outage still works, now read through Redis's miss.
    assert client.get(f"/teacher/s/{public_id}/status.json", query_string={"lt": lt}).get_json()["status"] == "ready"


@pytest.mark.faults
def test_redis_going_down_after_the_launch_gives_a_clear_page_not_a_500(
    fault_stack,  # type: ignore[no-untyped-def]
    redis_server: RedisServer,
) -> None:
    redis_server.start()
    stack: FaultStack = fault_stack(broker_url=redis_server.url(0), cache_url=redis_server.url(1))
    client: FlaskClient = stack.app.test_client()
    lt = _token(stack)  # stored in Redis
    assert client.get("/teacher/", query_string={"lt": lt}).status_code == 200
    redis_server.stop()
    for response in (
        client.get("/teacher/", query_string={"lt": lt}),
        client.post("/teacher/new", data=_form(lt)),
    ):
        # The launch lived only in Redis: a page asking to open the tool again, never a crash.
        assert response.status_code == 401, response.status_code
        assert "link again" in response.get_data(as_text=True)


def _postgres_stack(fault_stack) -> FaultStack:  # type: ignore[no-untyped-def]
    from support.databases import fresh_postgres_database as _fresh_postgres_database

    return fault_stack(SS_DATABASE_URL=_fresh_postgres_database(PG_URL or CI_POSTGRES))  # type: ignore[no-any-return]


def _drop_connection_on(stack: FaultStack, fragment: str) -> list[int]:
    """Terminate (from outside, as a server restart does) the backend about to run the next
    statement containing ``fragment``; returns the list of terminated backend pids."""
    engine = stack.app.extensions["db_engine"]
    url = make_url(engine.url)
    dsn = f"host={url.host} port={url.port or 5432} user={url.username} dbname={url.database}"
    killed: list[int] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _terminate(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not killed and fragment in statement:
            pid = conn.connection.dbapi_connection.info.backend_pid
            with psycopg.connect(dsn, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            killed.append(pid)

    return killed


@pytest.mark.faults
def test_a_dropped_database_connection_is_retried_for_reads(fault_stack) -> None:  # type: ignore[no-untyped-def]
    stack = _postgres_stack(fault_stack)
    client: FlaskClient = stack.app.test_client()
    lt = _token(stack)
    assert client.post("/teacher/new", data=_form(lt)).status_code == 302
    killed = _drop_connection_on(stack, "FROM sequences")
    response = client.get("/teacher/", query_string={"lt": lt})
    assert len(killed) == 1  # the page's query really lost its connection
    assert response.status_code == 200
    assert client.get("/teacher/", query_string={"lt": lt}).status_code == 200  # and the pool recovered


@pytest.mark.faults
def test_a_dropped_database_connection_during_a_form_post_is_a_clear_503_and_saves_nothing(
    fault_stack,  # type: ignore[no-untyped-def]
) -> None:
    stack = _postgres_stack(fault_stack)
    client: FlaskClient = stack.app.test_client()
    lt = _token(stack)
    killed = _drop_connection_on(stack, "INSERT INTO sequences")
    response = client.post("/teacher/new", data=_form(lt))
    assert len(killed) == 1
    assert response.status_code == 503
    assert "try again" in response.get_data(as_text=True).lower()
    assert _count(stack, SequenceRow) == 0
    assert client.post("/teacher/new", data=_form(lt)).status_code == 302  # trying again works
    assert _count(stack, SequenceRow) == 1


@pytest.mark.faults
def test_a_teacher_launching_and_submitting_while_redis_is_down_gets_no_500(
    fault_stack,  # type: ignore[no-untyped-def]
    redis_server: RedisServer,
) -> None:
    """The whole way over HTTP: OIDC login and launch from the development LMS (state and nonce kept in
    the SQL store meanwhile), the teacher's form, then Redis comes back and the job runs once."""
    import re

    from publish.e2e import register_in

    from devlms.testing import DevLmsServer, LaunchDriver, ServerThread

    stack: FaultStack = fault_stack(
        broker_url=redis_server.url(0), cache_url=redis_server.url(1), SS_SWEEP_INTERVAL_SECONDS="1"
    )
    server = ServerThread(stack.app.wsgi_app)
    tool_url = server.start()
    stack.app.config["SETTINGS"].base_url = tool_url
    lms = DevLmsServer().start()
    try:
        client_id, _ = register_in(stack.app, lms, tool_url, "canvas")
        driver = LaunchDriver(lms)
        landing = driver.launch("canvas", client_id, user="teacher")
        assert landing.status_code == 200, landing.text[:1000]
        lt = re.search(r"[?&]lt=([^&\"']+)", landing.url)
        assert lt is not None, landing.url
        posted = driver.session.post(f"{tool_url}/teacher/new", data=_form(lt.group(1)), timeout=30,
                                     allow_redirects=False)
        assert posted.status_code in (302, 303), posted.text[:1000]
        assert _count(stack, GenerationJob) == 1
        with stack.app.app_context():
            job = session().scalars(select(GenerationJob)).one()
            assert job.dispatched_at is None and job.status == "queued"
            job_id = job.id
        redis_server.start()
        stack.workers.start()

        def ready() -> bool:
            with stack.app.app_context():
                db = session()
                db.rollback()
                return db.get(GenerationJob, job_id).status == "ready"  # type: ignore[union-attr]

        wait_until(ready, 120, f"the kept job to run once Redis is back\n{stack.workers.log_tail()}")
        assert _count(stack, SequenceVersion) == 1
    finally:
        lms.stop()
        server.stop()
