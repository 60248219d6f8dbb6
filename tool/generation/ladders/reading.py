"""Reading the teacher's own words: the damaged source, what was tried, strengths, interests, needs.

Data in ``config/ladders/_reading.yaml``. The teacher's words only ever appear
quoted (“…”) as evidence; every sentence around them is ours, so the English
stays whole whatever was typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import yaml

from tool.generation.ladders.library import LADDERS_DIR
from tool.generation.model import Source
from tool.generation.textmatch import normalise

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+|;\s*|\s+[—–]\s+")
MAX_QUOTE_WORDS = 18
T = TypeVar("T")


@cache
def reading_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((LADDERS_DIR / "_reading.yaml").read_text(encoding="utf-8"))
    return data


@cache
def _cue_regex(cues: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted({normalise(c) for c in cues}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(c) for c in ordered) + ")")


def find_cue(text: str, cues: list[str]) -> re.Match[str] | None:
    return _cue_regex(tuple(cues)).search(normalise(text))


def count_cues(text: str, cues: list[str]) -> int:
    return len(_cue_regex(tuple(cues)).findall(normalise(text)))


def sentences(text: str) -> list[str]:
    return [s.strip(" ,") for s in _SENTENCE.split(text.strip()) if s.strip(" ,.")]


def quote(fragment: str, max_words: int = MAX_QUOTE_WORDS) -> str:
    """The teacher's fragment in curly quotes, cut at ``max_words`` with an ellipsis."""
    text = fragment.strip()
    if len(text) > 1 and text[0] in "\"“'‘" and text[-1] in "\"”'’":
        text = text[1:-1]
    words = text.split()
    body = " ".join(words[:max_words]).rstrip(",;:")
    if len(words) > max_words:
        body += "…"
    return f"“{body}”"


def sentence_with(text: str, cues: list[str]) -> str | None:
    for sentence in sentences(text):
        if find_cue(sentence, cues):
            return sentence
    return None


# --- the damaged source ------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    source: Source
    count: int
    quote: str | None  # the teacher's sentence that shows it, quoted
    why: str


def diagnose(texts: list[str], default: Source) -> list[Evidence]:
    """Sources with evidence in ``texts``, strongest first; ``default`` first when nothing is found."""
    found: list[Evidence] = []
    for name, entry in reading_data()["diagnosis"].items():
        source = Source(name)
        count = sum(count_cues(t, entry["cues"]) for t in texts)
        if count:
            where = next((s for t in texts if (s := sentence_with(t, entry["cues"]))), None)
            found.append(Evidence(source, count, quote(where) if where else None, entry["why"]))
    # Most evidence first; ties keep the order that matches the family's usual barrier, then Bandura's.
    order = list(Source)
    found.sort(key=lambda e: (-e.count, e.source != default, order.index(e.source)))
    if not found:
        entry = reading_data()["diagnosis"][default.value]
        found.append(Evidence(default, 0, None, entry["why"]))
    return found


# --- what was tried before ----------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    text: str
    kind: str | None
    why: str
    tag: str | None
    caution: str | None
    spoken: str | None  # a phrase the teacher quoted as said to the student ("Come on, you can do it!")


_GENERAL_WHY = "it did not give the student a success they could see as their own"
_SPOKEN = re.compile(r"[\"“‘']([^\"“”‘’']{3,80}[!?.]?)[\"”’']")
_PARTS = re.compile(r",\s*(?:and\s+|then\s+)?|\s+and\s+(?:then\s+)?|\s+then\s+|\s+also\s+")


def _kind(text: str) -> dict[str, Any] | None:
    return next((k for k in reading_data()["attempts"] if find_cue(text, k["cues"])), None)


_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
_MASK = "\u0000"


def _fragments(text: str) -> list[str]:
    """Each attempt the teacher lists; commas and stops inside quoted speech do not split."""
    masked = _QUOTED.sub(lambda m: m.group(0).replace(",", _MASK).replace("!", "\u0001").replace(".", "\u0002")
                         .replace("?", "\u0003"), text)
    return [f.replace(_MASK, ",").replace("\u0001", "!").replace("\u0002", ".").replace("\u0003", "?")
            for f in _split(masked)]


def _split(text: str) -> list[str]:
    out: list[str] = []
    for sentence in sentences(text):
        parts = [p.strip() for p in _PARTS.split(sentence) if p.strip()]
        kinds = [_kind(p) for p in parts]
        if len(parts) > 1 and sum(1 for k in kinds if k) >= 2:
            # A list of different attempts: keep each with the words that belong to it.
            current = ""
            for part, kind in zip(parts, kinds, strict=True):
                if kind and current and _kind(current):
                    out.append(current)
                    current = part
                else:
                    current = f"{current}, {part}" if current else part
            out.append(current)
        else:
            out.append(sentence)
    return out


def read_attempts(text: str | None) -> list[Attempt]:
    if not text:
        return []
    attempts = []
    for fragment in _fragments(text):
        kind = _kind(fragment)
        spoken = _SPOKEN.search(fragment)
        attempts.append(Attempt(
            text=fragment,
            kind=kind["kind"] if kind else None,
            why=kind["why"] if kind else _GENERAL_WHY,
            tag=kind.get("tag") if kind else None,
            caution=kind.get("caution") if kind else None,
            spoken=spoken.group(1).strip() if spoken and kind and kind.get("avoid_phrase") else None,
        ))
    return attempts


# --- strengths, interests, needs -----------------------------------------------------------------


@dataclass(frozen=True)
class Strength:
    kind: str
    phrase: str
    task1: str


def _first_mentioned(text: str, options: list[tuple[T, list[str]]]) -> T | None:
    """The option whose cue appears earliest in ``text`` (the teacher's first-named strength or interest)."""
    hits = [(hit.start(), i) for i, (_, cues) in enumerate(options) if (hit := find_cue(text, cues))]
    return options[min(hits)[1]][0] if hits else None


def read_strength(text: str | None) -> Strength | None:
    if not text:
        return None
    options = [(Strength(e["kind"], e["phrase"], " ".join(e["task1"].split())), e["cues"])
               for e in reading_data()["strengths"]]
    return _first_mentioned(text, options)


def read_interest(*texts: str | None) -> str | None:
    options = [(str(interest), cues) for interest, cues in reading_data()["interests"].items()]
    return _first_mentioned(" ".join(t for t in texts if t), options)


@dataclass(frozen=True)
class Need:
    label: str
    adapt: str


def read_needs(text: str | None) -> list[Need]:
    if not text:
        return []
    return [Need(p["label"], " ".join(p["adapt"].split())) for p in reading_data()["profiles"]
            if find_cue(text, p["cues"])]


def tag_adjustment(tag: str) -> str:
    return " ".join(str(reading_data()["tag_adjustments"][tag]).split())
