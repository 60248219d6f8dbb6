"""Choosing the generator: the one place that maps settings to a backend."""

from __future__ import annotations

from config.settings import Settings
from tool.generation.backend import Generator


def make_generator(settings: Settings, backend: str | None = None) -> Generator:
    """The generator named by ``backend``, or by ``settings.generator_backend`` when None.

    ``auto`` in settings means openai when an API key is set, offline otherwise.
    Raises ValueError for an unknown backend name.
    """
    name = backend or settings.generator_backend
    if name == "offline":
        from tool.generation.offline import OfflineGenerator

        # "Chosen" when offline was asked for explicitly rather than fallen back to.
        chosen = backend == "offline" or settings.generator == "offline" or bool(settings.llm_api_key)
        return OfflineGenerator(chosen=chosen)
    if name == "openai":
        from tool.generation.openai_backend import OpenAIGenerator

        return OpenAIGenerator(settings)
    raise ValueError(f"unknown generator backend {name!r} (expected 'offline' or 'openai')")
