"""Strict local replicas of what each provider's Chat Completions endpoint accepts.

Each replica is the fake OpenAI server (real HTTP, the real SDK talks to it) plus
the parameter rules the real service enforces, answering HTTP 400 with the
provider's own wording when a request breaks one:

- ``openai``: unknown top-level parameters are refused; ``response_format`` of
  type ``json_object`` takes no other key ("Unknown parameter:
  'response_format.schema'"); reasoning models (o-series, gpt-5 family) refuse
  ``max_tokens`` and any ``temperature`` but the default, other models refuse
  ``reasoning_effort``; ``safety_identifier`` and ``prompt_cache_key`` are at most 64 characters.
- ``azure``: the same model rules, served at
  ``/openai/deployments/<deployment>/chat/completions?api-version=…`` with an
  ``api-key`` header; OpenAI-only fields (``safety_identifier``,
  ``prompt_cache_key``) are refused.
- ``llamacpp``: llama.cpp's server: ``max_tokens``, and ``json_object`` with an
  optional ``schema`` it turns into a grammar; ignores fields it does not know.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from werkzeug.wrappers import Request, Response

from support.fake_openai import FakeOpenAI, _error

Flavour = Literal["openai", "azure", "llamacpp"]

_OPENAI_PARAMS = frozenset(
    [
        "model",
        "messages",
        "response_format",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "n",
        "stream",
        "stream_options",
        "stop",
        "store",
        "metadata",
        "user",
        "safety_identifier",
        "prompt_cache_key",
        "prompt_cache_retention",
        "reasoning_effort",
        "seed",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "logprobs",
        "top_logprobs",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "modalities",
        "audio",
        "prediction",
        "service_tier",
        "verbosity",
        "web_search_options",
    ]
)
_AZURE_PARAMS = _OPENAI_PARAMS - {"safety_identifier", "prompt_cache_key", "prompt_cache_retention", "verbosity"}
_REASONING = re.compile(r"^(?:o\d|gpt-5)")
_AZURE_PATH = re.compile(r"^/openai/deployments/([^/]+)/chat/completions$")


class ProviderReplica(FakeOpenAI):
    def __init__(self, flavour: Flavour, model: str = "gpt-4o-mini") -> None:
        super().__init__()
        self.flavour = flavour
        # Azure: the deployment's model; the others: the model the request names.
        self.deployed_model = model
        self.rejections: list[str] = []

    @property
    def endpoint(self) -> str:
        """Azure's resource endpoint (the SDK adds /openai/deployments/…)."""
        return self.base_url.removesuffix("/v1")

    def _handle(self, request: Request) -> Response:
        if self.flavour != "azure":
            return super()._handle(request)
        match = _AZURE_PATH.match(request.path)
        if match is None:
            return _error(404, f"Resource not found: {request.path}")
        if not request.args.get("api-version"):
            return self._reject(404, "Resource not found (no api-version)")
        if not request.headers.get("api-key"):
            return self._reject(401, "Access denied due to missing subscription key.")
        body = json.loads(request.get_data(as_text=True) or "{}")
        self.requests.append(_recorded(request, body))
        return self._chat(body)

    def _chat(self, body: dict[str, Any]) -> Response:
        problem = self._problem(body)
        if problem is not None:
            return self._reject(400, problem)
        return super()._chat(body)

    def _reject(self, status: int, message: str) -> Response:
        self.rejections.append(message)
        return _error(status, message)

    def _problem(self, body: dict[str, Any]) -> str | None:
        if self.flavour == "llamacpp":
            fmt = body.get("response_format") or {}
            if fmt and fmt.get("type") not in ("text", "json_object", "json_schema"):
                return f"Unsupported response_format type {fmt.get('type')!r}"
            return None
        allowed = _OPENAI_PARAMS if self.flavour == "openai" else _AZURE_PARAMS
        for key in body:
            if key not in allowed:
                return f"Unrecognized request argument supplied: {key}"
        model = self.deployed_model if self.flavour == "azure" else str(body.get("model", ""))
        if _REASONING.match(model):
            if "max_tokens" in body:
                return (
                    "Unsupported parameter: 'max_tokens' is not supported with this model. "
                    "Use 'max_completion_tokens' instead."
                )
            if "temperature" in body and body["temperature"] != 1:
                return (
                    f"Unsupported value: 'temperature' does not support {body['temperature']} with this model. "
                    "Only the default (1) value is supported."
                )
        elif "reasoning_effort" in body:
            return "Unsupported parameter: 'reasoning_effort' is not supported with this model."
        for key in ("safety_identifier", "prompt_cache_key", "user"):
            if key in body and (not isinstance(body[key], str) or len(body[key]) > 64):
                return f"Invalid '{key}': string too long. Expected a string with maximum length 64."
        if "store" in body and not isinstance(body["store"], bool):
            return "Invalid type for 'store': expected a boolean."
        return _response_format_problem(body.get("response_format"))


def _response_format_problem(fmt: Any) -> str | None:
    if fmt is None:
        return None
    kind = fmt.get("type")
    allowed = {"text": {"type"}, "json_object": {"type"}, "json_schema": {"type", "json_schema"}}
    if kind not in allowed:
        return f"Invalid value: '{kind}'. Supported values are: 'json_object', 'json_schema', and 'text'."
    for key in fmt:
        if key not in allowed[kind]:
            return f"Unknown parameter: 'response_format.{key}'."
    if kind == "json_schema":
        for key in fmt["json_schema"]:
            if key not in ("name", "strict", "schema", "description"):
                return f"Unknown parameter: 'response_format.json_schema.{key}'."
    return None


def _recorded(request: Request, body: dict[str, Any]) -> Any:
    from support.fake_openai import Recorded

    return Recorded(request.path, dict(request.headers), body)
