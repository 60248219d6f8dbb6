"""Checks about the shape of the sequence: (a) a safe first step, (b) one step up at a time,
(c) mastery experience first and most, (f) ending at the target.

Each task's demand (``tool.generation.checks.demand``: scale, support, audience,
time pressure, stakes) is compared with its neighbours and with the target
skill, and its content with the target's (shared lemmas), so a finding can say
which dimension moved the wrong way.
"""

from __future__ import annotations

import math

from tool.generation import labels as L
from tool.generation.checks.demand import Demand, demand, explain
from tool.generation.checks.fields import finding
from tool.generation.checks.patterns import Severity
from tool.generation.model import Finding, Sequence, SequenceRequest, Source, Task
from tool.generation.textmatch import (
    content_words,
    excerpt,
    find_unnegated,
    jaccard,
    matcher,
    normalise,
    recall,
)

# Two tasks whose names or "what the student does" share this share of content words are the same task.
DUPLICATE_OVERLAP = 0.8
# A first task this close to the last task, or covering this much of the target skill, is about the target.
FIRST_IS_LAST_OVERLAP = 0.5
FIRST_IS_TARGET_RECALL = 0.6
# The last task is about the target when it shares at least half of the target skill's content words.
LAST_NEAR_TARGET_RECALL = 0.5
# A step that raises more dimensions than this at once jumps.
MAX_DIMENSIONS_PER_STEP = 2


def _core(task: Task) -> str:
    return f"{task.name}\n{task.student_does}"


def _demand_text(task: Task) -> str:
    return f"{task.name}\n{task.student_does}"


def _targets(seq: Sequence, request: SequenceRequest | None) -> list[str]:
    return [t for t in (seq.target_skill, request.target_skill if request else "") if t.strip()]


def _marker(text: str) -> str | None:
    hit = matcher("task_signals", "target_markers").search(text)
    return hit.phrase if hit else None


def _marked(task: Task) -> str | None:
    """The task is labelled as the target: "target" in its name, or "this is the target" in what the
    student does (prose such as "the thing nearest to the target" is not a label)."""
    if marker := _marker(task.name):
        return marker
    hit = matcher("task_signals", "target_statements").search(task.student_does)
    return hit.phrase if hit else None


def _below(task: Demand, target: Demand) -> list[str]:
    """Dimensions the target sets where ``task`` asks for less."""
    out = []
    for family, size in target.scale.items():
        if family in task.scale and task.scale[family] < size * 0.8:
            out.append(f"scale ({family})")
    # Only an audience the task names counts: a task that does not say who it is for is not below.
    if target.audience is not None and target.audience >= 1 and task.audience is not None \
            and task.audience < target.audience:
        out.append("audience")
    if target.support > 0 and task.support < 0:
        out.append("independence")
    return out


def check_a(seq: Sequence, request: SequenceRequest | None = None) -> list[Finding]:
    """(a) The first task is clearly below the target: not marked as it, not the target reworded at the
    same demand, and (a heuristic) no new skill or pressure."""
    if not seq.tasks:
        return []
    first = seq.tasks[0]
    out: list[Finding] = []
    marker = _marked(first)
    if marker:
        out.append(finding("a", f"The first task is marked as the target (“{marker}”); it should be a step the "
                           "student can already succeed at.", L.task_location(0), first.name, 0))
    for key in ("name", "student_does", "success_looks_like"):
        text = getattr(first, key)
        for hit in find_unnegated(text, matcher("task_signals", "new_skill_cues")):
            location = L.task_location(0, None if key == "name" else key)
            out.append(finding("a", f"The first task asks for something new or pressured (“{hit.phrase}”); "
                               "start from what the student can already do.", location, excerpt(text, hit), 0,
                               "consider"))
    if marker or len(seq.tasks) < 2:
        return out
    core = content_words(_core(first))
    first_demand = demand(_demand_text(first))
    # What the first task must start clearly below: the last task, and the target skill itself.
    references = [(seq.tasks[-1], _core(seq.tasks[-1]))] if len(seq.tasks) > 1 else []
    for reference, text in [*references, *((None, t) for t in _targets(seq, request))]:
        wanted = content_words(text)
        similar = (
            jaccard(core, wanted) >= FIRST_IS_LAST_OVERLAP
            if reference is not None
            else len(wanted) >= 2 and recall(wanted, core) >= FIRST_IS_TARGET_RECALL
        )
        if not similar:
            continue
        other = demand(_demand_text(reference) if reference is not None else text)
        if not any(v > 0 for v in first_demand.compare(other).values()):
            what = "the last task" if reference is not None else "the target skill"
            out.append(finding("a", f"The first task asks for {what} itself, at the same demand (no smaller "
                               "scale, more support, smaller audience or lower stakes); start clearly below "
                               "the target.", L.task_location(0), excerpt(_core(first)), 0))
            break
    return out


def check_b(seq: Sequence, *, require_own_fields: bool = False) -> list[Finding]:
    """(b) Each step asks for a little more than the last: no repeats, no step back in demand, no jump of
    several dimensions at once, the target only at the end, and (where given) one named increment each."""
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
                                       excerpt(getattr(later, key)), j, "consider"))
    last = len(tasks) - 1
    for j, task in enumerate(tasks[:-1]):
        marker = _marker(task.name)
        if marker:
            out.append(finding("b", f"Task {j + 1} is marked as the target (“{marker}”) but {last - j} task(s) "
                               "follow it; the target belongs at the end.", L.task_location(j), task.name, j,
                               "consider"))
    demands = [demand(_demand_text(t)) for t in tasks]
    for j in range(1, len(tasks)):
        before, now = demands[j - 1], demands[j]
        changes = before.compare(now)
        ups = explain(changes, 1)
        where = L.task_location(j)
        evidence = excerpt(tasks[j].student_does or tasks[j].name)
        # Support is read from the scaffolds a task names: too noisy to call a step back, or to excuse one.
        firm = {k: v for k, v in changes.items() if k != "support"}
        downs = explain(firm, -1)
        if downs and not explain(firm, 1):
            # Demand is estimated from words and numbers: a heuristic the teacher may overrule, so "consider".
            severity: Severity = "consider"
            out.append(finding("b", f"Task {j + 1} asks for less than Task {j} ({downs}); a step back breaks "
                               "the order.", where, evidence, j, severity))
        elif sum(1 for v in changes.values() if v > 0) > MAX_DIMENSIONS_PER_STEP:
            out.append(finding("b", f"Task {j + 1} raises several things at once ({ups}); step up one at a "
                               "time.", where, evidence, j, "consider"))
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
                                   task_index=j, severity="consider"))
            continue
        for i, previous in seen:
            if normalise(previous) == normalise(text) or jaccard(content_words(previous),
                                                                  content_words(text)) >= DUPLICATE_OVERLAP:
                out.append(finding("b", f"Task {j + 1} names the same step up as Task {i + 1}; each task should "
                                   "add one new thing.", location, excerpt(text), j, "consider"))
                break
        seen.append((j, text))
    return out


def _not_doing(task: Task) -> str | None:
    """The cue when the task is watching, hearing or talking about the skill rather than doing it."""
    hit = matcher("demand", "not_doing").search(f"{task.name}\n{task.student_does}")
    return hit.phrase if hit else None


def check_c(seq: Sequence) -> list[Finding]:
    """(c) Mastery experience leads: the first task's and most tasks' main source is mastery, and most
    tasks are the student doing the skill, not a video, a pep talk or talk about it."""
    if not seq.tasks:
        return []
    out: list[Finding] = []
    for j, task in enumerate(seq.tasks):
        if not task.sources:
            out.append(finding("c", f"Task {j + 1} does not say which source of self-efficacy it builds.",
                               L.task_location(j, "why_it_builds_efficacy"),
                               excerpt(task.why_it_builds_efficacy) or None, j, "consider"))
    first = seq.tasks[0]
    if first.sources and first.sources[0] != Source.MASTERY:
        out.append(finding("c", "The first task's main source should be mastery experience (a real success), "
                           f"not {first.sources[0].value}.", L.task_location(0, "why_it_builds_efficacy"),
                           excerpt(first.why_it_builds_efficacy), 0, "consider"))
    needed = math.ceil(len(seq.tasks) / 2)
    talk = [(j, cue) for j, task in enumerate(seq.tasks) if (cue := _not_doing(task))]
    for j, cue in talk:
        out.append(finding("c", f"Task {j + 1} is not the student doing the skill (“{cue}”): watching, hearing "
                           "or talking about it is not a mastery experience.", L.task_location(j, "student_does"),
                           excerpt(seq.tasks[j].student_does), j, "consider"))
    doing = len(seq.tasks) - len(talk)
    mastery = sum(1 for j, t in enumerate(seq.tasks) if t.sources and t.sources[0] == Source.MASTERY
                  and all(j != k for k, _ in talk))
    if doing < needed:
        out.append(finding("c", f"Only {doing} of {len(seq.tasks)} tasks have the student doing the skill; at "
                           f"least {needed} should.", L.TASKS_SECTION))
    elif mastery < needed:
        out.append(finding("c", f"Only {mastery} of {len(seq.tasks)} tasks are mainly mastery experiences; "
                           f"at least {needed} should be.", L.TASKS_SECTION, severity="consider"))
    return out


def check_f(seq: Sequence, request: SequenceRequest | None = None) -> list[Finding]:
    """(f) The last task reaches the target: its scale and setting are not below the target's, and it is
    about the target (marked as it, or sharing half the target's content words)."""
    if not seq.tasks:
        return []
    last = seq.tasks[-1]
    index = len(seq.tasks) - 1
    out: list[Finding] = []
    targets = _targets(seq, request)
    # What the last task asks the student to do (its name may say "(Target)" while the task does not).
    last_demand = demand(last.student_does or _demand_text(last))
    for target in targets:
        short = _below(last_demand, demand(target))
        if short:
            out.append(finding("f", f"The last task stops below the target skill (“{target}”): it asks for less "
                               f"in {', '.join(short)}.", L.task_location(index), excerpt(_core(last)), index))
            return out
    if _marked(last):
        return out
    reach = content_words(f"{_core(last)}\n{last.success_looks_like}")
    if not targets or any(recall(content_words(t), reach) >= LAST_NEAR_TARGET_RECALL for t in targets):
        return out
    out.append(finding("f", "The last task does not reach the target skill: it is not marked as the target and "
                       f"shares under half of the target skill's key words (“{targets[0]}”).",
                       L.task_location(index), excerpt(_core(last)), index))
    return out
