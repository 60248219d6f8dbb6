"""What each OpenAI-compatible provider accepts: the API dialect (OpenAI, Azure OpenAI, a local server),
reasoning-model parameters, and the SDK client. See docs/llm-providers.md for the settings per provider."""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlsplit

import openai

from config.settings import Settings
from prompts import PROMPT_VERSION

Message = dict[str, str]

_REASONING_MODEL = re.compile(r"^(?:o\d|gpt-5)", re.IGNORECASE)


def is_reasoning_model(settings: Settings) -> bool:
    """Whether the model takes reasoning-model parameters: forced by SS_LLM_REASONING, else from its name
    (o1, o3, o4-mini, gpt-5…; a provider prefix such as "openai/" is ignored)."""
    if settings.llm_reasoning != "auto":
        return settings.llm_reasoning == "on"
    return _REASONING_MODEL.match(settings.llm_model.rsplit("/", 1)[-1]) is not None


def provider_of(settings: Settings) -> str:
    """The API dialect: SS_LLM_PROVIDER, or for "auto" azure when an Azure endpoint is set, openai for
    api.openai.com, and local (core fields only) for any other OpenAI-compatible server."""
    if settings.llm_provider != "auto":
        return settings.llm_provider
    if settings.llm_azure_endpoint:
        return "azure"
    return "openai" if urlsplit(settings.llm_base_url).hostname == "api.openai.com" else "local"


def deployment_identifier(settings: Settings) -> str:
    """Who is asking, for the provider's abuse monitoring: a hash of this installation, never of a person."""
    return hashlib.sha256(f"stepping-stones:{settings.base_url}".encode()).hexdigest()[:32]


def make_client(settings: Settings) -> openai.OpenAI:
    """The SDK client, built once per generator with explicit timeout and retries."""
    # Local servers accept any key; the SDK insists on a non-empty one.
    api_key = settings.llm_api_key or "no-key"
    if provider_of(settings) == "azure":
        return openai.AzureOpenAI(
            azure_endpoint=settings.llm_azure_endpoint,
            api_version=settings.llm_azure_api_version,
            api_key=api_key,
            timeout=settings.llm_timeout_seconds,
            max_retries=settings.llm_max_retries,
        )
    return openai.OpenAI(
        base_url=settings.llm_base_url,
        api_key=api_key,
        timeout=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )


def request_params(
    settings: Settings,
    provider: str,
    reasoning: bool,
    response_format: str,
    messages: list[Message],
    name: str,
    schema: dict[str, Any],
) -> dict[str, Any]:
    """The Chat Completions parameters for this provider and model.

    Reasoning models take ``max_completion_tokens`` and reject ``temperature``; OpenAI and
    Azure get ``store`` (off by default) and a deployment-level identifier, OpenAI a stable
    ``prompt_cache_key``; local servers get only the core fields they all understand.
    """
    params: dict[str, Any] = {
        "model": settings.llm_model,
        "messages": messages,
        "response_format": _response_format(settings, response_format, name, schema),
    }
    if reasoning:
        params["max_completion_tokens"] = settings.llm_max_tokens
        if settings.llm_reasoning_effort:
            params["reasoning_effort"] = settings.llm_reasoning_effort
    else:
        token_limit = "max_tokens" if provider == "local" else "max_completion_tokens"
        params[token_limit] = settings.llm_max_tokens
        if settings.llm_temperature is not None:
            params["temperature"] = settings.llm_temperature
    if provider in ("openai", "azure"):
        params["store"] = settings.llm_store
    if provider == "openai":
        params["safety_identifier"] = deployment_identifier(settings)
        params["prompt_cache_key"] = f"stepping-stones/{PROMPT_VERSION}/{name}"
    elif provider == "azure":
        params["user"] = deployment_identifier(settings)
    return params


def _response_format(settings: Settings, mode: str, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    if mode == "json_object":
        if settings.llm_json_object_schema:
            # llama.cpp's extension: the server turns "schema" into a grammar. OpenAI rejects it.
            return {"type": "json_object", "schema": schema}
        return {"type": "json_object"}
    return {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": schema}}
