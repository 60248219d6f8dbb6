"""The one interface every generator implements, and the errors it may raise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

from tool.generation.model import GenerationResult, Sequence, SequenceRequest, Usage

Stage = Literal["drafting", "checking", "repairing"]
ProgressCallback = Callable[[Stage], None]


class Generator(Protocol):
    name: str

    def generate(self, request: SequenceRequest, progress: ProgressCallback | None = None) -> GenerationResult:
        """Draft a sequence, check it, repair once if the checker finds problems.

        The request must already be free of student names and ids (see
        ``tool.teacher.privacy``); generators never see roster data.
        """
        ...

    def regenerate_task(
        self,
        request: SequenceRequest,
        sequence: Sequence,
        task_index: int,
        progress: ProgressCallback | None = None,
    ) -> GenerationResult:
        """Return the sequence with only task ``task_index`` rewritten, re-checked."""
        ...


class GenerationError(Exception):
    """A generation that cannot succeed as asked; ``reason`` is plain words for the teacher."""

    retryable = False
    # Tokens the attempt used before it failed (set by generators that call an LLM), so failed
    # attempts are counted too (tool.generation.usage_ledger).
    usage: Usage | None = None

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransientGenerationError(GenerationError):
    """Rate limit, timeout, connection or 5xx: worth retrying with backoff."""

    retryable = True


class RefusalError(GenerationError):
    """The model refused to answer."""


class TruncatedError(GenerationError):
    """The answer hit the token limit before it was complete."""


class ContentFilteredError(GenerationError):
    """The provider's content filter stopped the answer."""


class InvalidOutputError(GenerationError):
    """The answer was not a valid sequence even after the repair round."""
