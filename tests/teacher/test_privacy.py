"""Names, e-mails and ids are replaced before the LLM; restored only for the teacher."""

from __future__ import annotations

from tool.generation.model import SequenceRequest
from tool.teacher.privacy import Person, Redactor, restore

PEOPLE = [
    Person.of("target", names=("Sam Student", "Sam", "Student"), emails=("sam@school.test",), ids=("4711",)),
    Person.of("classmate", names=("Sue Scholar", "Sue", "Scholar"), ids=("4712",)),
    Person.of("teacher", names=("Tina Teacher", "Tina"), ids=("t-1",)),
]


def test_full_names_first_names_and_ids_become_placeholders() -> None:
    r = Redactor(PEOPLE)
    text = "Sam Student works with Sue; Tina noticed Sam's notes (user 4711) and sue scholar helps."
    assert r.text(text) == (
        "The student works with a classmate; [Teacher] noticed the student's notes (user the student) "
        "and a classmate helps."
    )


def test_any_email_is_removed_and_words_containing_names_are_kept() -> None:
    r = Redactor(PEOPLE)
    assert r.text("Write to sam@school.test or x.y@other.org") == "Write to [email removed] or [email removed]"
    # "Same", "Samba" and "Suez" are not the names "Sam" and "Sue".
    assert r.text("The same Samba band sailed to Suez.") == "The same Samba band sailed to Suez."


def test_placeholders_are_not_rescanned() -> None:
    # "Teacher" is also a family-name token of the teacher; "[Teacher]" must not nest.
    r = Redactor([Person.of("teacher", names=("Tina Teacher", "Teacher"))])
    assert r.text("Ask Tina Teacher.") == "Ask [Teacher]."


def test_model_redaction_covers_every_text_field() -> None:
    request = SequenceRequest(
        target_skill="Reading aloud for Sam",
        student_level="Year 8",
        current_avoidance="Sam hides behind Sue",
        student_profile="Tina says Sam is shy",
    )
    clean = Redactor(PEOPLE).model(request)
    dumped = clean.model_dump_json()
    for needle in ("Sam", "Sue", "Tina"):
        assert needle not in dumped
    assert clean.current_avoidance == "The student hides behind a classmate"


def test_restore_puts_back_one_person_placeholders_only() -> None:
    r = Redactor(PEOPLE)
    mapping = r.restorations()
    assert mapping == {"the student": "Sam Student", "[Teacher]": "Tina Teacher"}
    assert restore("Give the student a classmate's notes; [Teacher] reads.", mapping) == (
        "Give Sam Student a classmate's notes; Tina Teacher reads."
    )
