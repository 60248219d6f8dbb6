"""Replace every identity in text the teacher wrote before it goes to the LLM.

The target student becomes "the student", anyone else on the roster "a
classmate", the teacher "[Teacher]", a name the roster does not know "[name]",
a word the teacher chose to hide "[hidden]", any e-mail address "[email
removed]". Matching is token by token on folded text (see ``text``), so case,
accents, Turkish i's, ``ß``, full-width letters, joined forms ("SamStudent",
"Sam_Student", "@Sam", "Mr.Teacher") and possessives ("Amira's", "Amiras") are
all found, while "Samuel" and "same" are not "Sam".

Redaction never raises: if something unforeseen goes wrong the whole text is
withheld rather than sent unchecked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from tool.privacy import names
from tool.privacy.people import (
    EMAIL_PLACEHOLDER,
    HIDDEN_PLACEHOLDER,
    ID_CUES,
    NAME_PLACEHOLDER,
    PLACEHOLDERS,
    TITLES,
    Form,
    Person,
    Role,
    forms_of,
)
from tool.privacy.text import Token, compact, tokenise

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
Reason = Literal["target", "classmate", "teacher", "staff", "name", "hidden", "email"]

# Any e-mail address, known or not, is removed: it identifies someone and never helps drafting.
EMAIL = re.compile(r"[\w.+'’-]+@[\w-]+(?:\.[\w-]+)+")
# Our own placeholders (and the model's "the student") are never matched again.
_PROTECTED = re.compile(
    r"\bthe student\b|\ba classmate\b|\[Teacher\]|\[name\]|\[hidden\]|\[email removed\]", re.IGNORECASE
)
# What may stand between the words of one written name: "Sam Student", "Sam_Student", "sam.student", "O'Neil".
_JOINERS = frozenset(" \t._-'’@·‐‑–")
_MAX_GAP = 2
# Fields that are not free text (ids, enums, numbers) are never touched.
_NOT_TEXT = frozenset({"ladder_family", "sources", "primary_barrier_source", "task_index", "check", "severity"})
WITHHELD = "[text withheld: it could not be checked for names]"
ROLE_ORDER: tuple[Role, ...] = ("staff", "teacher", "classmate", "target")
# Only these are restored for the teacher: each stands for exactly one person.
RESTORABLE: tuple[Role, ...] = ("target", "teacher")


@dataclass(frozen=True)
class Replacement:
    start: int
    end: int
    original: str
    placeholder: str
    reason: Reason


@dataclass(frozen=True)
class _Entry:
    form: Form
    reason: Reason


def merge_people(people: Iterable[Person]) -> list[Person]:
    """One person per target and one per teacher (launch, user row, label and roster entry describe the same)."""
    people = list(people)
    merged: list[Person] = [p for p in people if p.role in ("classmate", "staff")]
    one_person: tuple[Role, ...] = ("target", "teacher")
    for role in one_person:
        same = [p for p in people if p.role == role]
        if same:
            merged.append(
                Person.of(
                    role,
                    names=[n for p in same for n in p.names],
                    emails=[e for p in same for e in p.emails],
                    ids=[i for p in same for i in p.ids],
                    logins=[x for p in same for x in p.logins],
                )
            )
    return merged


@dataclass
class Redactor:
    """Build once per job from everyone we know; ``hidden`` are extra words the teacher chose to hide."""

    people: list[Person]
    hidden: Iterable[str] = ()
    detect_names: bool = True
    _entries: dict[str, _Entry] = field(init=False, default_factory=dict)
    _longest: int = field(init=False, default=0)
    # Set when the identities could not be prepared: then every text is withheld, never sent unchecked.
    _broken: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        try:
            self._prepare()
        except Exception:
            log.exception("could not prepare the identities to redact; every text will be withheld")
            self._broken = True

    def _prepare(self) -> None:
        self.people = merge_people(self.people)
        self.hidden = tuple(h for h in self.hidden if isinstance(h, str) and h.strip())
        # Later roles win a shared key: a first name shared by the target and a classmate most
        # likely means the target; the teacher is least likely to be described by name.
        for role in ROLE_ORDER:
            for person in self.people:
                if person.role == role:
                    for key, form in forms_of(person).items():
                        self._entries[key] = _Entry(form, role)
        for word in self.hidden:
            key = compact(word)
            if len(key) >= 2:
                self._entries[key] = _Entry(Form("target"), "hidden")
        self._longest = max((len(k) for k in self._entries), default=0)

    # -- text -----------------------------------------------------------------------------------
    def replacements(self, text: str) -> list[Replacement]:
        """What would be replaced in ``text``, in order; never raises."""
        try:
            if self._broken:
                raise RuntimeError("identities not prepared")
            return self._replacements(text)
        except Exception:
            log.exception("redaction failed; withholding the whole text")
            return [Replacement(0, len(text), text, WITHHELD, "hidden")]

    def text(self, value: str) -> str:
        return apply(value, self.replacements(value))

    def _replacements(self, text: str) -> list[Replacement]:
        found: list[Replacement] = [
            Replacement(m.start(), m.end(), m.group(0), EMAIL_PLACEHOLDER, "email") for m in EMAIL.finditer(text)
        ]
        blocked = [(r.start, r.end) for r in found] + [m.span() for m in _PROTECTED.finditer(text)]
        tokens = tokenise(text)
        free = [not any(s < t.end and t.start < e for s, e in blocked) for t in tokens]
        taken = [False] * len(tokens)
        index = 0
        while index < len(tokens):
            hit = self._match(text, tokens, free, index) if free[index] else None
            if hit is None:
                index += 1
                continue
            last, entry, possessive = hit
            start, end = tokens[index].start, tokens[last].end
            # "Mr Haddad" is "another teacher", not "Mr another teacher": the title goes with the name.
            title = tokens[index - 1] if index > 0 else None
            if (
                title is not None
                and title.folded in TITLES
                and free[index - 1]
                and text[title.end : start].strip(" .") == ""
            ):
                start = title.start
            placeholder = _placeholder(entry.reason, text, start)
            if possessive:
                placeholder += "'s"
            found.append(Replacement(start, end, text[start:end], placeholder, entry.reason))
            for covered in range(index, last + 1):
                taken[covered] = True
            index = last + 1
        if self.detect_names:
            for i in names.detect(text, tokens):
                if free[i] and not taken[i]:
                    token = tokens[i]
                    found.append(Replacement(token.start, token.end, token.text, NAME_PLACEHOLDER, "name"))
        return sorted(found, key=lambda r: r.start)

    def _match(self, text: str, tokens: list[Token], free: list[bool], first: int) -> tuple[int, _Entry, bool] | None:
        """The longest run of joined tokens from ``first`` that is a known form: (last index, entry, possessive)."""
        best: tuple[int, _Entry, bool] | None = None
        key = ""
        for last in range(first, len(tokens)):
            if last > first:
                gap = text[tokens[last - 1].end : tokens[last].start]
                if len(gap) > _MAX_GAP or any(ch not in _JOINERS for ch in gap) or not free[last]:
                    break
            key += tokens[last].folded
            if len(key) > self._longest + 1:
                break
            entry = self._entries.get(key)
            if entry is not None and self._accept(entry.form, text, tokens, first, last):
                best = (last, entry, False)
                continue
            stem = self._entries.get(key[:-1]) if key.endswith("s") and len(key) >= 4 else None
            if stem is not None and not stem.form.is_id and self._accept(stem.form, text, tokens, first, last):
                best = (last, stem, True)
        return best

    @staticmethod
    def _accept(form: Form, text: str, tokens: list[Token], first: int, last: int) -> bool:
        before = tokens[first - 1] if first > 0 else None
        if form.is_id:
            # Ids only as whole tokens: "4711" is not the id inside "x4711" or "4711b".
            start, end = tokens[first].start, tokens[last].end
            if (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
                return False
            if form.needs_cue:
                cue_gap = text[before.end : tokens[first].start] if before is not None else text[:start]
                return "#" in cue_gap or (before is not None and before.folded in ID_CUES)
            return True
        if form.common_word and first == last:
            # "a good reader" and "our teacher" are words; "Good", "Mr good" and "GOOD" are the name.
            word = tokens[first].text
            return not word.islower() or (before is not None and before.folded in TITLES)
        return True

    # -- models ---------------------------------------------------------------------------------
    def model(self, value: M, *, keep: BaseModel | None = None) -> M:
        """A copy of ``value`` with every free-text field redacted.

        A field equal to the same field of ``keep`` (the model's own earlier output) is left
        as it is: only text the teacher wrote or changed is redacted. Never raises: a field
        that a longer placeholder pushes over its length limit is shortened to fit.
        """
        kept = keep.model_dump(mode="json") if keep is not None else None
        data = self._walk(value.model_dump(mode="json"), kept)
        return _validate_fitting(type(value), data, value)

    def _walk(self, data: Any, kept: Any) -> Any:
        if isinstance(data, str):
            return data if data == kept else self.text(data)
        if isinstance(data, list):
            kept_items: list[Any] = kept if isinstance(kept, list) else []
            return [self._walk(item, kept_items[i] if i < len(kept_items) else None) for i, item in enumerate(data)]
        if isinstance(data, dict):
            kept_fields: dict[str, Any] = kept if isinstance(kept, dict) else {}
            return {
                key: item if key in _NOT_TEXT else self._walk(item, kept_fields.get(key)) for key, item in data.items()
            }
        return data

    def restorations(self) -> dict[str, str]:
        """Placeholder -> the name to show the teacher, for one-person placeholders only."""
        mapping: dict[str, str] = {}
        for role in RESTORABLE:
            people = [p for p in self.people if p.role == role and p.names]
            if len(people) == 1:
                mapping[PLACEHOLDERS[role]] = people[0].names[0]
        return mapping


_BY_REASON: dict[str, str] = {
    **{role: text for role, text in PLACEHOLDERS.items()},
    "name": NAME_PLACEHOLDER,
    "hidden": HIDDEN_PLACEHOLDER,
    "email": EMAIL_PLACEHOLDER,
}


def _placeholder(reason: Reason, text: str, start: int) -> str:
    placeholder = _BY_REASON[reason]
    before = text[:start].rstrip()
    # Sentence start: capitalise so the text still reads naturally.
    if (not before or before[-1] in ".!?:\n") and placeholder[0].isalpha():
        return placeholder[0].upper() + placeholder[1:]
    return placeholder


def apply(text: str, replacements: list[Replacement]) -> str:
    """``text`` with ``replacements`` (sorted, non-overlapping) applied."""
    out: list[str] = []
    position = 0
    for r in replacements:
        if r.start < position:
            continue
        out.append(text[position : r.start])
        out.append(r.placeholder)
        position = r.end
    out.append(text[position:])
    return "".join(out)


def _validate_fitting(model: type[M], data: Any, original: M) -> M:
    """``data`` as ``model``, shortening strings a placeholder made too long; ``original`` if all else fails."""
    for _ in range(50):
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            if not _shorten(data, exc):
                break
    log.error("redacted %s did not validate; withholding its text", model.__name__)
    withheld = _withheld(original.model_dump(mode="json"))  # never the unredacted text
    try:
        return model.model_validate(withheld)
    except ValidationError:
        return model.model_construct(**withheld)


def _shorten(data: Any, exc: ValidationError) -> bool:
    changed = False
    for error in exc.errors():
        if error["type"] != "string_too_long":
            return False
        limit = int(error.get("ctx", {}).get("max_length", 0))
        parent = data
        *path, leaf = error["loc"]
        for step in path:
            parent = parent[step]
        parent[leaf] = parent[leaf][: max(0, limit - 1)].rstrip() + "…"
        changed = True
    return changed


def _withheld(data: Any) -> Any:
    if isinstance(data, str):
        return WITHHELD
    if isinstance(data, list):
        return [_withheld(item) for item in data]
    if isinstance(data, dict):
        return {key: item if key in _NOT_TEXT else _withheld(item) for key, item in data.items()}
    return data
