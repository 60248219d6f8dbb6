"""Who must stay anonymous, and every form in which their identity can appear."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import simplemma

from tool.privacy.text import compact, tokenise

Role = Literal["target", "classmate", "teacher", "staff"]

PLACEHOLDERS: dict[Role, str] = {
    "target": "the student",
    "classmate": "a classmate",
    "teacher": "[Teacher]",
    "staff": "another teacher",  # a co-teacher or teaching assistant on the course roster
}
NAME_PLACEHOLDER = "[name]"
HIDDEN_PLACEHOLDER = "[hidden]"
EMAIL_PLACEHOLDER = "[email removed]"
# Titles are never names on their own ("Mr" is not the teacher), but they mark the next word as one.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "madam", "prof", "mme", "herr", "frau"})
# A short all-digit id ("12") is only taken for an id where it is introduced as one ("user 12").
ID_CUES = frozenset({"id", "user", "userid", "uid", "sis", "login", "username", "no", "number", "sub"})
_SHORT_NUMBER = 4
_EMAIL_LOCAL = re.compile(r"^([^@\s]+)@")


@dataclass(frozen=True)
class Person:
    """Whatever we know that could identify one person."""

    role: Role
    names: tuple[str, ...] = ()  # display, given, family names; labels the teacher typed
    emails: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # LTI sub, LMS user id, SIS id
    logins: tuple[str, ...] = ()  # LMS user names

    @classmethod
    def of(
        cls,
        role: Role,
        *,
        names: Iterable[str | None] = (),
        emails: Iterable[str | None] = (),
        ids: Iterable[str | None] = (),
        logins: Iterable[str | None] = (),
    ) -> Person:
        def keep(values: Iterable[str | None]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v.strip() for v in values if isinstance(v, str) and v.strip()))

        return cls(role, keep(names), keep(emails), keep(ids), keep(logins))


@dataclass(frozen=True)
class Form:
    """One way a person's identity can be written, as looked up (folded and joined)."""

    role: Role
    is_id: bool = False
    # An everyday word as well ("Good", "Reader"): replaced only where written as a name.
    common_word: bool = False
    # A short number: replaced only after a cue such as "user" or "#".
    needs_cue: bool = False


def is_common_word(folded: str) -> bool:
    """An everyday English word: known to simplemma with a lower-case lemma ("mark", "good", "reader");
    its dictionary gives proper nouns capitalised lemmas ("sophie" -> "Sophie"), and those are not."""
    if not simplemma.is_known(folded, lang="en"):
        return False
    lemma = simplemma.lemmatize(folded, lang="en")
    return not lemma[:1].isupper()


def _name_keys(text: str) -> list[str]:
    """The whole name joined, each word, and every run of adjacent words (both orders for two words)."""
    every = [t.folded for t in tokenise(text)]
    # Titles are dropped ("Mr Patel" is found as "Patel"), unless the name is nothing but a title word: a
    # person called "Prof" or "Sir" must still be found (over-redacting the title is the safe side).
    words = [w for w in every if w not in TITLES] or every
    keys = ["".join(words)]
    for size in range(1, len(words)):
        for begin in range(len(words) - size + 1):
            keys.append("".join(words[begin : begin + size]))
    if len(words) >= 2:
        keys.append(words[-1] + words[0])  # family name first ("Khan Amira", "KhanAmira")
    return [k for k in keys if len(k) >= 2]


def forms_of(person: Person) -> dict[str, Form]:
    """Lookup key -> form for every way ``person`` can be written."""
    forms: dict[str, Form] = {}
    names = list(person.names) + list(person.logins)
    for email in person.emails:
        local = _EMAIL_LOCAL.match(email)
        names.append(local.group(1) if local else email)
    for name in names:
        for key in _name_keys(name):
            if not key.isdigit():
                forms.setdefault(key, Form(person.role, common_word=is_common_word(key)))
    for value in (*person.ids, *person.logins):
        key = compact(value)
        if not key or (len(key) < 3 and not key.isdigit()):
            continue
        if value in person.logins and is_common_word(key):
            continue  # a login such as "teacher" is matched like a name: not in "our teacher"
        forms[key] = Form(person.role, is_id=True, needs_cue=key.isdigit() and len(key) <= _SHORT_NUMBER)
    return forms
