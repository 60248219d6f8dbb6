"""/healthz and /readyz on whichever backends the suite runs on, and the JSON log lines' contract."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient

from config.settings import Settings
from devlms.testing import ServerThread
from tool import logging_setup
from tool.lti.runtime import get_runtime


@pytest.fixture
def log_lines(settings: Settings) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Our JSON handler writing into a buffer; the lines parsed as a person reading the log would."""
    settings.log_format = "json"
    buffer = io.StringIO()
    logging_setup.configure_logging(settings, stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, logging_setup._HANDLER_MARK, False)]:
        root.removeHandler(handler)


def test_healthz_answers_while_the_process_runs(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_checks_database_broker_store_and_keys(client: FlaskClient) -> None:
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True, "broker": True, "key_store": True, "keys": True,
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_503_when_the_tool_key_does_not_decrypt(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        get_runtime(app).tool_keys.signing_key()
    # An operator restored the database but lost (or mistyped) the key encryption key.
    app.config["SETTINGS"].key_encryption_key = Fernet.generate_key().decode()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["keys"] == {"ok": False, "error": "KeyMismatch", "ms": pytest.approx(
        response.get_json()["checks"]["keys"]["ms"])}
    assert response.get_json()["checks"]["database"]["ok"] is True


def test_each_request_is_one_json_line_with_its_request_id(
    client: FlaskClient, log_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    response = client.get("/lti/jwks", headers={"X-Request-ID": "req-12345678"})
    assert response.headers["X-Request-ID"] == "req-12345678"
    generated = client.get("/lti/jwks?lt=secret-launch-token").headers["X-Request-ID"]
    assert len(generated) == 32 and generated != "req-12345678"
    requests_logged = [line for line in log_lines() if line.get("event") == "request"]
    assert [line["request_id"] for line in requests_logged] == ["req-12345678", generated]
    first = requests_logged[0]
    assert first["level"] == "INFO" and first["status"] == 200 and first["path"] == "/lti/jwks"
    assert isinstance(first["duration_ms"], float) and "timestamp" in first
    assert "secret-launch-token" not in json.dumps(log_lines())  # query strings carry launch tokens


def test_a_request_id_that_could_forge_log_lines_is_replaced(client: FlaskClient) -> None:
    forged = 'abcdefgh", "level": "ERROR'
    response = client.get("/healthz", headers={"X-Request-ID": forged})
    assert response.headers["X-Request-ID"] != forged and len(response.headers["X-Request-ID"]) == 32


def test_bound_ids_ride_along_and_email_addresses_are_masked(
    log_lines: Callable[[], list[dict[str, Any]]],
) -> None:
    log = logging.getLogger("tool.publish.scores")
    with logging_setup.bound(job_id=7, publication_id=3, deployment_id="dep-1"):
        log.warning("score for %s could not be sent", "sam.student@school.example")
    log.warning("outside any task")
    inside, outside = log_lines()[-2:]
    assert inside["job_id"] == 7 and inside["publication_id"] == 3 and inside["deployment_id"] == "dep-1"
    assert inside["message"] == "score for [email] could not be sent"
    assert "job_id" not in outside and "publication_id" not in outside


def _failing_lms(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    status = "503 Service Unavailable" if environ["PATH_INFO"].startswith("/busy") else "200 OK"
    start_response(status, [("Content-Type", "application/json")])
    return [b"{}"]


def test_a_failed_outbound_call_logs_status_and_host_only(log_lines: Callable[[], list[dict[str, Any]]]) -> None:
    server = ServerThread(_failing_lms)
    url = server.start()
    try:
        assert requests.get(f"{url}/ok", timeout=5).status_code == 200
        assert requests.post(f"{url}/busy/api/lti/courses/1/line_items?access_token=abc", timeout=5).status_code == 503
    finally:
        server.stop()
    failures = [line for line in log_lines() if line.get("event") == "outbound_http_failed"]
    assert len(failures) == 1, log_lines()  # the successful call is not logged
    failure = failures[0]
    assert failure["level"] == "WARNING" and failure["status"] == 503 and failure["method"] == "POST"
    assert failure["host"] == "127.0.0.1" and failure["service"] == "lms"
    assert "access_token" not in json.dumps(failure) and "line_items" not in json.dumps(failure)
