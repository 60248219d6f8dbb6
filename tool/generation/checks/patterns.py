"""Pattern lexicons: the classes of language the seed rules out, kept as data.

Each ``config/lexicons/patterns/<class>.yaml`` file holds one class (ability
praise, luck, rewards, ...): which check it belongs to, how severe it is, in
which parts of a sequence it counts, and its patterns. Every pattern carries
``examples`` that must be found and ``counterexamples`` that must not, and
``tests/generation/test_checker_lexicons.py`` runs them all.

Pattern syntax: a regular expression over lower-cased text with ASCII quotes,
matched on word boundaries, where a space matches any run of whitespace and
these shorthands expand:

- ``{you}`` the student as subject (you, she, he, they); ``{your}`` their
  possessive; ``{them}`` the student as object; ``{youre}`` "you're", "she is", ...
- ``{Name}`` a capitalised first name in the original text (not a sentence's
  first word), e.g. another student: "you beat {Name}'s score";
- ``{w}`` any one word, ``{w0-3}`` up to three words;
- ``{subject}`` a school subject or skill noun (maths, reading, writing, ...).

Where a phrase sits decides what it means (``Zone``): in a teacher script,
student instructions or phrases to use it is said to the student ("speech");
in what the student does, "if the student struggles", the plan and the like it
is advice ("advice"); the diagnostic, the cautions, the header and "Phrases to
AVOID" only describe ("mention") and are never searched. Inside advice, a
sentence that reports what was tried before or criticises the phrase is a
mention too, and a class may count only quoted speech there (``quoted``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from config.lexicons import LEXICON_DIR, LexiconError
from tool.generation.model import CheckId
from tool.generation.textmatch import Match, is_negated, normalise, sentence_at

PATTERN_DIR = LEXICON_DIR / "patterns"

Zone = Literal["speech", "advice", "mention"]
Severity = Literal["must_fix", "consider"]

_SUBJECT = (
    r"(?:maths?|numbers?|number|arithmetic|reading|readers?|writing|writers?|science|english|spelling|"
    r"languages?|french|spanish|german|words|art|music|sports?|pe|history|geography|tests?|exams?|"
    r"speaking|presenting|fractions|algebra|times tables|school)"
)
_MACROS = {
    "{you}": r"(?:you|she|he|they)",
    "{your}": r"(?:your|her|his|their)",
    "{them}": r"(?:you|her|him|them)",
    "{youre}": r"(?:you're|you are|she's|she is|he's|he is|they're|they are)",
    "{w}": r"[a-z0-9'-]+",
    "{w0-3}": r"(?:[a-z0-9'-]+ ){0,3}",
    "{w0-6}": r"(?:[a-z0-9'-]+ ){0,6}",
    "{subject}": _SUBJECT,
    "{Name}": r"(?P<name>[a-z]+)",
}
# Capitalised words that are not another student's name.
_NOT_NAMES = frozenset(
    [
        "i", "you", "she", "he", "they", "we", "it", "the", "a", "an", "this", "that", "these", "those", "my",
        "your", "her", "his", "their", "our", "mr", "mrs", "ms", "miss", "sir", "task", "step", "phrase",
        "week", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "year",
        "english", "french", "maths", "math", "science", "god", "okay", "ok"
    ]
)


def _expand(pattern: str) -> str:
    body = normalise(pattern).strip()
    for macro, regex in _MACROS.items():
        body = body.replace(macro.lower(), regex)
    body = re.sub(r"(?<!\\) ", r"\\s+", body)
    return rf"(?<![\w'])(?:{body})(?!\w|-\w)"


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    source: str
    contingent: bool
    examples: tuple[str, ...]
    counterexamples: tuple[str, ...]


@dataclass(frozen=True)
class LanguageClass:
    """One class of language the seed rules out, e.g. ability praise."""

    name: str
    check: CheckId
    severity: Severity
    zones: frozenset[str]
    message: str
    patterns: tuple[Pattern, ...]
    negatable: bool = True
    exceptions: tuple[re.Pattern[str], ...] = field(default=())


@dataclass(frozen=True)
class Hit:
    language: LanguageClass
    match: Match


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
        raise LexiconError(f"{where} must be a list of non-empty strings")
    return tuple(raw)


def _pattern(raw: Any, where: str) -> Pattern:
    if isinstance(raw, str):
        raw = {"match": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("match"), str):
        raise LexiconError(f"{where}: each pattern needs a 'match' string")
    try:
        regex = re.compile(_expand(raw["match"]))
    except re.error as exc:
        raise LexiconError(f"{where}: bad pattern {raw['match']!r}: {exc}") from exc
    return Pattern(
        regex=regex,
        source=raw["match"],
        contingent=bool(raw.get("contingent", False)),
        examples=_strings(raw.get("examples"), where + " examples"),
        counterexamples=_strings(raw.get("counterexamples"), where + " counterexamples"),
    )


def _load(path: Path) -> dict[str, Any]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise LexiconError(f"{path.name} must be a mapping")
    return raw


@cache
def language_classes() -> tuple[LanguageClass, ...]:
    """Every class in ``config/lexicons/patterns`` (files starting with ``_`` hold cues, not classes)."""
    out = []
    for path in sorted(PATTERN_DIR.glob("[!_]*.yaml")):
        raw = _load(path)
        where = path.name
        zones = frozenset(_strings(raw.get("zones"), where + " zones"))
        if not zones or not zones <= {"speech", "advice", "quoted"}:
            raise LexiconError(f"{where}: zones must name speech, advice and/or quoted")
        if raw.get("severity") not in ("must_fix", "consider") or raw.get("check") not in tuple("abcdef"):
            raise LexiconError(f"{where}: needs check a-f and severity must_fix or consider")
        out.append(
            LanguageClass(
                name=path.stem,
                check=raw["check"],
                severity=raw["severity"],
                zones=zones,
                message=str(raw["message"]),
                patterns=tuple(_pattern(p, f"{where} #{i}") for i, p in enumerate(raw.get("patterns") or [])),
                negatable=bool(raw.get("negatable", True)),
                exceptions=tuple(re.compile(_expand(e)) for e in _strings(raw.get("exceptions"), where)),
            )
        )
    return tuple(out)


@cache
def cue(name: str) -> tuple[Pattern, ...]:
    """A list of context cues from ``config/lexicons/patterns/_cues.yaml`` (e.g. "contingency")."""
    raw = _load(PATTERN_DIR / "_cues.yaml")
    if name not in raw:
        raise LexiconError(f"_cues.yaml has no list '{name}'")
    return tuple(_pattern(p, f"_cues.yaml {name} #{i}") for i, p in enumerate(raw[name]["patterns"]))


def cue_in(name: str, norm: str, start: int = 0, end: int | None = None) -> bool:
    stop = len(norm) if end is None else end
    return any(p.regex.search(norm, start, stop) for p in cue(name))


_QUOTED = re.compile(r"\"[^\"\n]{2,}\"|‘[^‘’\n]{2,}’(?![a-z])|“[^“”\n]{2,}”")


def quoted_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def _is_name(text: str, start: int, word: str) -> bool:
    if not text[start : start + 1].isupper() or word in _NOT_NAMES:
        return False
    before = text[:start].rstrip()
    return bool(before) and before[-1] not in ".!?:\"“‘\n"  # not a sentence's first word


def _class_hits(language: LanguageClass, text: str, norm: str) -> list[tuple[Pattern, Match]]:
    hits: list[tuple[Pattern, Match]] = []
    for pattern in language.patterns:
        for m in pattern.regex.finditer(norm):
            named = "name" in pattern.regex.groupindex and m.group("name") is not None
            if named and not _is_name(text, m.start("name"), m.group("name")):
                continue
            if any(e.search(norm, max(0, m.start() - 40), min(len(norm), m.end() + 40)) and _covers(e, norm, m)
                   for e in language.exceptions):
                continue
            hits.append((pattern, Match(m.group(0), m.start(), m.end())))
    return hits


def _covers(exception: re.Pattern[str], norm: str, m: re.Match[str]) -> bool:
    return any(e.start() <= m.start() and m.end() <= e.end() for e in exception.finditer(norm))


def find_language(text: str, zone: Zone, only: LanguageClass | None = None) -> list[Hit]:
    """Every hit of a ruled-out class in ``text`` read as ``zone``; at most one per class and sentence."""
    if zone == "mention" or not text:
        return []
    norm = normalise(text)
    quoted = quoted_spans(text) if zone == "advice" else []
    out: list[Hit] = []
    seen: set[tuple[str, int]] = set()
    for language in (only,) if only else language_classes():
        if zone not in language.zones and not (zone == "advice" and "quoted" in language.zones and quoted):
            continue
        for pattern, hit in sorted(_class_hits(language, text, norm), key=lambda pair: pair[1].start):
            if zone == "advice" and zone not in language.zones and not any(
                s <= hit.start and hit.end <= e for s, e in quoted
            ):
                continue
            sentence = sentence_at(text, hit.start)
            if (language.name, sentence[0]) in seen:
                continue
            if language.negatable and is_negated(text, hit):
                continue
            if pattern.contingent and not cue_in("contingency", norm, *sentence):
                continue
            if zone == "advice" and (cue_in("reported", norm, *sentence) or cue_in("critique", norm, *sentence)):
                continue
            seen.add((language.name, sentence[0]))
            out.append(Hit(language, hit))
    return out
