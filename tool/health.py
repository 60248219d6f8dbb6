"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work right now).

A load balancer or Docker sends traffic only to a ready process and restarts one that is not healthy,
so the two differ on purpose: a database outage makes ``/readyz`` answer 503 (stop sending launches
here) but never ``/healthz`` (restarting would not bring PostgreSQL back). Every check reconnects on
each probe, so readiness returns to 200 by itself once PostgreSQL or Redis is back.

The answers name checks and error classes only: no URLs, hosts or secrets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine

bp = Blueprint("health", __name__)

# Seconds a probe may wait on one dependency: a hung database must not hang the probe.
PROBE_TIMEOUT = 2.0


def _database() -> None:
    engine: Engine = current_app.extensions["db_engine"]
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _redis_ping(url: str) -> None:
    import redis

    clients: dict[str, Any] = current_app.extensions.setdefault("health_redis", {})
    client = clients.get(url)
    if client is None:
        client = clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=PROBE_TIMEOUT, socket_timeout=PROBE_TIMEOUT
        )
    client.ping()


def _sql_broker(url: str) -> None:
    engines: dict[str, Engine] = current_app.extensions.setdefault("health_sql_broker", {})
    engine = engines.get(url)
    if engine is None:
        engine = engines[url] = create_engine(url.removeprefix("sqla+"), pool_pre_ping=True)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def _broker() -> None:
    url: str = current_app.config["SETTINGS"].broker_url
    if url.startswith(("redis://", "rediss://")):
        _redis_ping(url)
    elif url.startswith("sqla+"):
        _sql_broker(url)
    else:
        from kombu import Connection

        with Connection(url, connect_timeout=PROBE_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=1)


def _key_store() -> None:
    url: str = current_app.config["SETTINGS"].cache_url
    if url:
        _redis_ping(url)  # the store falls back to SQL during an outage; readiness reports the outage
    else:
        _database()  # the embedded store is a table in the database


def _keys() -> None:
    """An active tool key exists and decrypts with SS_KEY_ENCRYPTION_KEY (else launches cannot be signed)."""
    from tool.lti.models import ToolKey
    from tool.lti.runtime import get_runtime

    engine: Engine = current_app.extensions["db_engine"]
    with engine.connect() as conn:
        row = conn.execute(
            select(ToolKey.private_key_encrypted).where(ToolKey.active.is_(True)).order_by(ToolKey.id.desc()).limit(1)
        ).first()
    if row is None:
        get_runtime().tool_keys.signing_key()  # a fresh install: the first key is made on first use
        return
    try:
        Fernet(current_app.config["SETTINGS"].key_encryption_key.encode()).decrypt(row[0].encode())
    except InvalidToken as exc:
        raise KeyMismatch("the newest tool key does not decrypt with SS_KEY_ENCRYPTION_KEY") from exc


class KeyMismatch(Exception):
    pass


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "broker": _broker,
    "key_store": _key_store,
    "keys": _keys,
}


def run_checks() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure is "not ready": report it, never crash the probe
            current_app.logger.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = {"ok": False, "error": type(exc).__name__}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    checks = run_checks()
    ready = all(result["ok"] for result in checks.values())
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
