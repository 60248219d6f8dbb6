"""The teacher's own choices of what to hide, kept per sequence.

They travel with each generation job (``payload["hidden_words"]``), so a rewrite of the
same sequence hides the same words without a table of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

MAX_WORDS = 50
MAX_WORD_LENGTH = 80


def clean_words(words: Iterable[Any]) -> list[str]:
    """Trimmed, de-duplicated, bounded: what may be stored as hidden words."""
    kept = (str(w).strip()[:MAX_WORD_LENGTH] for w in words if isinstance(w, str) and w.strip())
    return list(dict.fromkeys(kept))[:MAX_WORDS]


def hidden_words(db: Session, sequence_id: int) -> list[str]:
    """The words hidden for the sequence's latest job (the teacher's latest choice)."""
    from tool.teacher.models import GenerationJob

    payload = db.scalars(
        select(GenerationJob.payload).where(GenerationJob.sequence_id == sequence_id).order_by(GenerationJob.id.desc())
    ).first()
    words = payload.get("hidden_words") if isinstance(payload, dict) else None
    return clean_words(words) if isinstance(words, list) else []
