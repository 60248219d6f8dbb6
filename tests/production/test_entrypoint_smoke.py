"""The deployment's own entrypoint, end to end: ``docker/entrypoint.sh web`` (migrations, then gunicorn),
two ``worker`` processes and ``beat`` against PostgreSQL and Redis; the development LMS launches the
teacher, the workers write and publish the sequence, the student opens step 1 and the score reaches the
LMS gradebook, all over real HTTP. Then every role stops gracefully on SIGTERM, as Docker stops it.

Marked ``production``: CI runs it once, in the PostgreSQL + Redis pass.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import requests

from devlms.model import USERS_BY_KEY
from devlms.testing import DevLmsServer, LaunchDriver

from .stack import ENTRYPOINT, REPO, ProductionStack, form_with_button, production_env

pytestmark = pytest.mark.production

STUDENT = USERS_BY_KEY["student1"]
TEACHER = USERS_BY_KEY["teacher"]


def _register(stack: ProductionStack, lms: DevLmsServer) -> str:
    """Install the tool in the LMS's Canvas flavour, then register that platform with the operator's CLI."""
    platform = lms.canvas
    base = stack.tool_url
    client_id, deployment_id = platform.register_tool(
        login_url=f"{base}/lti/login",
        launch_url=f"{base}/lti/launch",
        jwks_url=f"{base}/lti/jwks",
        redirect_uris=[f"{base}/lti/launch"],
        deep_link_url=f"{base}/lti/launch",
    )
    added = subprocess.run(
        [
            "bash", str(ENTRYPOINT), "cli", "lti", "add-platform",
            "--issuer", platform.issuer,
            "--client-id", client_id,
            "--auth-login-url", platform.url(platform.paths.auth),
            "--auth-token-url", platform.token_url,
            "--jwks-url", platform.url(platform.paths.jwks),
            "--deployment-id", deployment_id,
            "--family", "canvas",
            "--scopes", " ".join(platform.tools[client_id].scopes),
        ],
        cwd=REPO, env=stack.env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert added.returncode == 0, added.stdout + added.stderr
    return client_id


def test_web_two_workers_and_beat_launch_generate_publish_and_score(
    production_stack: ProductionStack, tmp_path: Path
) -> None:
    stack = production_stack
    lms = DevLmsServer().start()
    try:
        stack.env = production_env(tmp_path, stack.tool_url, lms.url)
        web = stack.start("web")
        stack.wait(lambda: requests.get(f"{stack.tool_url}/lti/jwks", timeout=2).status_code == 200, 90, "gunicorn")
        assert "database upgraded to head" in web.output()
        assert "Using worker: gthread" in web.output()
        workers = [stack.start("worker", SS_WORKER_NAME=f"w{n}") for n in (1, 2)]
        beat = stack.start("beat")
        client_id = _register(stack, lms)

        # Teacher launch from the LMS, then the new-sequence form, as the browser submits it.
        driver = LaunchDriver(lms)
        landing = driver.launch("canvas", client_id, user="teacher")
        assert landing.status_code == 200 and "/teacher/" in landing.url, landing.text[:1000]
        lt = re.search(r"[?&]lt=([^&]+)", landing.url).group(1)  # type: ignore[union-attr]
        browser = driver.session
        new = browser.get(f"{stack.tool_url}/teacher/new", params={"lt": lt}, timeout=10)
        assert new.status_code == 200 and f'value="{STUDENT.sub("canvas")}"' in new.text
        posted = browser.post(
            f"{stack.tool_url}/teacher/new",
            data={
                "lt": lt,
                "target_sub": STUDENT.sub("canvas"),
                "target_skill": "Writing a developed paragraph in English",
                "student_level": "Year 8",
                "current_avoidance": "Writes one sentence, rubs it out, puts head on desk.",
                "student_strengths": "Articulate and detailed in class discussion",
            },
            timeout=15,
        )
        assert posted.status_code == 200, posted.text[:2000]
        public_id = re.search(r"/teacher/s/([^?/#]+)", posted.url).group(1)  # type: ignore[union-attr]
        status_url = f"{stack.tool_url}/teacher/s/{public_id}/status.json"
        stack.wait(
            lambda: not browser.get(status_url, params={"lt": lt}, timeout=10).json()["active"],
            90, "a worker to write the sequence",
        )
        final = browser.get(status_url, params={"lt": lt}, timeout=10).json()
        assert final["status"] == "ready", final
        review = browser.get(posted.url, timeout=10)
        assert review.status_code == 200 and "Teacher script" in review.text

        # Publish as assignments; a worker creates them in the LMS through its AGS endpoints.
        progress_url = f"{stack.tool_url}/teacher/sequences/{public_id}/progress"
        page = browser.get(progress_url, params={"lt": lt}, timeout=10)
        form = form_with_button(page.text, page.url, "Publish as assignments")
        published = browser.post(form.action, data=form.fields, timeout=15)
        assert published.status_code == 200, published.text[:2000]
        publication_url = f"{stack.tool_url}/teacher/sequences/{public_id}/publication.json"
        stack.wait(
            lambda: browser.get(publication_url, params={"lt": lt}, timeout=10).json()["sync"] == "done",
            90, "a worker to publish",
        )
        with lms.canvas.lock:
            steps = sorted(
                (link for link in lms.canvas.links.values() if link.created_by != "registration"),
                key=lambda link: link.title,
            )
        assert len(steps) >= 4 and [s.title[-6:] for s in steps[:2]] == ["step 1", "step 2"], [s.title for s in steps]

        # The student opens step 1 from the LMS and sees only their own instructions.
        student = LaunchDriver(lms).launch("canvas", client_id, user="student1", link=steps[0].id)
        assert student.status_code == 200 and "/student/" in student.url, student.text[:1000]
        assert steps[0].title in student.text and "Teacher script" not in student.text

        # The teacher records the success; the score reaches the LMS gradebook.
        page = browser.get(progress_url, params={"lt": lt}, timeout=10)
        succeeded = form_with_button(page.text, page.url, "Succeeded")
        browser.post(succeeded.action, data={**succeeded.fields, "note": "spoke first"}, timeout=15)
        rows = [r for r in lms.canvas.gradebook() if r["user_id"] == STUDENT.sub("canvas")]
        assert len(rows) == 1 and rows[0]["result"] == rows[0]["maximum"], rows

        # The logs: JSON lines tying requests to the launch and tasks to their rows, and no identities.
        logged = [line for role in stack.roles for line in role.output().splitlines()]
        lines = [json.loads(line) for line in logged if line.startswith("{")]
        teacher_requests = [line for line in lines if line.get("event") == "request" and "launch_id" in line]
        assert teacher_requests and all(line["deployment_id"] and line["request_id"] for line in teacher_requests)
        started = [line for line in lines if line.get("event") == "task_started"]
        assert any("job_id" in line for line in started) and any("publication_id" in line for line in started)
        assert {line["task_id"] for line in lines if line.get("event") == "task_finished"} >= {
            line["task_id"] for line in started
        }
        everything = "\n".join(role.output() for role in stack.roles)
        for identity in (STUDENT.name, STUDENT.email, TEACHER.name, TEACHER.email, STUDENT.given_name):
            assert identity not in everything, identity

        # Beat is up with the project's schedule; everything stops cleanly on SIGTERM.
        stack.wait(lambda: "beat: Starting" in beat.output(), 30, "beat to start")
        assert beat.stop() == 0, beat.output()[-3000:]
        for worker in workers:
            assert worker.stop() == 0, worker.output()[-3000:]
            assert "warm shutdown" in worker.output().lower()
        assert web.stop() == 0, web.output()[-3000:]
        assert "Shutting down" in web.output() or "Handling signal: term" in web.output()
    finally:
        lms.stop()
