"""Plain, explainable text matching shared by the parser and the quality checker.

Everything here is deterministic and cheap: word lists come from
``config/lexicons`` (see its docstring for the list syntax), are compiled to
one regular expression per list the first time they are used, and are cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import simplemma

from config.lexicons import lexicon_list, load_lexicon
from tool.generation.model import Source

# Typographic quotes are normalised to ASCII so "you’re" matches "you're".
# Each replacement is one character for one, so match offsets stay valid.
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})

# How many words before a match a negation may sit and still negate it
# ("never offer stickers, points or prizes" negates all three).
NEGATION_WINDOW = 6

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def normalise(text: str) -> str:
    """Lower-case with ASCII quotes; same length as the input."""
    return text.translate(_QUOTES).lower()


def _phrase_body(phrase: str) -> str:
    """One phrase as a regex, without the leading word boundary (the caller adds it once)."""
    parts = []
    for token in normalise(phrase).split():
        if token.endswith("*"):
            parts.append(re.escape(token[:-1]) + r"[\w']*")
        else:
            parts.append(re.escape(token))
    body = r"\s+".join(parts)
    # Look-arounds rather than \b so a phrase may end with punctuation ("you can do it!").
    last = normalise(phrase).strip()[-1:]
    return body + (r"(?![\w'])" if last.isalnum() or last in "*'" else "")


def _compile(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for a whole list.

    The word-start check and a first-character class sit outside the
    alternation, so the engine rejects most positions before trying any phrase
    (this keeps the checker to a few milliseconds per document).
    """
    ordered = sorted({normalise(p).strip() for p in phrases}, key=len, reverse=True)  # longest wins
    at_word = [p for p in ordered if p[:1].isalnum()]
    other = [p for p in ordered if not p[:1].isalnum()]
    branches = []
    if at_word:
        firsts = "".join(sorted({re.escape(p[0]) for p in at_word}))
        branches.append(rf"(?<![\w'])(?=[{firsts}])(?:{'|'.join(_phrase_body(p) for p in at_word)})")
    branches += [_phrase_body(p) for p in other]
    return re.compile("|".join(branches)) if branches else None


@dataclass(frozen=True)
class Match:
    phrase: str
    start: int
    end: int


class PhraseMatcher:
    """Finds any phrase of a word list in text, case-insensitively, on word boundaries."""

    def __init__(self, phrases: tuple[str, ...], exceptions: tuple[str, ...] = ()) -> None:
        self._regex = _compile(phrases)
        self._exceptions = PhraseMatcher(exceptions) if exceptions else None

    def find_all(self, text: str) -> list[Match]:
        """Every non-overlapping match, minus those inside an exception phrase."""
        if self._regex is None:
            return []
        norm = normalise(text)
        found = [Match(m.group(0), m.start(), m.end()) for m in self._regex.finditer(norm)]
        if self._exceptions is not None and found:
            spans = [(e.start, e.end) for e in self._exceptions.find_all(text)]
            found = [m for m in found if not any(s <= m.start and m.end <= e for s, e in spans)]
        return found

    def search(self, text: str) -> Match | None:
        found = self.find_all(text)
        return found[0] if found else None


@cache
def matcher(lexicon: str, key: str) -> PhraseMatcher:
    """The cached matcher for one lexicon list; a ``<key>_exceptions`` list, if any, excuses matches."""
    exceptions = load_lexicon(lexicon).get(f"{key}_exceptions", ())
    return PhraseMatcher(lexicon_list(lexicon, key), exceptions)


# --- sentences and clauses --------------------------------------------------------------------

# Inside a sentence a clause ends at a semicolon, colon, dash or bracket, at "but", and at a comma
# that opens a new subject ("Don't worry, you're so clever": the "don't" stays with "worry").
_HARD_BREAK = re.compile(r"[;:()\[\]—–]|\s-\s|\bbut\b|\n")
_COMMA_CLAUSE = re.compile(
    r",\s+(?=(?:and\s+|so\s+|then\s+|now\s+)?(?:you|you're|you've|you'll|you'd|i|i'm|i'll|we|we're|she|she's|"
    r"he|he's|they|they're|it's|that's|this|that|there's|here's|look|remember|let's|well|now|so|and|then|"
    r"because|since|if|when|once|after|before|as)\b)"
)
# "Instead of a sticker chart, ..." negates only what it governs: up to the next comma.
_SHORT_SCOPE = frozenset({"instead of", "rather than", "without", "nor", "neither"})


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``text``; the library splits prose, line breaks split lists."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        offset = line.start()
        chunk = line.group(0)
        cursor = 0
        for sentence in _split_sentences(chunk):
            found = chunk.find(sentence, cursor)
            if found < 0:  # the splitter normalised something; fall back to the rest of the line
                spans.append((offset + cursor, offset + len(chunk)))
                break
            spans.append((offset + found, offset + found + len(sentence)))
            cursor = found + len(sentence)
    return spans


@lru_cache(maxsize=4096)
def _split_sentences(chunk: str) -> tuple[str, ...]:
    return tuple(simplemma.split_sentences(chunk, lang="en")) or (chunk,)


def sentence_at(text: str, position: int) -> tuple[int, int]:
    for start, end in sentence_spans(text):
        if start <= position < end:
            return start, end
    return 0, len(text)


def clause_start(norm: str, sentence_start: int, position: int) -> int:
    """Where the clause holding ``position`` begins (``norm`` is normalised text)."""
    start = sentence_start
    for regex in (_HARD_BREAK, _COMMA_CLAUSE):
        # Search past ``position``: the comma rule looks ahead at the words that open the next clause.
        for hit in regex.finditer(norm, sentence_start, min(len(norm), position + 40)):
            if hit.end() <= position:
                start = max(start, hit.end())
    return start


def is_negated(text: str, match: Match) -> bool:
    """True when a negation governs ``match``: it sits shortly before it in the same clause.

    "Avoid stickers or points" and "no rewards" are advice against, not recommendations;
    "this isn't about being clever" denies ability. A negation never reaches into the next
    sentence or clause ("Don't worry, you're so clever" praises ability), looks back at most
    NEGATION_WINDOW words, and "instead of"/"rather than" govern only up to the next comma.
    """
    norm = normalise(text)
    sentence_start, _ = sentence_at(text, match.start)
    start = clause_start(norm, sentence_start, match.start)
    words = list(_WORD.finditer(norm, start, match.start))[-NEGATION_WINDOW:]
    if not words:
        return False
    window = norm[words[0].start() : match.start]
    for hit in matcher("banned", "negations").find_all(window):
        if hit.phrase in _SHORT_SCOPE and "," in window[hit.end :]:
            continue
        return True
    return False


def find_unnegated(text: str, phrases: PhraseMatcher) -> list[Match]:
    return [m for m in phrases.find_all(text) if not is_negated(text, m)]


def excerpt(text: str, match: Match | None = None, limit: int = 200) -> str:
    """The sentence around ``match`` (or the start of ``text``), cut to ``limit`` characters."""
    if match is None:
        flat = " ".join(text.split())
        return flat if len(flat) <= limit else flat[: limit - 1] + "…"
    start = max((m.end() for m in re.finditer(r"[.!?\n]\s", text[: match.start])), default=0)
    tail = re.search(r"[.!?\n]", text[match.end :])
    end = match.end + tail.end() if tail else len(text)
    sentence = " ".join(text[start:end].split())
    if len(sentence) <= limit:
        return sentence
    found = normalise(sentence).find(match.phrase)
    lo = max(0, found - limit // 3) if found >= 0 else 0
    cut = sentence[lo : lo + limit - 2]
    return ("…" if lo else "") + cut + "…"


# --- content words ---------------------------------------------------------------------------


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(normalise(w) for w in lexicon_list("stopwords", "stopwords"))


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """The word's dictionary form ("writes", "writing", "wrote" -> "write"), from simplemma's English lexicon."""
    return str(simplemma.lemmatize(word, lang="en")).lower()


def content_words(text: str) -> set[str]:
    """Lemmas of the words in ``text`` that are not stop words."""
    stops = _stopwords()
    return {stem(w) for w in _WORD.findall(normalise(text)) if w not in stops}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def recall(wanted: set[str], found_in: set[str]) -> float:
    """Share of ``wanted`` words that also occur in ``found_in`` (0 when nothing is wanted)."""
    return len(wanted & found_in) / len(wanted) if wanted else 0.0


# --- sources of self-efficacy ----------------------------------------------------------------

_SOURCE_KEYS = {
    Source.MASTERY: "mastery",
    Source.VICARIOUS: "vicarious",
    Source.PERSUASION: "persuasion",
    Source.PHYSIOLOGICAL: "physiological",
}


def infer_sources(text: str) -> list[Source]:
    """Sources of self-efficacy the prose talks about, in order of first mention."""
    first_seen: list[tuple[int, Source]] = []
    for source, key in _SOURCE_KEYS.items():
        hit = matcher("sources", key).search(text)
        if hit is not None:
            first_seen.append((hit.start, source))
    return [source for _, source in sorted(first_seen, key=lambda pair: pair[0])]
