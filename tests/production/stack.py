"""The production shape on loopback, without Docker: ``docker/entrypoint.sh web|worker|beat`` as real
processes against the machine's PostgreSQL and Redis, plus the development LMS in this process.

The image runs exactly this script, so what passes here is what the containers run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "docker" / "entrypoint.sh"
# The machine's services; CI's second pass names the same ones through SS_TEST_*.
PG_BASE = os.environ.get("SS_TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_BASE = (os.environ.get("SS_TEST_CACHE_URL") or "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
# Redis databases of their own, so the suite's flushes of 14/15 never touch these.
CACHE_DB, BROKER_DB = 11, 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_database() -> str:
    from support.databases import fresh_postgres_database

    return fresh_postgres_database(PG_BASE, prefix="ss_prod")


def wait_until(predicate: Callable[[], object], seconds: float, what: str, logs: list[Path] | None = None) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except requests.RequestException:
            value = None
        if value:
            return value
        time.sleep(0.3)
    tails = "\n".join(f"--- {p.name} ---\n{p.read_text(errors='replace')[-3000:]}" for p in logs or [] if p.exists())
    raise AssertionError(f"timed out after {seconds} s waiting for {what}\n{tails}")


@dataclass
class Role:
    """One entrypoint process (web, worker or beat) and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, seconds: float = 45) -> int:
        """SIGTERM as Docker sends it; the role's own graceful shutdown must finish in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(seconds)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
                raise AssertionError(f"{self.name} ignored SIGTERM for {seconds} s\n{self.output()[-3000:]}") from None
        return int(self.process.returncode)


@dataclass
class ProductionStack:
    env: dict[str, str]
    tool_url: str
    logs: Path
    roles: list[Role] = field(default_factory=list)

    def start(self, role: str, *args: str, **extra_env: str) -> Role:
        log = self.logs / f"{role}-{len(self.roles)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["bash", str(ENTRYPOINT), role, *args],
                cwd=REPO,
                env={**self.env, **extra_env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started = Role(role, process, log)
        self.roles.append(started)
        return started

    def log_files(self) -> list[Path]:
        return [r.log for r in self.roles]

    def wait(self, predicate: Callable[[], object], seconds: float, what: str) -> object:
        """``wait_until``, failing at once (with the logs) if a role has died meanwhile."""

        def check() -> object:
            dead = [r for r in self.roles if r.process.poll() is not None and r.process.returncode != 0]
            if dead:
                role = dead[0]
                raise AssertionError(f"{role.name} exited with {role.process.returncode}:\n{role.output()[-4000:]}")
            return predicate()

        return wait_until(check, seconds, what, self.log_files())


def production_env(tmp_path: Path, tool_url: str, lms_url: str, **extra: str) -> dict[str, str]:
    """The SS_* environment of one deployment: only what an operator sets, nothing from the test run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SS_")}
    env.update(
        SS_ENV="test",  # production proper refuses the development LMS this test launches from
        SS_INSTANCE_DIR=str(tmp_path / "instance"),
        SS_BASE_URL=tool_url,
        SS_DEVLMS_URL=lms_url,
        SS_DATABASE_URL=fresh_database(),
        SS_CACHE_URL=f"{REDIS_BASE}/{CACHE_DB}",
        SS_BROKER_URL=f"{REDIS_BASE}/{BROKER_DB}",
        SS_GENERATOR="offline",
        SS_WEB_BIND=tool_url.removeprefix("http://"),
        SS_WEB_WORKERS="2",
        SS_WEB_THREADS="4",
        SS_WORKER_CONCURRENCY="2",
    )
    env.update(extra)
    return env


@pytest.fixture
def production_stack(tmp_path: Path) -> Iterator[ProductionStack]:
    """An empty deployment (database, Redis databases, instance folder); roles are started by the test."""
    import redis

    for db_number in (CACHE_DB, BROKER_DB):
        redis.Redis.from_url(f"{REDIS_BASE}/{db_number}").flushdb()
    tool_url = f"http://127.0.0.1:{free_port()}"
    stack = ProductionStack({}, tool_url, tmp_path)
    yield stack
    for role in reversed(stack.roles):
        if role.process.poll() is None:
            role.stop()


# --- reading pages the way a browser submits them ---------------------------------------------------


@dataclass
class Form:
    action: str
    fields: dict[str, str]
    buttons: list[str]
    classes: str


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), {}, [], a.get("class", "")))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._button = []

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self.forms:
            self.forms[-1].buttons.append("".join(self._button).strip())
            self._button = None


def form_with_button(html: str, base_url: str, button: str) -> Form:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if button in form.buttons:
            return Form(urljoin(base_url, form.action), form.fields, form.buttons, form.classes)
    raise AssertionError(f"no form with a {button!r} button in the page:\n{html[:2000]}")
