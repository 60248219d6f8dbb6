"""Which ladder family fits a request: TF-IDF retrieval (scikit-learn) over each family's own words.

Every family contributes several short documents (its name and label, its
description, each example target phrasing). A request is compared with all of
them on word n-grams and on character n-grams (so "subtracting" meets
"subtraction" and "2-digit" meets "two-digit"); a family scores its best
document. Families whose age range excludes the student are left out.

The confidence is the best family's score. Below ``CONFIDENCE_THRESHOLD``
(chosen on the labelled set in ``bench/data/matching_requests.yaml``, see
``bench/matching_eval.py``) the planner says no ladder fits rather than
dressing up a wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence as Seq
from dataclasses import dataclass
from functools import cache

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

from tool.generation.ladders.library import load_families
from tool.generation.ladders.schema import Family

# Chosen on bench/data/matching_requests.yaml (bench/matching_eval.py prints the sweep).
CONFIDENCE_THRESHOLD = 0.30
# How far outside its age range a family may still be used (teachers round ages, ladders overlap).
AGE_TOLERANCE = 1

# Spellings teachers use for the same thing, folded before matching.
_FOLD = (
    (re.compile(r"\bmath\b"), "maths"),
    (re.compile(r"\b2[- ]?digit\b"), "two digit"),
    (re.compile(r"\b3[- ]?digit\b"), "three digit"),
    (re.compile(r"\b(\d+)\s*[x×]\s*(tables?)\b"), r"\1 times \2"),
    (re.compile(r"\bx\s*tables?\b"), "times tables"),
    (re.compile(r"\bmultiplication tables?\b"), "times tables"),
    (re.compile(r"\bcolour"), "color"),
    (re.compile(r"\bpractice\b"), "practise"),
    (re.compile(r"\bpe\b"), "physical education"),
    (re.compile(r"\bmfl\b"), "modern foreign language"),
    (re.compile(r"\beal\b|\besl\b|\bell\b|\bnew arrival|\bnew to english\b"), "english as an additional language"),
    # A named language or sport says which family: a modern foreign language, a team game.
    (re.compile(r"\b(french|spanish|german|italian|mandarin|japanese|latin|welsh|gaelic|irish|russian)\b"),
     r"\1 modern foreign language"),
    (re.compile(r"\b(netball|football|soccer|hockey|rugby|basketball|rounders|cricket|handball|volleyball)\b"),
     r"\1 team games"),
)

_TOKEN = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ing", "ed", "es", "s", "er", "ly")


def _stem(word: str) -> str:
    """A light suffix strip so "dancing", "dances" and "dance" share a token."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _TOKEN.findall(text) if w not in ENGLISH_STOP_WORDS]


def fold(text: str) -> str:
    low = " ".join(text.lower().replace("’", "'").split())
    for pattern, replacement in _FOLD:
        low = pattern.sub(replacement, low)
    return low


@dataclass(frozen=True)
class Candidate:
    family: Family
    score: float


@dataclass(frozen=True)
class MatchResult:
    ranked: tuple[Candidate, ...]  # best first, age-suitable families only

    @property
    def best(self) -> Candidate | None:
        return self.ranked[0] if self.ranked else None

    @property
    def confident(self) -> bool:
        return self.best is not None and self.best.score >= CONFIDENCE_THRESHOLD


class LadderMatcher:
    def __init__(self, families: Seq[Family]) -> None:
        self.families = tuple(families)
        docs: list[str] = []
        owner: list[int] = []
        for index, family in enumerate(self.families):
            for text in (f"{family.name}. {family.based_on}", family.description, *family.examples):
                docs.append(fold(text))
                owner.append(index)
        self._owner = np.array(owner)
        self._words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, tokenizer=_tokens, token_pattern=None,
                                      lowercase=False)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        self._word_docs = self._words.fit_transform(docs)
        self._char_docs = self._chars.fit_transform(docs)

    def _doc_scores(self, text: str) -> np.ndarray:
        query = [fold(text)]
        words = normalize(self._words.transform(query)) @ self._word_docs.T
        chars = normalize(self._chars.transform(query)) @ self._char_docs.T
        return np.asarray((0.5 * words + 0.5 * chars).todense()).ravel()

    def rank(self, target: str, context: str = "", age: int | None = None) -> MatchResult:
        """Families by fit to ``target`` (the skill), helped a little by ``context`` (subject)."""
        scores = self._doc_scores(target)
        if context.strip():
            scores = 0.85 * scores + 0.15 * self._doc_scores(f"{target} {context}")
        best = np.full(len(self.families), -1.0)
        np.maximum.at(best, self._owner, scores)
        ranked = [
            Candidate(family, float(best[i]))
            for i, family in enumerate(self.families)
            if age is None or family.ages[0] - AGE_TOLERANCE <= age <= family.ages[1] + AGE_TOLERANCE
        ]
        ranked.sort(key=lambda c: c.score, reverse=True)
        return MatchResult(tuple(ranked))


@cache
def default_matcher() -> LadderMatcher:
    return LadderMatcher(load_families())
