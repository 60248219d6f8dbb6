"""Publish: HTTP calls and token requests the tool makes to the LMS for a 6-task publish and its scores.

    .venv/bin/python bench/publish_bench.py

Against the development LMS (devlms/, both flavours, real LTI Advantage services over loopback HTTP), the
tool's own code (tool.publish: ``execute_publish`` as the worker runs it, ``send_score`` as the
student's progress does) publishes one 6-task sequence by AGS and then sends a score for each of the six
steps, as a student working through it. Every request reaching the LMS is counted by a WSGI counter in
front of it. Prints a table and writes bench/results/publish.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

TASKS = 6


class CountingLms:
    """Counts every request the LMS receives, by kind."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.calls: Counter[str] = Counter()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path.endswith(("/oauth2/token", "/token.php")):
            kind = "token"
        elif "/scores" in path:
            kind = "score"
        elif "line_items" in path or "lineitem" in path:
            kind = f"line item {environ['REQUEST_METHOD']}"
        elif "jwks" in path or "certs" in path:
            kind = "keys"
        else:
            kind = f"other {environ['REQUEST_METHOD']}"
        self.calls[kind] += 1
        return self.app(environ, start_response)


def run(flavour: str, workdir: Path) -> dict[str, Any]:
    from publish.e2e import LmsWorld, register_in
    from sqlalchemy import select

    from config.settings import get_settings
    from devlms.testing import DevLmsServer, ServerThread
    from tool import create_app, db
    from tool.db import upgrade_schema
    from tool.publish import progress
    from tool.publish.scores import send_score
    from tool.publish.staging import ReleaseMode, ReleasePlan
    from tool.publish.tasks import execute_publish
    from tool.teacher.models import Sequence, SequenceVersion

    os.environ.update({"SS_ENV": "test", "SS_INSTANCE_DIR": str(workdir / flavour), "SS_DATABASE_URL": "",
                       "SS_CACHE_URL": "", "SS_BROKER_URL": "", "SS_GENERATOR": "offline"})
    get_settings.cache_clear()
    app = create_app(get_settings(), TESTING=True)
    upgrade_schema(app)
    lms = DevLmsServer().start()
    server = ServerThread(app.wsgi_app)
    tool_url = server.start()
    app.config["SETTINGS"].base_url = tool_url
    try:
        client_id, deployment_id = register_in(app, lms, tool_url, flavour)  # type: ignore[arg-type]
        world = LmsWorld(app, lms, tool_url, flavour, client_id, deployment_id)  # type: ignore[arg-type]
        world.make_sequence(tasks=TASKS)
        with app.app_context():
            s = db.session()
            seq = s.scalars(select(Sequence).where(Sequence.public_id == world.sequence_public_id)).one()
            content = s.scalars(select(SequenceVersion.content).where(SequenceVersion.sequence_id == seq.id)).one()
            platform = world.platform
            publication = progress.ensure_publication(
                s, seq, progress.SequenceContent.model_validate(content), ReleasePlan(ReleaseMode.MASTERY),
                method="ags", registration_id=seq.course.registration_id, deployment_pk=seq.course.deployment_pk,
                context_id="course-101", platform_family=flavour,
                lineitems_url=platform.lineitems_url(platform.tools[client_id]),
            )
            s.commit()
            counter = lms.wrap(CountingLms)
            assert execute_publish(publication.id) == "done"
            publish_calls = dict(counter.calls)
            counter.calls.clear()
            s.expire_all()
            publication = progress.get_publication(s, seq.id)
            assert publication is not None
            student = world.sub("student1")
            for step in publication.steps:
                record = progress.mark_succeeded(s, step, None, student)
                s.commit()
                send_score(record.id)
            score_calls = dict(counter.calls)
    finally:
        server.stop()
        lms.stop()
        app.extensions["db_engine"].dispose()
    return {"flavour": flavour, "tasks": TASKS, "publish": publish_calls, "scores_for_6_steps": score_calls}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "publish.json"))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="publish-bench-"))
    rows = [run(flavour, workdir) for flavour in ("canvas", "moodle")]
    print(f"{'flavour':>8} {'what':>22} {'HTTP calls':>11} {'token requests':>15}  by kind")
    for r in rows:
        for what, calls in (("publish 6 tasks", r["publish"]), ("6 scores", r["scores_for_6_steps"])):
            print(f"{r['flavour']:>8} {what:>22} {sum(calls.values()):>11} {calls.get('token', 0):>15}  {calls}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
