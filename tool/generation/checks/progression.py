"""Checks about the shape of the sequence: (a) a safe first step, (b) distinct, ordered steps,
(c) mastery experience first and most, (f) ending at or near the target.

Every rule is a simple, explainable signal (word lists, shared content words,
numbers in task names), so a teacher can see why a finding was raised.
"""

from __future__ import annotations

import math
import re

from tool.generation import labels as L
from tool.generation.checks.fields import finding
from tool.generation.model import Finding, Sequence, SequenceRequest, Source, Task
from tool.generation.textmatch import (
    content_words,
    excerpt,
    find_unnegated,
    jaccard,
    matcher,
    normalise,
    recall,
    stem,
)

# Two tasks whose names or "what the student does" share this share of content words are the same task.
DUPLICATE_OVERLAP = 0.8
# A first task this close to the last task, or covering this much of the target skill, is the target itself.
FIRST_IS_LAST_OVERLAP = 0.6
FIRST_IS_TARGET_RECALL = 0.8
# The last task is "near" the target when it shares at least half of the target skill's content words.
LAST_NEAR_TARGET_RECALL = 0.5

_NUMBERS = {"one": 1, "single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "twenty": 20}
_QUANTITY = re.compile(r"\b(\d{1,3}|" + "|".join(_NUMBERS) + r")\s+([a-z]+)")


def _core(task: Task) -> str:
    return f"{task.name}\n{task.student_does}"


def _targets(seq: Sequence, request: SequenceRequest | None) -> list[str]:
    return [t for t in (seq.target_skill, request.target_skill if request else "") if t.strip()]


def _marker(text: str) -> str | None:
    hit = matcher("task_signals", "target_markers").search(text)
    return hit.phrase if hit else None


def check_a(seq: Sequence, request: SequenceRequest | None = None) -> list[Finding]:
    """(a) The first task is virtually guaranteed: not the target itself, and no new skill needed."""
    if not seq.tasks:
        return []
    first = seq.tasks[0]
    out: list[Finding] = []
    marker = _marker(first.name) or _marker(first.student_does)
    if marker:
        out.append(finding("a", f"The first task is marked as the target (“{marker}”); it should be a step the "
                           "student can already succeed at.", L.task_location(0), first.name, 0))
    for key in ("name", "student_does", "success_looks_like"):
        text = getattr(first, key)
        for hit in find_unnegated(text, matcher("task_signals", "new_skill_cues")):
            location = L.task_location(0, None if key == "name" else key)
            out.append(finding("a", f"The first task asks for something new or pressured (“{hit.phrase}”); "
                               "start from what the student can already do.", location, excerpt(text, hit), 0))
    core = content_words(_core(first))
    if len(seq.tasks) > 1 and jaccard(core, content_words(_core(seq.tasks[-1]))) >= FIRST_IS_LAST_OVERLAP:
        out.append(finding("a", "The first task is almost the same as the last one, so it starts at the target.",
                           L.task_location(0), excerpt(_core(first)), 0))
    for target in _targets(seq, request):
        wanted = content_words(target)
        if len(wanted) >= 2 and recall(wanted, core) >= FIRST_IS_TARGET_RECALL:
            out.append(finding("a", "The first task asks for the target skill itself.", L.task_location(0),
                               excerpt(_core(first)), 0))
            break
    return out


def _quantities(name: str) -> dict[str, int]:
    stops = {"a", "at", "of", "to", "the", "by", "in", "more"}
    found: dict[str, int] = {}
    for number, word in _QUANTITY.findall(normalise(name)):
        if word not in stops:
            found[stem(word)] = int(number) if number.isdigit() else _NUMBERS[number]
    return found


def check_b(seq: Sequence, *, require_own_fields: bool = False) -> list[Finding]:
    """(b) Tasks are distinct, never step back, and (where given) each names its one increment."""
    out: list[Finding] = []
    tasks = seq.tasks
    for j, later in enumerate(tasks):
        for i in range(j):
            earlier = tasks[i]
            for key, what in (("name", "name"), ("student_does", "what the student does")):
                a, b = content_words(getattr(earlier, key)), content_words(getattr(later, key))
                if jaccard(a, b) >= DUPLICATE_OVERLAP:
                    out.append(finding("b", f"Task {j + 1} repeats Task {i + 1} ({what} is nearly the same); "
                                       "each task should be one new step.",
                                       L.task_location(j, None if key == "name" else key),
                                       excerpt(getattr(later, key)), j))
    last = len(tasks) - 1
    for j, task in enumerate(tasks[:-1]):
        marker = _marker(task.name)
        if marker:
            out.append(finding("b", f"Task {j + 1} is marked as the target (“{marker}”) but {last - j} task(s) "
                               "follow it; the target belongs at the end.", L.task_location(j), task.name, j))
    highest: dict[str, tuple[int, int]] = {}
    for j, task in enumerate(tasks):
        for noun, amount in _quantities(task.name).items():
            if noun in highest and amount < highest[noun][0]:
                before, at = highest[noun]
                out.append(finding("b", f"Task {j + 1} asks for less than Task {at + 1} ({amount} vs {before}); "
                                   "a step back breaks the order.", L.task_location(j), task.name, j))
            if noun not in highest or amount > highest[noun][0]:
                highest[noun] = (amount, j)
    out += _increments(seq, require_own_fields)
    return out


def _increments(seq: Sequence, require_own_fields: bool) -> list[Finding]:
    tasks = seq.tasks
    if not any(t.increment for t in tasks[1:]):
        return []
    out: list[Finding] = []
    seen: list[tuple[int, str]] = []
    for j, task in enumerate(tasks[1:], start=1):
        text = (task.increment or "").strip()
        location = L.task_location(j, "increment")
        if not text:
            if not require_own_fields:  # the format check already reports it then
                out.append(finding("b", f"Task {j + 1} does not say what changed from Task {j}.", location,
                                   task_index=j))
            continue
        for i, previous in seen:
            if normalise(previous) == normalise(text) or jaccard(content_words(previous),
                                                                  content_words(text)) >= DUPLICATE_OVERLAP:
                out.append(finding("b", f"Task {j + 1} names the same step up as Task {i + 1}; each task should "
                                   "add one new thing.", location, excerpt(text), j))
                break
        seen.append((j, text))
    return out


def check_c(seq: Sequence) -> list[Finding]:
    """(c) Mastery experience is the main source of the first task and of at least half the tasks."""
    if not seq.tasks:
        return []
    out: list[Finding] = []
    for j, task in enumerate(seq.tasks):
        if not task.sources:
            out.append(finding("c", f"Task {j + 1} does not say which source of self-efficacy it builds.",
                               L.task_location(j, "why_it_builds_efficacy"),
                               excerpt(task.why_it_builds_efficacy) or None, j))
    first = seq.tasks[0]
    if first.sources and first.sources[0] != Source.MASTERY:
        out.append(finding("c", "The first task's main source should be mastery experience (a real success), "
                           f"not {first.sources[0].value}.", L.task_location(0, "why_it_builds_efficacy"),
                           excerpt(first.why_it_builds_efficacy), 0))
    mastery = sum(1 for t in seq.tasks if t.sources and t.sources[0] == Source.MASTERY)
    needed = math.ceil(len(seq.tasks) / 2)
    if mastery < needed:
        out.append(finding("c", f"Only {mastery} of {len(seq.tasks)} tasks are mainly mastery experiences; "
                           f"at least {needed} should be.", L.TASKS_SECTION))
    return out


def check_f(seq: Sequence, request: SequenceRequest | None = None) -> list[Finding]:
    """(f) The last task is marked as the target, or shares at least half the target skill's content words."""
    if not seq.tasks:
        return []
    last = seq.tasks[-1]
    index = len(seq.tasks) - 1
    if _marker(last.name) or _marker(last.student_does):
        return []
    reach = content_words(f"{_core(last)}\n{last.success_looks_like}")
    targets = _targets(seq, request)
    if any(recall(content_words(t), reach) >= LAST_NEAR_TARGET_RECALL for t in targets):
        return []
    target_text = targets[0] if targets else ""
    return [finding("f", "The last task does not reach the target skill: it is not marked as the target and "
                    f"shares under half of the target skill's key words (“{target_text}”).",
                    L.task_location(index), excerpt(_core(last)), index)]
