"""Readiness follows PostgreSQL and Redis down and back up, in one running gunicorn process (never restarted).

Redis is a server of our own on a spare port; PostgreSQL is the machine's, reached through a relay we
close and reopen (the shared server is never stopped). Marked ``production``: CI's PostgreSQL pass.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from .outages import RedisServer, TcpRelay
from .stack import PG_BASE, ProductionStack, fresh_database, production_env

pytestmark = pytest.mark.production


def _readiness(url: str) -> tuple[int, dict[str, bool]]:
    response = requests.get(f"{url}/readyz", timeout=10)
    return response.status_code, {name: check["ok"] for name, check in response.json()["checks"].items()}


def test_readyz_answers_503_while_postgresql_or_redis_is_down_and_200_when_they_return(
    production_stack: ProductionStack, tmp_path: Path
) -> None:
    stack = production_stack
    redis = RedisServer(tmp_path).start()
    pg = urlsplit(PG_BASE)
    relay = TcpRelay((pg.hostname or "127.0.0.1", pg.port or 5432)).start()
    try:
        database = urlsplit(fresh_database())
        stack.env = production_env(
            tmp_path,
            stack.tool_url,
            "http://127.0.0.1:9",
            SS_DATABASE_URL=database._replace(netloc=f"{database.username}@127.0.0.1:{relay.port}").geturl(),
            SS_CACHE_URL=f"{redis.url}/1",
            SS_BROKER_URL=f"{redis.url}/0",
            SS_WEB_WORKERS="1",
        )
        web = stack.start("web")
        stack.wait(lambda: _readiness(stack.tool_url)[0] == 200, 90, "the first 200 from /readyz")
        assert _readiness(stack.tool_url) == (200, {"database": True, "broker": True, "key_store": True, "keys": True})

        redis.stop()
        status, checks = _readiness(stack.tool_url)
        assert status == 503
        assert checks == {"database": True, "broker": False, "key_store": False, "keys": True}
        assert requests.get(f"{stack.tool_url}/healthz", timeout=5).status_code == 200  # alive: no restart wanted

        redis.start()
        stack.wait(lambda: _readiness(stack.tool_url)[0] == 200, 15, "readiness after Redis returned")

        relay.stop()
        status, checks = _readiness(stack.tool_url)
        assert status == 503
        assert checks["database"] is False and checks["broker"] is True
        assert requests.get(f"{stack.tool_url}/healthz", timeout=5).status_code == 200

        relay.start()
        stack.wait(lambda: _readiness(stack.tool_url)[0] == 200, 15, "readiness after PostgreSQL returned")

        # The same process answered throughout: gunicorn booted its one worker once and never again.
        assert web.process.poll() is None
        assert web.output().count("Booting worker") == 1, web.output()[-3000:]
        assert "readiness check database failed" in web.output()
    finally:
        for role in stack.roles:
            role.stop()
        relay.stop()
        redis.stop()
