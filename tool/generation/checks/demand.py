"""How demanding a task is, along the dimensions a teacher steps up one at a time.

``demand(text)`` reads a task (or the target skill) and estimates:

- scale: quantities by family ("three sentences" and "a paragraph" are both
  written text, measured in rough words; "eight questions" are items;
  "three-digit" numbers are digits; "numbers to 20" a range; minutes a length);
- support: scaffolds named (notes, blocks, the teacher writing) minus signs of
  independence ("on his own", "without notes"): more support, less demand;
- audience: who sees or hears it, from one to one (0) to beyond the class (4);
- time pressure and stakes: timed, tested, marked, handed in.

Word lists live in ``config/lexicons/demand.yaml``. The estimate is crude on
purpose, explainable in a sentence, and only compared between neighbours and
with the target, never used as an absolute score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from tool.generation.textmatch import find_unnegated, matcher, normalise, stem

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "both": 2, "pair": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "several": 3, "few": 3,
    "couple": 2, "whole": 1, "full": 1,
}
# unit lemma -> (family, size of one unit in that family)
_UNITS: dict[str, tuple[str, float]] = {
    "word": ("text", 1), "line": ("text", 10), "sentence": ("text", 12), "paragraph": ("text", 80),
    "page": ("text", 250), "essay": ("text", 600), "story": ("text", 400),
    "report": ("text", 400), "response": ("text", 80), "answer": ("items", 1), "question": ("items", 1),
    "problem": ("items", 1), "sum": ("items", 1), "calculation": ("items", 1), "equation": ("items", 1),
    "subtraction": ("items", 1), "addition": ("items", 1), "multiplication": ("items", 1),
    "division": ("items", 1), "fraction": ("items", 1), "item": ("items", 1), "card": ("items", 1),
    "example": ("items", 1), "exercise": ("items", 1), "fact": ("items", 1), "step": ("items", 1),
    "minute": ("minutes", 1), "second": ("minutes", 1 / 60), "hour": ("minutes", 60),
    "slide": ("items", 1), "book": ("text", 2000), "chapter": ("text", 1500), "speech": ("text", 400),
    "presentation": ("text", 400), "metre": ("distance", 1), "meter": ("distance", 1),
    "lap": ("distance", 50), "kilometre": ("distance", 1000),
    "bar": ("items", 1), "note": ("items", 1), "verse": ("text", 40), "line-graph": ("items", 1),
}
_QUOTED = re.compile(r"\"[^\"]*\"")
_TOKEN = re.compile(r"\d{1,4}(?:-[a-z]+)?|[a-z]+(?:-[a-z]+)*")
# A number this many words before a unit still counts it ("25 mixed facts", "three short sentences").
_UNIT_REACH = 3
# Plural nouns after a number that say how often or who, not how much.
_NOT_COUNTS = frozenset(
    {
        "times", "days", "weeks", "months", "years", "lessons", "sessions", "goes", "tries", "turns", "attempts",
        "ways", "people", "pupils", "students", "children", "classmates", "friends", "plays", "seconds", "hours",
        "points", "marks",
    }
)
# "five key words" are a prompt the student reads from, not what they produce.
_PROMPTS = frozenset({"key", "keyword", "prompt", "cue", "starter", "bank"})
_DIGITS = re.compile(r"(\d|one|two|three|four|five|six)[- ]digit")
_RANGE = re.compile(r"(?:numbers?|counting|count|up|within|to|from \d+ to)\s+(?:up\s+)?(?:to\s+)?(\d{2,5})\b")
_DIGIT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

DIMENSIONS = ("scale", "support", "audience", "time pressure", "stakes")


@dataclass(frozen=True)
class Demand:
    scale: dict[str, float] = field(default_factory=dict)
    support: int = 0  # independence cues minus support cues: higher is harder
    audience: int | None = None
    time_pressure: int = 0
    stakes: int = 0

    def compare(self, other: Demand) -> dict[str, int]:
        """Per dimension: +1 when ``other`` asks for more than ``self``, -1 for less, 0 same/unknown."""
        out = {"scale": _scale_cmp(self.scale, other.scale)}
        out["support"] = _sign(other.support - self.support)
        if self.audience is not None and other.audience is not None:
            out["audience"] = _sign(other.audience - self.audience)
        else:
            out["audience"] = 0
        out["time pressure"] = _sign(other.time_pressure - self.time_pressure)
        out["stakes"] = _sign(other.stakes - self.stakes)
        return out


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


# A quantity this much smaller or larger counts as a change; within it, the same size.
_SAME = 0.8


def _scale_cmp(a: dict[str, float], b: dict[str, float]) -> int:
    ups = downs = 0
    for family in a.keys() & b.keys():
        if b[family] < a[family] * _SAME:
            downs += 1
        elif a[family] < b[family] * _SAME:
            ups += 1
    return _sign(ups - downs) if ups != downs else 0


def scale_ratio(a: dict[str, float], b: dict[str, float]) -> float:
    """The largest factor by which a shared family grows from ``a`` to ``b`` (1 when none is shared)."""
    ratios = [b[f] / a[f] for f in a.keys() & b.keys() if a[f] > 0]
    return max(ratios, default=1.0)


def _add(out: dict[str, float], unit: str, count: float) -> None:
    lemma = stem(unit)
    if lemma in _UNITS:
        family, size = _UNITS[lemma]
    elif count > 1 and unit.endswith("s") and len(unit) > 3 and unit not in _NOT_COUNTS:
        family, size = "count", 1.0  # "40 buttons", "20 objects": things counted or handled
    else:
        return
    if family == "items" and count > 200:
        return  # a number inside a sum ("352 − 127"), not a count of questions
    out[family] = max(out.get(family, 0.0), count * size)


def _count_of(token: str) -> float | None:
    if token.isdigit():
        return float(token)
    return float(_NUMBER_WORDS[token]) if token in _NUMBER_WORDS else None


# "from five key words instead of the full paragraph": what is ruled out is not asked for.
_RULED_OUT = re.compile(r"\b(?:instead of|rather than|without|no longer|not)\b[^,.;:()]*")


def _scale(norm: str) -> dict[str, float]:
    """Quantities by family: "three sentences", "25 mixed facts", "an 80-word passage", "a paragraph"
    (but not "six seconds per question", a rate, nor what is ruled out)."""
    out: dict[str, float] = {}
    norm = _RULED_OUT.sub(" ", norm)
    tokens = _TOKEN.findall(norm)
    for i, token in enumerate(tokens):
        head, _, tail = token.partition("-")
        count = _count_of(head)
        if count is None:
            continue
        if tail and stem(tail) in _UNITS:  # "80-word", "25-question"
            _add(out, tail, count)
            continue
        if tail:
            continue  # "three-digit", "two-step"
        if token in ("a", "an"):
            continue  # "a paragraph" and the like: below
        reach = 1 if token in ("whole", "full") else _UNIT_REACH
        for j in range(i + 1, min(len(tokens), i + 1 + reach)):
            if tokens[j] == "word" and j + 1 < len(tokens) and tokens[j + 1].startswith("problem"):
                continue  # "word problems" are problems
            known = stem(tokens[j]) in _UNITS or (j == i + 1 and count > 1 and tokens[j].endswith("s"))
            if known and (j + 1 >= len(tokens) or tokens[j + 1] not in ("per", "each")):
                if tokens[j - 1] not in _PROMPTS:
                    _add(out, tokens[j], count)
                break
            if _count_of(tokens[j]) is not None:
                break
    for hit in _DIGITS.findall(norm):
        value = float(hit) if hit.isdigit() else float(_DIGIT_WORDS[hit])
        out["digits"] = max(out.get("digits", 0.0), value)
    for hit in _RANGE.findall(norm):
        out["range"] = max(out.get("range", 0.0), float(hit))
    for unit in ("paragraph", "essay"):
        if "text" not in out and re.search(rf"\b{unit}s?\b", norm):
            out["text"] = _UNITS[unit][1]
    return out


def _count(lexicon: str, key: str, text: str) -> int:
    return len(find_unnegated(text, matcher(lexicon, key)))


def _audience(text: str) -> int | None:
    """Who the task is for: what it says outright ("to the teacher") first, else its setting ("in the lesson")."""
    for prefix in ("audience_to_", "audience_"):
        for n in (4, 3, 2, 1, 0):
            if find_unnegated(text, matcher("demand", f"{prefix}{n}")):
                return n
    return None


@lru_cache(maxsize=1024)
def demand(text: str) -> Demand:
    # A quoted example ("The school fair has 240 prizes ...") is content, not the task's size or audience.
    text = _QUOTED.sub(" ", normalise(text))
    norm = text
    support = len(find_unnegated(text, matcher("demand", "support")))
    independence = len(matcher("demand", "independence").find_all(text))
    return Demand(
        scale=_scale(norm),
        support=2 * independence - support,
        audience=_audience(text),
        time_pressure=min(1, _count("demand", "time_pressure", text)),
        stakes=min(1, _count("demand", "stakes", text)),
    )


def explain(changes: dict[str, int], sign: int) -> str:
    return ", ".join(d for d in DIMENSIONS if changes.get(d) == sign)
