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
# Any e-mail address, known or not, is removed: it identifies someone and never helps drafting.
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
EMAIL_PLACEHOLDER = "[email removed]"


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
    _pattern: re.Pattern[str] | None = field(init=False, default=None)
    _roles: dict[str, Role] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        # Later roles overwrite earlier ones for a shared name: a first name shared by the
        # target and a classmate is most likely meant as the target.
        for role in ("teacher", "classmate", "target"):
            for person in self.people:
                if person.role != role:
                    continue
                for term in (*person.names, *person.emails, *person.ids):
                    if len(term) >= 2:
                        self._roles[term.casefold()] = role
        if self._roles:
            # One alternation, longest first, applied in a single pass: "Sam Student" is
            # replaced whole before "Sam", and placeholders are never re-scanned.
            terms = sorted(self._roles, key=len, reverse=True)
            alternation = "|".join(re.escape(t) for t in terms)
            self._pattern = re.compile(rf"(?<![\w@.])(?:{alternation})(?![\w@])", re.IGNORECASE)

    def _replace(self, match: re.Match[str]) -> str:
        placeholder = PLACEHOLDERS[self._roles[match.group(0).casefold()]]
        before = match.string[: match.start()].rstrip()
        # Sentence start: capitalise so the text still reads naturally.
        if (not before or before[-1] in ".!?:\n") and placeholder[0].isalpha():
            return placeholder[0].upper() + placeholder[1:]
        return placeholder

    def text(self, value: str) -> str:
        value = EMAIL.sub(EMAIL_PLACEHOLDER, value)
        if self._pattern is None:
            return value
        return self._pattern.sub(self._replace, value)

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
