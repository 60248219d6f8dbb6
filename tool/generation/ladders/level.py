"""Reading the teacher's "student level" (Year 3, Grade 5, Reception, age 9, KS2...) as an age and a phrase.

The age filters the ladder library and pitches the wording; the phrase is the
only form of the level that goes into a sentence ("at the standard expected
for Year 3"), so whatever the teacher typed, the sentence stays grammatical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "first": 1, "second": 2,
                 "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
                 "tenth": 10, "eleventh": 11, "twelfth": 12}
_NUM = r"(\d{1,2}|" + "|".join(_WORD_NUMBERS) + r")"


@dataclass(frozen=True)
class Level:
    age: int | None
    phrase: str  # "for Year 3", "for a 9-year-old", "for this student's year group"

    @property
    def young(self) -> bool:
        """Under seven: adult-led, play-based, nothing to do at home."""
        return self.age is not None and self.age < 7


def _a_age(n: int) -> str:
    article = "an" if n in (8, 11, 18) or 80 <= n <= 89 else "a"
    return f"for {article} {n}-year-old"


def _n(token: str) -> int:
    return int(token) if token.isdigit() else _WORD_NUMBERS[token]


# (pattern, age from the number, phrase from the number); first match wins.
_RULES: tuple[tuple[re.Pattern[str], object, object], ...] = (
    (re.compile(r"\b(?:aged?|age:)\s*" + _NUM + r"\b"), lambda n: n, _a_age),
    (re.compile(r"\b" + _NUM + r"\s*(?:-\s*)?(?:years?|yrs?|yo)\b(?:[\s-]*old)?"), lambda n: n,
     _a_age),
    (re.compile(r"\b(?:year|yr|y)\s*-?\s*" + _NUM + r"\b"), lambda n: n + 5, lambda n: f"for Year {n}"),
    (re.compile(r"\b(?:grade|gr|g)\s*-?\s*" + _NUM + r"\b"), lambda n: n + 6, lambda n: f"for Grade {n}"),
    (re.compile(r"\b" + _NUM + r"(?:st|nd|rd|th)?\s+grade\b"), lambda n: n + 6, lambda n: f"for Grade {n}"),
    (re.compile(r"\bp\s*([1-7])\b"), lambda n: n + 4, lambda n: f"for P{n}"),
    (re.compile(r"\bs\s*([1-6])\b"), lambda n: n + 11, lambda n: f"for S{n}"),
)
_NAMED: tuple[tuple[re.Pattern[str], int, str], ...] = (
    (re.compile(r"\bnursery|pre-?k|pre-?school\b"), 4, "for Nursery"),
    (re.compile(r"\breception\b|\beyfs\b|\bfoundation stage\b"), 5, "for Reception"),
    (re.compile(r"\bkindergarten\b|\bkinder\b"), 5, "for Kindergarten"),
    (re.compile(r"\bks\s*1\b|\bkey stage 1\b"), 6, "for Key Stage 1"),
    (re.compile(r"\bks\s*2\b|\bkey stage 2\b"), 9, "for Key Stage 2"),
    (re.compile(r"\bks\s*3\b|\bkey stage 3\b"), 12, "for Key Stage 3"),
    (re.compile(r"\bks\s*4\b|\bkey stage 4\b|\bgcse\b"), 15, "for GCSE"),
    (re.compile(r"\bks\s*5\b|\bkey stage 5\b|\ba[- ]?levels?\b|\bsixth form\b|\bcollege\b|\bib\b"), 17,
     "for sixth form"),
    (re.compile(r"\bprimary\b|\belementary\b"), 8, "for this primary class"),
    (re.compile(r"\bsecondary\b|\bhigh school\b|\bmiddle school\b"), 13, "for this secondary class"),
)


def read_level(text: str) -> Level:
    """Age (None when unreadable) and a grammatical phrase for the student level as typed."""
    low = " ".join(text.lower().split())
    for pattern, age_of, phrase_of in _RULES:
        hit = pattern.search(low)
        if hit:
            n = _n(hit.group(1))
            age = age_of(n)  # type: ignore[operator]
            if 3 <= age <= 19:
                return Level(age=age, phrase=phrase_of(n))  # type: ignore[operator]
    for pattern, age, phrase in _NAMED:
        if pattern.search(low):
            return Level(age=age, phrase=phrase)
    return Level(age=None, phrase="for this student's year group")
