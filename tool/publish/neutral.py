"""Everything the LMS shows about a published step, in words safe for the whole course.

Course members see published items in most LMSs whatever the teacher intends,
so nothing here may depend on the sequence's content: no skill, no student, no
avoidance, no diagnostic. Titles take only a number and a short neutral set name
("Practice A · step 1") that tells two sequences in one course apart.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable

TAG = "stepping-stones"
DESCRIPTION = "A short practice activity."
MAX_SET_NAME = 24
_SET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]*$")


class SetNameError(ValueError):
    """A set name the teacher must change; the message is written for them."""


def step_title(number: int, set_name: str | None = None) -> str:
    """Title of step ``number`` (1-based) in the set ``set_name`` (None: publications made before sets)."""
    if set_name:
        return f"Practice {set_name} · step {number}"
    return f"Practice step {number}"


def resource_id(sequence_public_id: str, number: int) -> str:
    """AGS resourceId naming a sequence's step; opaque ids only."""
    return f"ss:{sequence_public_id}:{number}"


def next_set_name(taken: Iterable[str | None]) -> str:
    """The first letter (A, B, …, then A2, B2, …) not used by another set in the course."""
    used = {name.casefold() for name in taken if name}
    for round_ in range(1, 100):
        for letter in string.ascii_uppercase:
            name = letter if round_ == 1 else f"{letter}{round_}"
            if name.casefold() not in used:
                return name
    raise SetNameError("This course has too many sets: type a name for this one.")


def _same_word(one: str, other: str) -> bool:
    """Equal, or one a form of the other ("paragraph" / "paragraphs", "writ" / "writing")."""
    shorter, longer = sorted((one, other), key=len)
    return shorter == longer or (len(shorter) >= 4 and longer.startswith(shorter))


def check_set_name(name: str, *, private_words: Iterable[str], taken: Iterable[str | None]) -> str:
    """The cleaned set name, or ``SetNameError``: short, plain, unused, and naming nobody."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise SetNameError("Give the set a short name, such as A or Blue.")
    if len(cleaned) > MAX_SET_NAME or not _SET_NAME.match(cleaned):
        raise SetNameError(
            f"Use up to {MAX_SET_NAME} letters, digits, spaces or hyphens for the set name, such as A or Blue."
        )
    words = {word.casefold() for word in re.findall(r"[A-Za-z]{3,}", cleaned)}
    private = {word.casefold() for text in private_words for word in re.findall(r"[A-Za-z]{3,}", text)}
    if any(_same_word(word, other) for word in words for other in private):
        raise SetNameError(
            "Everyone in the course can read the set name: choose one that does not name the student or the skill."
        )
    if cleaned.casefold() in {other.casefold() for other in taken if other}:
        raise SetNameError(f"Another sequence in this course already uses “{cleaned}”: choose another name.")
    return cleaned
