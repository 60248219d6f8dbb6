"""Finding people's names the roster does not know (a sibling, a nickname the teacher typed).

A capitalised word is scored on evidence a reader would use: is it a first or
family name in a names lexicon (the person-name lists that ship with Faker,
~31,000 first and ~28,000 family names from 80 locales, MIT licensed, no
download at run time), is it an everyday English word (simplemma's English
dictionary, already a dependency), does it open a sentence, and is it
introduced as a person ("his brother", "Mr", "called"). A word scoring at
least ``THRESHOLD`` is treated as a name. The weights and the threshold were
chosen on the labelled sentences in ``tests/privacy_corpus/names.tsv``
(``python -m bench.privacy_names`` prints precision and recall for each
threshold; docs/privacy.md has the table).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import lru_cache

from tool.privacy.people import TITLES, is_common_word
from tool.privacy.text import Token, fold

THRESHOLD = 0.5

# Words that introduce a person.
_PERSON_CUES = frozenset(
    [
        "brother",
        "sister",
        "bro",
        "sis",
        "twin",
        "cousin",
        "friend",
        "mate",
        "mum",
        "mom",
        "mam",
        "mother",
        "dad",
        "father",
        "stepdad",
        "stepmum",
        "stepbrother",
        "stepsister",
        "grandma",
        "grandad",
        "grandpa",
        "granny",
        "gran",
        "nan",
        "nana",
        "nanny",
        "aunt",
        "auntie",
        "uncle",
        "carer",
        "neighbour",
        "neighbor",
        "named",
        "called",
        "nicknamed",
        "calls",
        "call",
        "partner",
        "buddy",
        "tutor",
        "coach",
        "mentor",
        "childminder",
        "hero",
        "says",
        "said",
        "asks",
        "asked",
        "tells",
        "told",
        "mentions",
        "mentioned",
        "thinks",
    ]
)
# Capitalised words that are never people in a teacher's description.
_NEVER = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "year",
        "key",
        "stage",
        "gcse",
        "maths",
        "math",
        "english",
        "french",
        "spanish",
        "german",
        "science",
        "history",
        "geography",
        "art",
        "music",
        "pe",
        "drama",
        "ict",
        "computing",
        "biology",
        "chemistry",
        "physics",
        "religious",
        "re",
        "latin",
        "welsh",
        "mandarin",
        "arabic",
        "urdu",
        "polish",
        "turkish",
        "italian",
        "portuguese",
        "russian",
        "hindi",
        "sen",
        "senco",
        "ehcp",
        "send",
        "eal",
        "ta",
        "lsa",
        "head",
        "sats",
        "ks",
        "teacher",
        "student",
        "class",
        "christmas",
        "easter",
        "term",
        "i",
        "ok",
    ]
)


@dataclass(frozen=True)
class Lexicon:
    first: frozenset[str]
    family: frozenset[str]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """First and family names of every locale Faker ships, folded like our tokens."""
    import faker.providers.person as person_providers

    first: set[str] = set()
    family: set[str] = set()
    for info in pkgutil.iter_modules(person_providers.__path__):
        module = importlib.import_module(f"faker.providers.person.{info.name}")
        provider = getattr(module, "Provider", None)
        attributes = vars(provider) if provider is not None else {}
        for attribute, into in (
            ("first_names", first),
            ("first_names_male", first),
            ("first_names_female", first),
            ("first_names_nonbinary", first),
            ("last_names", family),
            ("last_names_male", family),
            ("last_names_female", family),
        ):
            values = attributes.get(attribute)
            if isinstance(values, tuple | list | dict | set | frozenset):
                into.update(fold(str(v)) for v in values)
    first.discard("")
    family.discard("")
    return Lexicon(frozenset(first), frozenset(family))


def _opens_sentence(text: str, token: Token) -> bool:
    before = text[: token.start].rstrip(" \t\"'“‘(*-•–")
    return not before or before[-1] in ".!?:;\n"


def _beside_a_name(text: str, tokens: list[Token], index: int, names: Lexicon) -> bool:
    """A neighbouring word, joined by a space or hyphen, is a capitalised first name."""
    for other in (index - 1, index + 1):
        if 0 <= other < len(tokens):
            a, b = sorted((index, other))
            gap = text[tokens[a].end : tokens[b].start]
            neighbour = tokens[other]
            if gap in (" ", "-") and neighbour.text[:1].isupper() and neighbour.folded in names.first:
                return True
    return False


def name_score(text: str, tokens: list[Token], index: int) -> float:
    """How much ``tokens[index]`` of ``text`` looks like a person's name (0 = not at all)."""
    token = tokens[index]
    word = token.text
    if len(token.folded) < 2 or not word[:1].isupper() or not word.isalpha():
        return 0.0
    if word.isupper() or token.folded in _NEVER or token.folded in TITLES or token.folded in _PERSON_CUES:
        return 0.0
    previous = tokens[index - 1].folded if index > 0 else ""
    gap_before = text[tokens[index - 1].end : token.start] if index > 0 else ""
    if previous in TITLES and gap_before.strip(" .") == "":
        return 1.0  # "Mr Reader", "Mrs.Good"
    names = lexicon()
    score = 0.0 if _opens_sentence(text, token) else 0.2  # capitalised mid-sentence
    if token.folded in names.first:
        score += 0.4
    elif token.folded in names.family:
        score += 0.2
    score += -0.2 if is_common_word(token.folded) else 0.2
    if previous in _PERSON_CUES:
        score += 0.3
    after = text[token.end : token.end + 2]
    if after in ("'s", "’s"):
        score += 0.1
    if _beside_a_name(text, tokens, index, names):
        score += 0.2  # "Harry Potter", "Ellie-May": the other half of a name
    return max(0.0, min(1.0, score))


def detect(text: str, tokens: list[Token], threshold: float = THRESHOLD) -> list[int]:
    """Indexes of the tokens that read as names of people."""
    return [i for i in range(len(tokens)) if name_score(text, tokens, i) >= threshold]
