"""The words a teacher chose to hide from the AI provider, per sequence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from tool.db import Base, utcnow


class HiddenWords(Base):
    """Chosen in the preview ("What the AI provider will see") and kept for the sequence's rewrites."""

    __tablename__ = "privacy_hidden_words"

    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"), primary_key=True)
    words: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
