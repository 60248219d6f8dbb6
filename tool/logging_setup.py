"""Structured logs: one JSON object per line on stderr, for web, worker and beat alike.

Every line carries the ids that tie it to a request and its work (``request_id``, ``launch_id``,
``deployment_id``, ``job_id``, ``publication_id``, ``task_id``), never a name or an e-mail address:
ids are bound in a context variable (per request, per Celery task) and added by a filter, and any
e-mail address that slips into a message is masked. A failed call to the LMS or the LLM endpoint is
logged with its status and host only (no path or query, which can carry tokens).
"""

from __future__ import annotations

import inspect
import logging
import re
import secrets
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from types import MappingProxyType
from typing import IO, Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from config.settings import Settings

CONTEXT_FIELDS = ("request_id", "launch_id", "deployment_id", "job_id", "publication_id", "task_id", "task")
REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Task parameters named like this are row ids worth logging with every line of the task.
_ID_PARAMETERS = ("job_id", "publication_id", "progress_id", "sequence_id")
_HANDLER_MARK = "_stepping_stones_handler"

_context: ContextVar[Mapping[str, Any]] = ContextVar("stepping_stones_log_context", default=MappingProxyType({}))


# --- binding ids ---------------------------------------------------------------------------------------


def bind(**ids: Any) -> None:
    """Add ids to every following log line of this request or task (``None`` values are ignored)."""
    _context.set({**_context.get(), **{k: v for k, v in ids.items() if v is not None}})


@contextmanager
def bound(**ids: Any) -> Iterator[None]:
    """``bind`` for the duration of a block, then restore what was bound before."""
    token = _context.set({**_context.get(), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def bind_launch(launch: Any) -> None:
    """The launch's ids: ``launch_id`` is a digest of the login nonce, ``deployment_id`` the platform's."""
    bind(launch_id=getattr(launch, "launch_id", None), deployment_id=getattr(launch, "deployment_id", None))


def current_ids() -> dict[str, Any]:
    ids = dict(_context.get())
    if has_request_context() and "launch_id" not in ids:
        launch = g.get("launch")  # set by the teacher pages' access check
        if launch is not None:
            ids.setdefault("launch_id", getattr(launch, "launch_id", None))
            ids.setdefault("deployment_id", getattr(launch, "deployment_id", None))
    return {k: v for k, v in ids.items() if v is not None}


class ContextFilter(logging.Filter):
    """Adds the bound ids to each record and masks e-mail addresses in the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current_ids().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # logging reports the malformed call itself
        if "@" in message:
            record.msg, record.args = _EMAIL.sub("[email]", message), None
        return True


# --- outbound HTTP failures ----------------------------------------------------------------------------


class OutboundFailureFilter(logging.Filter):
    """Turns the HTTP clients' own per-request lines into one warning per failed call, dropping the rest.

    ``urllib3`` (requests: the LMS's token, AGS and NRPS endpoints, JWKS) and ``httpx2`` (the OpenAI
    SDK) each log every response with its status; a status of 400 or more becomes
    ``outbound HTTP call failed`` with ``service``, ``status``, ``method`` and ``host``.
    """

    def __init__(self, llm_host: str) -> None:
        super().__init__()
        self.llm_host = llm_host

    def filter(self, record: logging.LogRecord) -> bool:
        parsed = self._parse(record)
        if parsed is None:
            return False
        method, host, status = parsed
        if status < 400:
            return False
        service = "llm" if record.name.startswith("httpx") or host == self.llm_host else "lms"
        record.msg, record.args = "outbound HTTP call failed", None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.event, record.service, record.status, record.method, record.host = (
            "outbound_http_failed", service, status, method, host
        )
        return True

    @staticmethod
    def _parse(record: logging.LogRecord) -> tuple[str, str, int] | None:
        args = record.args if isinstance(record.args, tuple) else ()
        try:
            if record.name == "urllib3.connectionpool" and len(args) == 8:
                return str(args[3]), str(args[1]), int(str(args[6]))  # scheme, host, port, method, url, version, status
            if record.name.startswith("httpx") and len(args) == 5:
                return str(args[0]), str(urlsplit(str(args[1])).hostname or ""), int(str(args[3]))
        except (TypeError, ValueError):
            return None
        return None


# --- handlers and formatters ---------------------------------------------------------------------------


class _StderrHandler(logging.StreamHandler[IO[str]]):
    """Writes to whatever ``sys.stderr`` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
        json_ensure_ascii=False,
    )


def make_handler(fmt: str, stream: IO[str] | None = None) -> logging.Handler:
    handler: logging.Handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(
        json_formatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(ContextFilter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def log_format(settings: Settings) -> str:
    if settings.log_format != "auto":
        return settings.log_format
    return "text" if settings.env == "development" else "json"


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> None:
    """Install the one root handler (replacing ours from an earlier call, never anyone else's)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
    root.addHandler(make_handler(log_format(settings), stream))
    root.setLevel(settings.log_level)
    llm_host = urlsplit(settings.llm_base_url).hostname or ""
    for name in ("urllib3.connectionpool", "httpx2", "httpx"):
        client_logger = logging.getLogger(name)
        client_logger.filters = [f for f in client_logger.filters if not isinstance(f, OutboundFailureFilter)]
        client_logger.addFilter(OutboundFailureFilter(llm_host))
        client_logger.setLevel(logging.DEBUG)  # the per-response lines are DEBUG/INFO; the filter keeps failures


def gunicorn_logconfig(settings: Settings) -> dict[str, Any]:
    """gunicorn's own lines (start, workers, signals) in the same format; requests are logged by the app."""
    fmt = log_format(settings)
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        }
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"level": settings.log_level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
        },
        # The app installs the root handler itself in each worker (configure_logging).
        "root": {"level": settings.log_level, "handlers": []},
    }


# --- Flask: one line per request ---------------------------------------------------------------------

# Logged only when they fail: probes answer every few seconds, static files are noise, and an LTI login's
# redirect is followed within seconds by its launch, which is logged (a whole class launching at once
# would otherwise double the log and its cost).
_QUIET_PATHS = ("/healthz", "/readyz", "/static/", "/lti/login")


def _request_id() -> str:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if offered and _SAFE_REQUEST_ID.fullmatch(offered) else secrets.token_hex(16)


def init_app(app: Flask) -> None:
    configure_logging(app.config["SETTINGS"])
    request_log = logging.getLogger("tool.request")

    @app.before_request
    def _start() -> None:
        g.log_started = time.perf_counter()
        g.log_token = _context.set({"request_id": _request_id()})

    @app.after_request
    def _finish(response: Response) -> Response:
        request_id = _context.get().get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = str(request_id)
        started = g.get("log_started")
        method, path, status = request.method, request.path, response.status_code
        if started is not None and (status >= 400 or not path.startswith(_QUIET_PATHS)):
            # The path only: query strings carry launch tokens.
            request_log.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "event": "request",
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        return response

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        token = g.pop("log_token", None)
        if token is not None:
            with suppress(ValueError):  # a token from another context (a streamed response's thread)
                _context.reset(token)

    install_celery_hooks()


# --- Celery: task events with the same ids -------------------------------------------------------------

_task_started: dict[str, float] = {}
_task_tokens: dict[str, Any] = {}
task_log = logging.getLogger("tool.task")


def task_ids(task: Any, args: Any, kwargs: Any) -> dict[str, Any]:
    """Row ids among a task's arguments, by parameter name (tasks take ids, never content)."""
    try:
        bound_args = inspect.signature(task.run).bind_partial(*(args or ()), **(kwargs or {}))
    except (TypeError, ValueError):
        return {}
    return {name: value for name, value in bound_args.arguments.items() if name in _ID_PARAMETERS}


def _on_prerun(task_id: str | None = None, task: Any = None, args: Any = None, kwargs: Any = None, **_: Any) -> None:
    if task_id is None or task is None:
        return
    _task_tokens[task_id] = _context.set({"task_id": task_id, "task": task.name, **task_ids(task, args, kwargs)})
    _task_started[task_id] = time.perf_counter()
    retries = getattr(task.request, "retries", 0) or 0
    task_log.info("task started", extra={"event": "task_started", "attempt": int(retries) + 1})


def _on_postrun(task_id: str | None = None, state: str | None = None, **_: Any) -> None:
    if task_id is None:
        return
    started = _task_started.pop(task_id, None)
    duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    task_log.info("task finished", extra={"event": "task_finished", "state": state, "duration_ms": duration})
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _context.reset(token)


def _on_failure(task_id: str | None = None, exception: BaseException | None = None, **_: Any) -> None:
    # The class only: a message could quote a teacher's text.
    task_log.warning(
        "task failed", extra={"event": "task_failed", "error": type(exception).__name__ if exception else None}
    )


def _on_retry(reason: Any = None, **_: Any) -> None:
    error = type(reason).__name__ if isinstance(reason, BaseException) else None
    task_log.info("task will retry", extra={"event": "task_retry", "error": error})


def _keep_our_logging(**_: Any) -> None:
    """Connected to ``setup_logging``: Celery then leaves the logging configuration to us."""


def install_celery_hooks() -> None:
    from celery import signals

    signals.setup_logging.connect(_keep_our_logging, weak=False, dispatch_uid="ss-setup-logging")
    signals.task_prerun.connect(_on_prerun, weak=False, dispatch_uid="ss-task-prerun")
    signals.task_postrun.connect(_on_postrun, weak=False, dispatch_uid="ss-task-postrun")
    signals.task_failure.connect(_on_failure, weak=False, dispatch_uid="ss-task-failure")
    signals.task_retry.connect(_on_retry, weak=False, dispatch_uid="ss-task-retry")
