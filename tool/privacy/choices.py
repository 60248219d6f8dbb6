"""The teacher's own choices of what to hide, kept per sequence.

Chosen in the preview ("What the AI provider will see"). For a sequence that does not exist
yet (the preview of a new request) the choice waits in the key/value store under the launch and
the request's text until the sequence is created, then is copied to the sequence's row. Only read
there (never deleted) on the job path: the request's own database session may hold a write lock,
and a read never waits for one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from tool.privacy.models import HiddenWords

MAX_WORDS = 50
MAX_WORD_LENGTH = 80
PENDING_TTL_SECONDS = 2 * 60 * 60


def clean_words(words: Iterable[Any]) -> list[str]:
    """Trimmed, de-duplicated, bounded: what may be stored as hidden words."""
    kept = (str(w).strip()[:MAX_WORD_LENGTH] for w in words if isinstance(w, str) and w.strip())
    return list(dict.fromkeys(kept))[:MAX_WORDS]


def parse_words(text: str) -> list[str]:
    """Words or phrases typed one per line or separated by commas."""
    return clean_words(part for line in text.splitlines() for part in line.split(","))


def hidden_words(db: Session, sequence_id: int) -> list[str]:
    row = db.get(HiddenWords, sequence_id)
    return clean_words(row.words) if row is not None else []


def set_hidden_words(db: Session, sequence_id: int, words: Iterable[Any]) -> list[str]:
    """Store the choice for the sequence (the caller commits)."""
    cleaned = clean_words(words)
    row = db.get(HiddenWords, sequence_id)
    if row is None:
        db.add(HiddenWords(sequence_id=sequence_id, words=cleaned))
    else:
        row.words = cleaned
    return cleaned


def _pending_key(launch_id: str, inputs: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]
    return f"privacy:hide:{launch_id}:{digest}"


def remember_pending(launch_id: str, inputs: dict[str, Any], words: Iterable[Any]) -> None:
    """Keep the choice made in the preview of ``inputs`` (a request that is not a sequence yet)."""
    key = _pending_key(launch_id, inputs)
    current_app.extensions["kv_store"].set(key, json.dumps(clean_words(words)), PENDING_TTL_SECONDS)


def pending_words(launch_id: str, inputs: dict[str, Any]) -> list[str]:
    if not has_app_context() or "kv_store" not in current_app.extensions:
        return []
    raw = current_app.extensions["kv_store"].get(_pending_key(launch_id, inputs))
    try:
        return clean_words(json.loads(raw)) if raw else []
    except ValueError:
        return []


def words_for_job(db: Session, sequence_id: int, launch_id: str, inputs: dict[str, Any]) -> list[str]:
    """The sequence's hidden words; on its first job, the ones chosen in the preview of the same request."""
    stored = hidden_words(db, sequence_id)
    if stored:
        return stored
    pending = pending_words(launch_id, inputs)
    if pending:
        set_hidden_words(db, sequence_id, pending)
    return pending
