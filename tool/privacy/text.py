"""Unicode-correct folding and tokenising for matching names.

Matching happens on a folded form of each token: compatibility-normalised
(NFKD, so full-width letters and ligatures read as plain ones), accents and
other combining marks dropped, case-folded (``ß`` -> ``ss``), and the four
Turkish i's (``İ I ı i``) all read as ``i`` so "KIVANÇ" matches "Kıvanç".

Tokens are runs of letters and digits. A run also breaks where a lower-case
letter meets an upper-case one ("SamStudent"), where letters meet digits
("student1"), and around every character of a script written without spaces
(Chinese, Japanese, Thai…), so a name can be found inside a joined word.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_TURKISH_I = frozenset("İIıi")
# Scripts written without spaces between words: every character is its own token.
_UNSPACED = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN", "YI ")


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str
    folded: str


@lru_cache(maxsize=16384)
def fold_char(ch: str) -> str:
    """One character as matched: "" for combining marks and anything that is not a letter or digit."""
    if ch in _TURKISH_I:
        return "i"
    decomposed = unicodedata.normalize("NFKD", ch)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(c for c in kept if c.isalnum())


def fold(text: str) -> str:
    """``text`` folded and joined: only letters and digits remain ("Sam_Student" -> "samstudent")."""
    return "".join(fold_char(ch) for ch in text)


@lru_cache(maxsize=16384)
def _kind(ch: str) -> str:
    """'mark', 'unspaced', 'upper', 'lower', 'digit', 'letter' or 'other'."""
    category = unicodedata.category(ch)
    if category[0] == "M":
        return "mark"
    if category[0] == "N":
        return "digit"
    if category[0] != "L":
        return "other"
    if unicodedata.name(ch, "").startswith(_UNSPACED):
        return "unspaced"
    if category == "Lu" or category == "Lt":
        return "upper"
    if category == "Ll":
        return "lower"
    return "letter"


def _breaks(previous: str, current: str) -> bool:
    if "unspaced" in (previous, current):
        return True
    if previous == "lower" and current == "upper":
        return True
    return (previous == "digit") != (current == "digit")


def tokenise(text: str) -> list[Token]:
    """The letter/digit tokens of ``text`` with their positions (combining marks stay with their letter)."""
    found: list[Token] = []
    start: int | None = None
    end = 0
    previous = "other"

    def close() -> None:
        if start is not None:
            piece = text[start:end]
            folded = fold(piece)
            if folded:
                found.append(Token(start, end, piece, folded))

    for index, ch in enumerate(text):
        kind = _kind(ch)
        if kind == "mark":
            if start is not None:
                end = index + 1
            continue
        if kind == "other":
            close()
            start, previous = None, "other"
            continue
        if start is not None and _breaks(previous, kind):
            close()
            start = None
        if start is None:
            start = index
        end = index + 1
        previous = kind
    close()
    return found


def compact(text: str) -> str:
    """How a name or id is looked up: its tokens folded and joined ("Sam Student" -> "samstudent")."""
    return "".join(token.folded for token in tokenise(text))
