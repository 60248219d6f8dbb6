"""Every identity form the LMS gives us is replaced; everyday words and the model's own text are not."""

from __future__ import annotations

import pytest

from tool.generation.model import SequenceRequest
from tool.privacy import Person, Redactor, restore

SAM = Person.of(
    "target",
    names=("Sam Student", "Sam", "Student"),
    emails=("sam.student@school.test",),
    ids=("4711", "SIS-student1", "a6d5c443-1f51-4783-ba1a-7686ffe3b54a"),
    logins=("sstudent",),
)
AMIRA = Person.of("classmate", names=("Amira Khan", "Amira", "Khan"), ids=("12",))
BEN = Person.of("classmate", names=("Ben Good", "Ben", "Good"))
TINA = Person.of("teacher", names=("Tina Reader", "Tina", "Reader"), ids=("t-100",))
KIVANC = Person.of("target", names=("Kıvanç Öztürk",))


def redact(text: str, *people: Person) -> str:
    return Redactor(list(people or (SAM, AMIRA, BEN, TINA)), detect_names=False).text(text)


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("ask @Sam first", "ask @the student first"),
        ("then…Sam.", "then…the student."),
        ("then Mr.Reader said so", "then [Teacher] said so"),
        ("then SamStudent and Sam_Student", "then the student and the student"),
        ("so sam.student wrote", "so the student wrote"),
        ("login sstudent", "login the student"),
        ("id SIS-student1 here", "id the student here"),
        ("sub a6d5c443-1f51-4783-ba1a-7686ffe3b54a.", "sub the student."),
        ("with Amira Khan and Khan", "with a classmate and a classmate"),
        ("his Amiras book, Amira's pen", "his a classmate's book, a classmate's pen"),
        ("KHAN-AMIRA", "A classmate"),
        ("mail sam.student@school.test now", "mail [email removed] now"),
    ],
)
def test_every_written_form_of_a_roster_identity_is_replaced(typed: str, sent: str) -> None:
    assert redact(typed) == sent


def test_turkish_and_german_letters_fold_both_ways() -> None:
    kivanc = Person.of("target", names=("Kıvanç",))
    assert redact("KIVANÇ and kivanc and Kıvanç's", kivanc) == "The student and the student and the student's"
    assert redact("İBRAHİM", Person.of("classmate", names=("ibrahim",))) == "A classmate"
    assert redact("STRASSE und Straße", Person.of("classmate", names=("Straße",))) == "A classmate und a classmate"
    # Decomposed accents and full-width letters are the same name.
    assert redact("Rene\u0301 and ＲＥＮＥ", Person.of("classmate", names=("René",))) == "A classmate and a classmate"


def test_family_and_given_names_leave_separately_never() -> None:
    assert redact("Öztürk said Kıvanç was out", KIVANC) == "The student said the student was out"


def test_common_word_surnames_are_replaced_only_where_used_as_names() -> None:
    typed = "a good reader; our reader; Mr Good; GOOD"
    assert redact(typed) == "a good reader; our reader; a classmate; a classmate"
    assert redact("Reader noticed it") == "[Teacher] noticed it"


def test_short_numbers_are_ids_only_where_introduced_as_ids() -> None:
    assert redact("Year 12 for 10 minutes, 12 times") == "Year 12 for 10 minutes, 12 times"
    assert redact("user 12 and #12") == "user a classmate and #a classmate"
    assert redact("room 4711b and x4711") == "room 4711b and x4711"


def test_words_that_contain_a_name_are_kept() -> None:
    assert redact("The same Samuel sailed to Sami's") == "The same Samuel sailed to Sami's"


def test_placeholders_and_the_models_own_text_are_not_redacted_again() -> None:
    teacher = Person.of("teacher", names=("Tina Teacher", "Teacher"))
    student = Person.of("target", names=("Sam Student", "Student"))
    r = Redactor([teacher, student], detect_names=False)
    assert r.text("The student explains to [Teacher] and the student's friend.") == (
        "The student explains to [Teacher] and the student's friend."
    )
    assert r.text("Ask Tina Teacher.") == "Ask [Teacher]."


def test_a_rewrite_redacts_only_fields_the_teacher_changed() -> None:
    r = Redactor([SAM], detect_names=False)
    model_text = SequenceRequest(target_skill="Reading Sam's notes", student_level="Y8", current_avoidance="Avoids Sam")
    edited = model_text.model_copy(update={"current_avoidance": "Sam hides"})
    out = r.model(edited, keep=model_text)
    assert out.target_skill == "Reading Sam's notes"  # the model's own words, as it wrote them
    assert out.current_avoidance == "The student hides"


def test_a_longer_placeholder_never_breaks_a_length_limit() -> None:
    r = Redactor([SAM], detect_names=False)
    request = SequenceRequest(target_skill="x" * 295 + " Sam", student_level="Sam", current_avoidance="Sam")
    out = r.model(request)
    assert len(out.target_skill) <= 300 and "Sam" not in out.target_skill
    assert out.student_level == "The student"


def test_names_not_on_the_roster_are_found() -> None:
    r = Redactor([SAM])
    text = "His brother Kemal and a friend called Olly help; Maths on Monday in London."
    assert r.text(text) == "His brother [name] and a friend called [name] help; Maths on Monday in London."


def test_restorations_cover_the_teacher_even_when_launch_and_roster_both_name_them() -> None:
    r = Redactor([SAM, Person.of("teacher", names=("Tina Reader",)), Person.of("teacher", ids=("t-100",))])
    mapping = r.restorations()
    assert mapping == {"the student": "Sam Student", "[Teacher]": "Tina Reader"}
    assert restore("The student shows [Teacher] the student's work.", mapping) == (
        "Sam Student shows Tina Reader Sam Student's work."
    )


def test_replacements_report_what_and_why() -> None:
    found = Redactor([SAM, AMIRA]).replacements("Sam and Amira met Kemal.")
    assert [(r.original, r.reason) for r in found] == [("Sam", "target"), ("Amira", "classmate"), ("Kemal", "name")]


def test_a_login_that_is_an_everyday_word_is_matched_like_a_name() -> None:
    tina = Person.of("teacher", names=("Tina Teacher",), logins=("teacher",), emails=("teacher@example.com",))
    assert redact("our teacher asked; Teacher said; login teacher", tina) == (
        "our teacher asked; [Teacher] said; login teacher"
    )


def test_a_co_teacher_on_the_roster_is_another_teacher_not_a_classmate() -> None:
    from types import SimpleNamespace

    from tool.lti.nrps import Member
    from tool.privacy.roster import people_for

    launch = SimpleNamespace(
        user_sub="t-1", user_name="Tina Reader", user_given_name="Tina", user_family_name="Reader", user_email=None
    )
    roster = [
        Member("s-1", ("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",), name="Amira Khan"),
        Member("t-2", ("http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",), name="Omar Haddad"),
    ]
    r = Redactor(people_for(launch, None, "Sam", roster), detect_names=False)
    assert r.text("Sam sits with Amira; Mr Haddad and Tina agree.") == (
        "The student sits with a classmate; another teacher and [Teacher] agree."
    )


def test_if_the_identities_cannot_be_prepared_every_text_is_withheld(monkeypatch: pytest.MonkeyPatch) -> None:
    import tool.privacy.redactor as module

    def broken(person: Person) -> dict[str, object]:
        raise ValueError("unexpected")

    monkeypatch.setattr(module, "forms_of", broken)
    r = Redactor([SAM])
    assert r.text("Sam reads") == module.WITHHELD
    assert (
        r.model(
            SequenceRequest(target_skill="Sam reads", student_level="Y8", current_avoidance="Sam hides")
        ).target_skill
        == module.WITHHELD
    )
