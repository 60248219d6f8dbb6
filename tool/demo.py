"""``stepping-stones demo``: the whole system on one machine, on the embedded defaults.

Starts, in one command: database migrations, the development LMS (Canvas and
Moodle flavours, state kept in the instance folder), the tool's web server
(waitress) and a real Celery worker process. On first run the tool is installed
in both LMS flavours and the LMS is registered in the tool. Ctrl-C stops all.
Refuses to run in production.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask

from config.settings import Settings, get_settings

WORKER_STOP_SECONDS = 20


def worker_command(pool: str = "solo") -> list[str]:
    """The Celery worker command line.

    ``solo`` on the embedded SQLite broker: one process, one connection, no forked
    copies of SQLite handles, and a task at a time (enough for a demo). With Redis
    and PostgreSQL a production worker can use ``--pool=prefork`` or ``threads``.
    """
    # No gossip/mingle/heartbeat: a single worker has no peers to sync with, and mingle
    # alone adds seconds of waiting for replies at start.
    return [
        sys.executable, "-m", "celery", "-A", "worker.app", "worker", f"--pool={pool}", "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        # Embedded beat: runs the stuck-job sweeper (production runs `celery beat` on its own).
        "--beat",
    ]


def start_worker(env: dict[str, str] | None = None, log_path: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a real worker process with the given environment (default: ours).

    With ``log_path`` its output is appended there (the file handle is the child's;
    ours is closed at once).
    """
    repo_root = Path(__file__).resolve().parent.parent
    argv = worker_command()
    kwargs = {
        "cwd": repo_root,
        "env": env if env is not None else dict(os.environ),
        "start_new_session": True,  # Ctrl-C in the terminal is ours to forward, not the worker's
    }
    if log_path is None:
        return subprocess.Popen(argv, **kwargs)  # type: ignore[call-overload,no-any-return]  # noqa: S603
    with open(log_path, "ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, **kwargs)  # type: ignore[call-overload,no-any-return]  # noqa: S603


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown (SIGTERM lets the current task finish), then kill if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def connect_platform(tool_app: Flask, platform: object) -> str:
    """Install the tool in one devlms platform (once) and register that platform in the tool.

    Returns the client id. Safe to call on every start: an existing install with
    our launch URL is reused.
    """
    from devlms.platform import Platform
    from tool.lti.runtime import get_runtime

    assert isinstance(platform, Platform)
    settings: Settings = tool_app.config["SETTINGS"]
    base = settings.base_url.rstrip("/")
    launch_url = f"{base}/lti/launch"
    existing = next((t for t in platform.tools.values() if t.launch_url == launch_url), None)
    if existing is None:
        client_id, deployment_id = platform.register_tool(
            login_url=f"{base}/lti/login",
            launch_url=launch_url,
            jwks_url=f"{base}/lti/jwks",
            redirect_uris=[launch_url],
            deep_link_url=launch_url,
        )
    else:
        client_id, deployment_id = existing.client_id, existing.deployment_id
    get_runtime(tool_app).registry.save_registration(
        issuer=platform.issuer,
        client_id=client_id,
        auth_login_url=platform.url(platform.paths.auth),
        auth_token_url=platform.token_url,
        jwks_url=platform.url(platform.paths.jwks),
        platform_family=platform.flavour,
        granted_scopes=" ".join(platform.tools[client_id].scopes),
        name=f"Development LMS ({platform.flavour})",
        deployment_ids=(deployment_id,),
        deployments_active=True,
    )
    return client_id


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


@click.command("demo")
def demo() -> None:
    """Run web + worker + development LMS together (development only)."""
    settings = get_settings()
    if settings.env == "production":
        raise click.ClickException("the demo runs the development LMS and is refused in production")
    started = time.monotonic()
    from waitress import create_server  # type: ignore[import-untyped]
    from werkzeug.serving import make_server

    from devlms.app import create_devlms_app
    from tool import create_app
    from tool.db import upgrade_schema

    app = create_app(settings)
    upgrade_schema(app)
    lms_host, lms_port = _host_port(settings.devlms_url)
    lms_app = create_devlms_app(settings.devlms_url.rstrip("/"), settings.instance_dir / "devlms.json")
    lms_server = make_server(lms_host, lms_port, lms_app, threaded=True)
    for platform in lms_app.extensions["devlms"].platforms:
        connect_platform(app, platform)
    host, port = _host_port(settings.base_url)
    web = create_server(app, host=host, port=port, threads=8)
    worker = start_worker()
    threads = [
        threading.Thread(target=lms_server.serve_forever, name="devlms", daemon=True),
        threading.Thread(target=web.run, name="web", daemon=True),
    ]
    for thread in threads:
        thread.start()
    click.echo(f"Stepping Stones is running ({time.monotonic() - started:.1f} s to start):")
    click.echo(f"  tool:              {settings.base_url}")
    click.echo(f"  development LMS:   {settings.devlms_url}")
    click.echo(f"  worker:            pid {worker.pid} (Celery, {settings.broker_url.split(':', 1)[0]} broker)")
    click.echo(f"  generator:         {settings.generator_backend}")
    click.echo(f"Open {settings.devlms_url.rstrip('/')}/ and click Launch as teacher. Ctrl-C stops everything.")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set():
            if worker.poll() is not None:
                click.echo(f"the worker stopped (exit code {worker.returncode}); shutting down", err=True)
                break
            stop.wait(1)
    except KeyboardInterrupt:
        pass
    click.echo("stopping…")
    stop_worker(worker)
    web.close()
    lms_server.shutdown()
    lms_server.server_close()
    app.extensions["db_engine"].dispose()
    click.echo("stopped")


commands = (demo,)
