"""The LLM generator: any OpenAI-compatible Chat Completions endpoint.

Flow of ``generate``: (moderation, if the provider has it) -> draft with
structured output -> parse (one repair round if the answer is not a valid
sequence) -> ``check_sequence`` -> one repair round quoting the findings if
there are any -> optional judge. Every outcome of the provider maps to one of
the errors in ``tool.generation.backend``; usage is summed over every call.

The SDK client is built once per generator (tool/generation/providers.py) with an explicit timeout and
``SS_LLM_MAX_RETRIES`` quick repeats, 0 by default: the worker owns every retry of a 408/409/429/5xx or a
lost connection (tool/teacher/tasks.py), so the teacher's "we tried N times" counts every call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import openai
from pydantic import BaseModel, ValidationError

from config.settings import Settings
from prompts import PROMPT_VERSION
from prompts import messages as msgs
from tool.generation.backend import (
    ContentFilteredError,
    GenerationError,
    InvalidOutputError,
    ProgressCallback,
    RefusalError,
    TransientGenerationError,
    TruncatedError,
)
from tool.generation.json_text import json_text
from tool.generation.ladders.planner import choose_ladder
from tool.generation.model import (
    Finding,
    GenerationMeta,
    GenerationResult,
    LadderUse,
    Sequence,
    SequenceRequest,
    Task,
    Usage,
)
from tool.generation.providers import (
    Message,
    is_reasoning_model,
    make_client,
    provider_of,
    request_params,
)
from tool.generation.schema import sequence_schema, task_schema

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)



@dataclass
class _Run:
    """Book-keeping for one generate/regenerate call."""

    usage: Usage = field(default_factory=Usage)
    llm_seconds: float = 0.0
    calls: int = 0


class OpenAIGenerator:
    """Generator backed by an OpenAI-compatible API (OpenAI, llama.cpp, vLLM, …)."""

    name = "openai"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.response_format = settings.llm_response_format
        self.provider = provider_of(settings)
        self.client = make_client(settings)
        self.reasoning = is_reasoning_model(settings)
        self.system = msgs.system_prompt(self.response_format, sequence_schema())
        # Seconds spent in our own code (prompt, schema, parse, check) during the last call.
        self.last_overhead_seconds = 0.0
        # Tokens used by the last call, also when it ended in an error (for cost accounting).
        self.last_usage = Usage()

    # -- Generator protocol ------------------------------------------------------------------
    def generate(self, request: SequenceRequest, progress: ProgressCallback | None = None) -> GenerationResult:
        started = time.perf_counter()
        run = _Run()
        try:
            return self._generate(run, started, request, progress)
        except GenerationError as exc:
            exc.usage = run.usage
            raise
        finally:
            self.last_usage = run.usage

    def _generate(
        self, run: _Run, started: float, request: SequenceRequest, progress: ProgressCallback | None
    ) -> GenerationResult:
        notify = progress or (lambda stage: None)
        self._moderate(run, request)
        notify("drafting")
        family, ladder = choose_ladder(request)
        messages = msgs.sequence_messages(self.system, request, family)
        sequence, initial, findings, repaired = self._draft_checked(
            run, messages, "self_efficacy_sequence", sequence_schema(), Sequence, lambda answer: answer, request, notify
        )
        findings = findings + self._judge(run, sequence)
        return self._result(run, started, sequence, initial, findings, repaired, ladder)

    def regenerate_task(
        self,
        request: SequenceRequest,
        sequence: Sequence,
        task_index: int,
        progress: ProgressCallback | None = None,
    ) -> GenerationResult:
        if not 0 <= task_index < len(sequence.tasks):
            raise GenerationError(f"There is no task {task_index + 1} in this sequence.")
        started = time.perf_counter()
        run = _Run()
        try:
            return self._regenerate_task(run, started, request, sequence, task_index, progress)
        except GenerationError as exc:
            exc.usage = run.usage
            raise
        finally:
            self.last_usage = run.usage

    def _regenerate_task(
        self,
        run: _Run,
        started: float,
        request: SequenceRequest,
        sequence: Sequence,
        task_index: int,
        progress: ProgressCallback | None,
    ) -> GenerationResult:
        notify = progress or (lambda stage: None)
        self._moderate(run, request)
        notify("drafting")
        messages = msgs.regenerate_task_messages(
            self.system, request, sequence, task_index, self.response_format, task_schema()
        )
        updated, initial, findings, repaired = self._draft_checked(
            run,
            messages,
            "sequence_task",
            task_schema(),
            Task,
            lambda task: _with_task(sequence, task_index, task),
            request,
            notify,
            subject="task",
        )
        return self._result(run, started, updated, initial, findings, repaired)

    # -- steps ---------------------------------------------------------------------------------
    def _moderate(self, run: _Run, request: SequenceRequest) -> None:
        """Refuse flagged teacher input before drafting (only where the provider moderates)."""
        if not self.settings.llm_supports_moderation:
            return
        text = "\n".join(str(v) for v in request.model_dump().values() if v)
        began = time.perf_counter()
        try:
            result = self.client.moderations.create(input=text)
        except openai.OpenAIError as exc:
            raise _map_sdk_error(exc) from exc
        finally:
            run.llm_seconds += time.perf_counter() - began
        if any(item.flagged for item in result.results):
            raise ContentFilteredError(
                "The provider's moderation flagged the description, so no sequence was drafted. Please rephrase it."
            )

    def _draft_checked(
        self,
        run: _Run,
        messages: list[Message],
        name: str,
        schema: dict[str, Any],
        model: type[M],
        build: Callable[[M], Sequence],
        request: SequenceRequest,
        notify: ProgressCallback,
        subject: str = "sequence",
    ) -> tuple[Sequence, list[Finding], list[Finding], bool]:
        """Ask for ``model``, check the sequence ``build`` makes of it, and when the checker
        finds problems ask once more quoting them.

        Returns (sequence, findings before repair, findings after, whether it was repaired).
        """
        from tool.generation.checker import check_sequence

        answer, raw = self._ask(run, messages, name, schema, model)
        sequence = build(answer)
        notify("checking")
        initial = check_sequence(sequence, request, require_own_fields=True)
        # Only must-fix findings are worth a repair call; "worth a look" ones are the teacher's to judge.
        to_fix = [f for f in initial if f.severity == "must_fix"]
        if not to_fix:
            return sequence, initial, initial, False
        notify("repairing")
        messages += [
            {"role": "assistant", "content": raw},
            {"role": "user", "content": msgs.findings_repair(to_fix, subject=subject)},
        ]
        answer, _ = self._ask(run, messages, name, schema, model)
        sequence = build(answer)
        return sequence, initial, check_sequence(sequence, request, require_own_fields=True), True

    def _ask(
        self, run: _Run, messages: list[Message], name: str, schema: dict[str, Any], model: type[M]
    ) -> tuple[M, str]:
        """One answer parsed into ``model``; one repair round if it does not parse.

        ``messages`` is extended in place with the repair exchange, so a later
        repair round continues the same conversation.
        """
        raw = self.complete(run, messages, name, schema)
        try:
            return _parse(raw, model), raw
        except ValueError as first_error:
            log.info("answer did not parse, asking once more: %s", first_error)
            messages += [
                {"role": "assistant", "content": raw},
                {"role": "user", "content": msgs.invalid_output_repair(str(first_error))},
            ]
        raw = self.complete(run, messages, name, schema)
        try:
            return _parse(raw, model), raw
        except ValueError as second_error:
            raise InvalidOutputError(
                "The model's answer was not a usable sequence, even after asking it to fix it."
            ) from second_error

    def complete(self, run: _Run, messages: list[Message], name: str, schema: dict[str, Any]) -> str:
        """One chat completion; the answer text, or the error its outcome maps to."""
        began = time.perf_counter()
        try:
            # Plain dicts for messages/response_format: the SDK's TypedDicts do not know
            # llama-cpp-python's json_object "schema" key.
            response = self.client.chat.completions.create(**self.request_params(messages, name, schema))
        except openai.OpenAIError as exc:
            raise _map_sdk_error(exc) from exc
        finally:
            run.llm_seconds += time.perf_counter() - began
            run.calls += 1
        run.usage = run.usage + _usage(response.usage)
        if not response.choices:
            raise InvalidOutputError("The model returned no answer.")
        choice = response.choices[0]
        if getattr(choice.message, "refusal", None):
            raise RefusalError(f"The model declined to write this sequence: {choice.message.refusal}")
        if choice.finish_reason == "length":
            raise TruncatedError(
                "The answer was cut off at the token limit before it was complete "
                f"(limit {self.settings.llm_max_tokens} tokens)."
            )
        if choice.finish_reason == "content_filter":
            raise ContentFilteredError("The provider's content filter stopped the answer.")
        return choice.message.content or ""

    def request_params(self, messages: list[Message], name: str, schema: dict[str, Any]) -> dict[str, Any]:
        return request_params(self.settings, self.provider, self.reasoning, self.response_format, messages,
                              name, schema)

    def _judge(self, run: _Run, sequence: Sequence) -> list[Finding]:
        if not self.settings.llm_judge:
            return []
        from tool.generation.judge import judge_sequence

        def complete(messages: list[Message], name: str, schema: dict[str, Any]) -> str:
            return self.complete(run, messages, name, schema)

        return judge_sequence(sequence, complete, self.response_format)

    def _result(
        self,
        run: _Run,
        started: float,
        sequence: Sequence,
        initial: list[Finding],
        findings: list[Finding],
        repaired: bool,
        ladder: LadderUse | None = None,
    ) -> GenerationResult:
        self.last_overhead_seconds = max(0.0, time.perf_counter() - started - run.llm_seconds)
        log.info(
            "generation done: %d call(s), %.3fs in the LLM, %.3fs our overhead",
            run.calls,
            run.llm_seconds,
            self.last_overhead_seconds,
        )
        meta = GenerationMeta(
            backend="openai",
            model=self.settings.llm_model,
            prompt_version=PROMPT_VERSION,
            usage=run.usage,
            initial_findings=initial,
            findings=findings,
            repaired=repaired,
            ladder=ladder,
        )
        return GenerationResult(sequence=sequence, meta=meta)


def _parse(raw: str, model: type[M]) -> M:
    """``raw`` as ``model``; ValueError (ValidationError is one) with a readable message."""
    text = json_text(raw)
    if not text:
        raise ValueError("the answer was empty")
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise ValueError(_describe(exc)) from exc


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:12]:
        where = ".".join(str(p) for p in error["loc"]) or "(whole answer)"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def _usage(usage: Any) -> Usage:
    if usage is None:
        return Usage()
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or 0
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        cached_tokens=cached,
    )


def _map_sdk_error(exc: openai.OpenAIError) -> GenerationError:
    """The SDK's exception (after its own retries, if any are configured) as one of our errors."""
    if isinstance(exc, openai.APITimeoutError):
        return TransientGenerationError("The language model did not answer in time.")
    if isinstance(exc, openai.APIConnectionError):
        return TransientGenerationError("The language model could not be reached.")
    if isinstance(exc, openai.RateLimitError):
        return TransientGenerationError("The language model is busy (rate limit). Try again shortly.")
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            return TransientGenerationError(f"The language model service had an error ({exc.status_code}).")
        if exc.status_code in (401, 403):
            return GenerationError("The language model rejected the API key. Check SS_LLM_API_KEY.")
        return GenerationError(f"The language model rejected the request ({exc.status_code}): {exc.message}")
    return GenerationError(f"The language model call failed: {exc}")


def _with_task(sequence: Sequence, index: int, task: Task) -> Sequence:
    tasks = list(sequence.tasks)
    tasks[index] = task
    return sequence.model_copy(update={"tasks": tasks})
