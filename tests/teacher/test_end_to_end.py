"""Teacher launch from the development LMS -> form -> real Celery worker -> ready sequence.

Runs on the embedded defaults (SQLite + kombu's SQLAlchemy broker) and, in CI's
second pass, on PostgreSQL + Redis through the SS_TEST_* variables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import requests
from support.fake_openai import FakeOpenAI, Reply, fake_openai  # noqa: F401

from devlms.model import USERS_BY_KEY
from tool.generation.model import SequenceRequest
from tool.generation.offline import OfflineGenerator

from .stack import Stack, launch_token, stack_factory, wait_for  # noqa: F401

WORKER_TIMEOUT = 90

STUDENT = USERS_BY_KEY["student1"]  # Sam Student
CLASSMATE = USERS_BY_KEY["student2"]  # Sue Scholar
OTHER = USERS_BY_KEY["student3"]  # Ravi Reader
TEACHER = USERS_BY_KEY["teacher"]  # Tina Teacher


def request_form(lt: str, **extra: str) -> dict[str, str]:
    form = {
        "lt": lt,
        "target_label": STUDENT.name,
        "target_skill": "Writing a developed paragraph about a text",
        "student_level": "Year 8",
        "current_avoidance": f"{STUDENT.given_name} writes one sentence, rubs it out and puts their head down.",
        "subject_area": "English",
        "student_profile": (
            f"{STUDENT.name} ({STUDENT.email}, id {STUDENT.sub('canvas')}) talks well in class; "
            f"{TEACHER.name} says {STUDENT.given_name} froze in the last assessment."
        ),
        "previous_attempts": (
            f"{TEACHER.given_name} tried sentence starters with {STUDENT.given_name}; "
            f"pairing with {CLASSMATE.name} and {OTHER.given_name} did not help."
        ),
        "student_strengths": "Detailed spoken answers in class discussion.",
    }
    form.update(extra)
    return form


def submit_and_wait(
    stack: Stack, form_extra: dict[str, str] | None = None, flavour: str = "canvas"
) -> tuple[requests.Session, str, str]:
    """Launch as the teacher, submit the form, wait for the job to finish; (session, review URL, lt)."""
    browser, landing = stack.teacher_session(flavour)
    assert "/teacher/" in landing
    lt = launch_token(landing)
    new_form = browser.get(f"{stack.tool_url}/teacher/new", params={"lt": lt}, timeout=10)
    assert new_form.status_code == 200 and "Target skill" in new_form.text
    # The roster came from the LMS's Names and Roles service: learners only.
    assert f'value="{STUDENT.sub(flavour)}"' in new_form.text  # type: ignore[arg-type]
    assert f'value="{TEACHER.sub(flavour)}"' not in new_form.text  # type: ignore[arg-type]
    posted = browser.post(f"{stack.tool_url}/teacher/new", data=request_form(lt, **(form_extra or {})), timeout=10)
    assert posted.status_code == 200, posted.text[:500]
    review_url = posted.url
    assert 'id="progress"' in posted.text  # live progress while the worker runs
    public_id = re.search(r"/teacher/s/([^?/]+)", review_url).group(1)  # type: ignore[union-attr]
    status_url = f"{stack.tool_url}/teacher/s/{public_id}/status.json"
    seen: set[str] = set()

    def finished() -> bool:
        data = browser.get(status_url, params={"lt": lt}, timeout=10).json()
        seen.add(data["status"])
        return not data["active"]

    wait_for(finished, WORKER_TIMEOUT, "the worker to finish the job", stack.worker_log)
    return browser, review_url, lt


def test_offline_generator_end_to_end(stack_factory: Callable[..., Stack]) -> None:  # noqa: F811
    stack = stack_factory(SS_GENERATOR="offline")
    browser, review_url, _ = submit_and_wait(stack)
    page = browser.get(review_url, timeout=10)
    assert page.status_code == 200
    assert "Why they avoid it" in page.text and "Step 1:" in page.text
    assert "Teacher script after success" in page.text and "If the student struggles" in page.text
    assert 'id="progress"' not in page.text
    assert "version 1 (written)" in page.text


def valid_reply_for(body: dict[str, Any]) -> Reply:
    """A scripted, valid model answer: the offline planner's sequence for the request in the prompt."""
    request = SequenceRequest(
        target_skill="Writing a developed paragraph about a text",
        student_level="Year 8",
        current_avoidance="Writes one sentence, rubs it out and puts their head down.",
        subject_area="English",
        student_strengths="Detailed spoken answers in class discussion.",
    )
    sequence = OfflineGenerator(chosen=True).generate(request).sequence
    return Reply(content=sequence.model_dump_json())


def test_openai_generator_end_to_end_never_sends_names(
    stack_factory: Callable[..., Stack],  # noqa: F811
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    fake_openai.default = valid_reply_for
    stack = stack_factory(
        SS_GENERATOR="openai",
        SS_LLM_BASE_URL=fake_openai.base_url,
        SS_LLM_API_KEY="sk-test",
        SS_LLM_MODEL="fake-model",
        SS_LLM_TIMEOUT_SECONDS="10",
    )
    # The target is picked from the roster this time (no typed label).
    browser, review_url, _ = submit_and_wait(
        stack, {"target_label": "", "target_sub": STUDENT.sub("canvas")}, flavour="canvas"
    )
    page = browser.get(review_url, timeout=10)
    assert "Step 1:" in page.text and "version 1 (written)" in page.text
    assert f"For <strong>{STUDENT.name}</strong>" in page.text  # the teacher sees the name
    assert fake_openai.chat_requests, "the worker never called the LLM server"
    sent = fake_openai.all_text()
    # The teacher's text carried names, e-mail and sub on purpose; none reached the LLM.
    for needle in (
        STUDENT.name,
        STUDENT.email,
        STUDENT.sub("canvas"),
        TEACHER.name,
        TEACHER.sub("canvas"),
        CLASSMATE.name,
        OTHER.name,
    ):
        assert needle not in sent, needle
    # (Family names "Student"/"Teacher" are ordinary words in any prompt, so given names are checked.)
    for word in (STUDENT.given_name, TEACHER.given_name, CLASSMATE.given_name, OTHER.given_name):
        assert not re.search(rf"\b{word}\b", sent), word
    assert "the student" in json.loads(json.dumps(sent)).lower()


def test_refusal_keeps_inputs_shows_reason_and_retry_succeeds(
    stack_factory: Callable[..., Stack],  # noqa: F811
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    fake_openai.reply_refusal("I can't help with that request.")
    fake_openai.default = valid_reply_for
    stack = stack_factory(
        SS_GENERATOR="openai",
        SS_LLM_BASE_URL=fake_openai.base_url,
        SS_LLM_API_KEY="sk-test",
        SS_LLM_TIMEOUT_SECONDS="10",
    )
    browser, review_url, lt = submit_and_wait(stack)
    page = browser.get(review_url, timeout=10)
    assert "could not be written" in page.text
    assert "refused" in page.text.lower() or "declined" in page.text.lower(), page.text
    assert "Writing a developed paragraph about a text" in page.text  # inputs kept
    assert ">Retry<" in page.text
    retry_url = review_url.split("?")[0] + "/retry"
    form = {k: v for k, v in request_form(lt).items() if k not in ("target_label",)}
    retried = browser.post(retry_url, data=form, timeout=10)
    assert retried.status_code == 200
    status_url = review_url.split("?")[0] + "/status.json"
    wait_for(
        lambda: browser.get(status_url, params={"lt": lt}, timeout=10).json()["status"] == "ready",
        WORKER_TIMEOUT,
        "the retried job",
        stack.worker_log,
    )
    assert "Step 1:" in browser.get(review_url, timeout=10).text
