"""Keep students' identities away from the LLM.

Before a request (or a sequence, for a one-task rewrite) goes to a generator,
every known name, e-mail address and LTI id in its free text is replaced by a
neutral placeholder: the target student becomes "the student", any other
roster member "a classmate", the teacher "[Teacher]". The placeholder ->
original mapping stays on our side (with the job) and is used only to restore
names when a page is rendered for the teacher.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

Role = Literal["target", "classmate", "teacher"]

PLACEHOLDERS: dict[Role, str] = {
    "target": "the student",
    "classmate": "a classmate",
    "teacher": "[Teacher]",
}
# Only these are restored for the teacher: each stands for exactly one person.
RESTORABLE: tuple[Role, ...] = ("target", "teacher")

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Person:
    """Whatever we know that could identify one person."""

    role: Role
    names: tuple[str, ...] = ()  # full, given, family, display names, typed labels
    emails: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # LTI sub, roster user ids

    @classmethod
    def of(
        cls,
        role: Role,
        *,
        names: Iterable[str | None] = (),
        emails: Iterable[str | None] = (),
        ids: Iterable[str | None] = (),
    ) -> Person:
        def keep(values: Iterable[str | None]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v.strip() for v in values if v and v.strip()))

        return cls(role, keep(names), keep(emails), keep(ids))


@dataclass
class Redactor:
    """Replaces identifying terms; build once per job from everyone we know."""

    people: list[Person]
    _patterns: list[tuple[re.Pattern[str], Role]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        terms: dict[str, Role] = {}
        # The target wins over "classmate" if a name is shared; the teacher over both
        # is wrong (a shared first name most likely means the student), so order matters.
        for role in ("teacher", "classmate", "target"):
            for person in self.people:
                if person.role != role:
                    continue
                for term in (*person.names, *person.emails, *person.ids):
                    if len(term) >= 2:
                        terms[term.casefold()] = role
        # Longest first, so "Sam Student" is replaced whole before "Sam".
        for term in sorted(terms, key=len, reverse=True):
            pattern = re.compile(rf"(?<![\w@.]){re.escape(term)}(?![\w@])", re.IGNORECASE)
            self._patterns.append((pattern, terms[term]))

    def text(self, value: str) -> str:
        for pattern, role in self._patterns:
            placeholder = PLACEHOLDERS[role]

            def replace(match: re.Match[str], placeholder: str = placeholder) -> str:
                before = match.string[: match.start()].rstrip()
                # Sentence start: capitalise so the text still reads naturally.
                if (not before or before[-1] in ".!?:\n") and placeholder[0].isalpha():
                    return placeholder[0].upper() + placeholder[1:]
                return placeholder

            value = pattern.sub(replace, value)
        return value

    def model(self, value: M) -> M:
        """A copy of ``value`` with every string field redacted."""
        return type(value).model_validate(self._walk(value.model_dump(mode="json")))

    def _walk(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list):
            return [self._walk(item) for item in data]
        if isinstance(data, dict):
            return {key: self._walk(item) for key, item in data.items()}
        return data

    def restorations(self) -> dict[str, str]:
        """Placeholder -> the name to show the teacher, for one-person placeholders only."""
        mapping: dict[str, str] = {}
        for role in RESTORABLE:
            people = [p for p in self.people if p.role == role and p.names]
            if len(people) == 1:
                mapping[PLACEHOLDERS[role]] = people[0].names[0]
        return mapping


def restore(value: str, mapping: dict[str, str]) -> str:
    """Put names back for the teacher's eyes (never for the student or the LLM)."""
    for placeholder, original in mapping.items():
        value = re.sub(rf"(?<!\w){re.escape(placeholder)}(?!\w)", original, value, flags=re.IGNORECASE)
    return value
