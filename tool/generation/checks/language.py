"""Checks about the teacher's language: (d) attribution coaching, (e) no praise, pressure or rewards.

The classes of ruled-out language (ability praise, luck, generic praise, empty
encouragement, comparison, rewards, past avoidance, ability attributions of
difficulty, abandoning the step) are pattern lexicons in
``config/lexicons/patterns``; each names its own check and severity, and
``tool.generation.checks.patterns`` decides, from where a phrase sits, whether
it is said, advised or only mentioned.
"""

from __future__ import annotations

import re
from functools import cache

from config.lexicons import lexicon_list
from tool.generation import labels as L
from tool.generation.checks.fields import all_fields, finding
from tool.generation.checks.patterns import find_language
from tool.generation.model import Finding, Sequence, Task
from tool.generation.textmatch import Match, content_words, excerpt, matcher, normalise, stem

# "you", "you've", "you have", then up to two adverbs, then the verb.
_YOU_VERB = re.compile(
    r"(?<![\w'])(?:you(?:'ve|\s+have|\s+had)?|your\s+[a-z]+)\s+"
    r"(?:(?:just|really|first|then|also|actually|carefully|even|all|both|each|still|always|already|quickly|"
    r"slowly|calmly|properly|straight away|right)\s+){0,2}([a-z]+)"
)


@cache
def _past_verbs() -> frozenset[str]:
    return frozenset(lexicon_list("attribution", "past_verbs"))


@cache
def _not_credit() -> frozenset[str]:
    return frozenset(lexicon_list("attribution", "past_verbs_not_credit"))


def _is_past(word: str) -> bool:
    if word in _not_credit():
        return False
    if word in _past_verbs():
        return True
    return word.endswith("ed") and len(word) > 4 and stem(word) != word


def second_person_account(text: str) -> str | None:
    """The first "you <past verb>" in ``text`` ("You saw ... and swapped ..."), if any."""
    for hit in _YOU_VERB.finditer(normalise(text)):
        if _is_past(hit.group(1)):
            return hit.group(0)
    return None


def credits_strategy(text: str) -> bool:
    """True when ``text`` credits what the student did: strategy/effort words, a second-person account
    of their actions, or that the work came from them."""
    return (
        matcher("attribution", "effort_strategy").search(text) is not None
        or matcher("attribution", "ownership").search(text) is not None
        or second_person_account(text) is not None
    )


def _task_words(task: Task) -> set[str]:
    own = " ".join(t or "" for t in (task.name, task.student_does, task.success_looks_like,
                                      task.why_it_builds_efficacy, task.student_instructions))
    return content_words(own)


def _script(index: int, task: Task) -> list[Finding]:
    script = task.teacher_script
    location = L.task_location(index, "teacher_script")
    out: list[Finding] = []
    if not credits_strategy(script):
        out.append(finding("d", "The teacher script does not credit the student's effort or strategy "
                           "(say what they did that worked).", location, excerpt(script), index, "consider"))
    if not content_words(script) & _task_words(task):
        out.append(finding("d", "The teacher script does not refer to this task; tie it to what the student "
                           "just did so the credit is believable.", location, excerpt(script), index, "consider"))
    return out


def check_d(seq: Sequence) -> list[Finding]:
    """(d) Every teacher script credits effort/strategy and refers to its task; at least one phrase to
    use credits effort or strategy. (Ability, luck and ability-for-difficulty language is found with
    the other ruled-out language, in ``check_language``.)"""
    out: list[Finding] = []
    for index, task in enumerate(seq.tasks):
        if task.teacher_script.strip():  # an empty script is a format finding
            out += _script(index, task)
    if seq.phrases_to_use and not any(credits_strategy(p.text) for p in seq.phrases_to_use):
        out.append(finding("d", "None of the phrases to use credits the student's effort or strategy.",
                           L.COACHING_SECTION + L.SEPARATOR + L.PHRASES_USE, severity="consider"))
    return out


def check_language(seq: Sequence) -> list[Finding]:
    """Ruled-out language wherever it is said or advised; "Phrases to AVOID", the diagnostic, the
    cautions and reports of what was tried before may name it. Each finding has its class's check."""
    out: list[Finding] = []
    for text_field in all_fields(seq):
        for hit in find_language(text_field.text, text_field.zone):
            language = hit.language
            out.append(finding(language.check, language.message.format(_quote(text_field.text, hit.match)),
                               text_field.location, excerpt(text_field.text, hit.match), text_field.task_index,
                               language.severity))
    return out


def _quote(text: str, match: Match) -> str:
    """The matched words as the teacher wrote them (the match ran on normalised text of the same length)."""
    return " ".join(text[match.start : match.end].split()).strip(" ,.;:!?\"“”‘’")
