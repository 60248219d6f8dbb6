"""Fixtures for the generation tests: the fake OpenAI server and settings pointing at it."""

from __future__ import annotations

import pytest
from support.fake_openai import FakeOpenAI, fake_openai  # noqa: F401  (fixture re-exported)

from config.settings import Settings


@pytest.fixture
def llm_settings(settings: Settings, fake_openai: FakeOpenAI) -> Settings:  # noqa: F811
    """Settings for the openai backend talking to the fake server (fast retries, short timeout)."""
    return settings.model_copy(
        update={
            "generator": "openai",
            "llm_base_url": fake_openai.base_url,
            "llm_api_key": "sk-test",
            "llm_model": "fake-model",
            "llm_timeout_seconds": 5.0,
            "llm_max_retries": 2,
            "llm_max_tokens": 3000,
        }
    )
