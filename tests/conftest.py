"""Shared fixtures: a fresh app and database per test, and a guard against the outside world.

The suite runs twice in CI: on the embedded defaults (SQLite, SQL-backed store)
and, with ``SS_TEST_DATABASE_URL`` / ``SS_TEST_CACHE_URL`` / ``SS_TEST_BROKER_URL``
set, on PostgreSQL + Redis.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support.databases import drop_created_databases, fresh_postgres_database

from config.settings import Settings, get_settings

PG_URL = os.environ.get("SS_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("SS_TEST_CACHE_URL", "")
BROKER_URL = os.environ.get("SS_TEST_BROKER_URL", "")


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def _forbid_outside_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach a host other than loopback (no real LLM provider)."""
    real_connect = socket.socket.connect
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: object) -> object:
        if isinstance(address, tuple) and not _is_loopback(str(address[0])):
            raise RuntimeError(f"test tried to reach the outside world: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    def guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if isinstance(host, str | bytes) and not _is_loopback(host.decode() if isinstance(host, bytes) else host):
            raise RuntimeError(f"test tried to resolve an outside host: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


_fresh_postgres_database = fresh_postgres_database


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_created_databases()  # every ss_test_/ss_prod_ database this run made


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    instance = tmp_path / "instance"
    env = {
        "SS_ENV": "test",
        "SS_INSTANCE_DIR": str(instance),
        "SS_LLM_API_KEY": "",
        "SS_GENERATOR": "offline",
        "SS_DEPLOYMENTS_START_ACTIVE": "0",
    }
    env["SS_DATABASE_URL"] = _fresh_postgres_database(PG_URL) if PG_URL else ""
    env["SS_CACHE_URL"] = REDIS_URL
    env["SS_BROKER_URL"] = BROKER_URL
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    if REDIS_URL:
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    from tool import create_app
    from tool.db import upgrade_schema

    flask_app = create_app(settings, TESTING=True)
    upgrade_schema(flask_app)
    yield flask_app
    flask_app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's chromium for a browser test (tests/support/browser.py), closed afterwards."""
    from support.browser import chromium

    with chromium() as running:
        yield running


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The test's app over real HTTP on loopback (for a browser), stopped afterwards."""
    from devlms.testing import ServerThread

    server = ServerThread(app.wsgi_app)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()
