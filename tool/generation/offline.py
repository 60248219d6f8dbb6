"""The offline planner: a deterministic generator that needs no network and no key.

It picks one bridge strategy from ``config/bridges.yaml`` by scoring each
strategy's cue words against the request, then fills that strategy's ladder
with the request's skill, level, subject and first stated strength. Same
request, same sequence, every time.

Teacher text only ever goes into teacher-facing fields: student instructions
come from the data file as written, so nothing the teacher wrote about the
avoidance can reach the student's screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from config.settings import REPO_ROOT
from prompts import PROMPT_VERSION
from tool.generation.backend import GenerationError, ProgressCallback
from tool.generation.model import (
    Diagnostic,
    GenerationMeta,
    GenerationResult,
    Phrase,
    Sequence,
    SequenceRequest,
    Source,
    Task,
)

BRIDGES_PATH = REPO_ROOT / "config" / "bridges.yaml"

# Cue weights: the skill says most about which bridge fits; avoidance least.
_WEIGHTS = {"skill": 3, "subject": 2, "strength": 2, "avoidance": 1}

_NOTE = "Made by the offline planner (a fixed library of bridge strategies), because {why}."


@dataclass(frozen=True)
class Strategy:
    """One bridge strategy from the data file (validated on load)."""

    id: str
    data: dict[str, Any]

    def score(self, request: SequenceRequest) -> int:
        """How well this strategy's cues match the request (0 = no cue matched)."""
        texts = {
            "skill": request.target_skill,
            "subject": f"{request.subject_area or ''} {request.target_skill}",
            "strength": request.student_strengths or "",
            "avoidance": f"{request.current_avoidance} {request.student_profile or ''}",
        }
        total = 0
        for kind, weight in _WEIGHTS.items():
            text = texts[kind].lower()
            total += weight * sum(1 for cue in self.data["cues"].get(kind, []) if _mentions(text, cue))
        return total


def _mentions(text: str, cue: str) -> bool:
    # Short cues ("pe", "dt") must be whole words; longer ones may be word starts ("writ" -> "writing").
    cue = cue.lower()
    pattern = rf"\b{re.escape(cue)}\b" if len(cue) <= 3 else rf"\b{re.escape(cue)}"
    return re.search(pattern, text) is not None


_REQUIRED_TASK_KEYS = (
    "name", "student_does", "sources", "why", "success", "script", "struggles", "instructions", "increment",
)  # fmt: skip


@lru_cache(maxsize=4)
def load_library(path: Path = BRIDGES_PATH) -> tuple[dict[str, Any], tuple[Strategy, ...]]:
    """The common section and the strategies, in file order; ValueError if malformed."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    strategies = []
    for item in raw["strategies"]:
        tasks = item.get("tasks", [])
        if not 4 <= len(tasks) <= 6:
            raise ValueError(f"bridge {item.get('id')!r} needs 4-6 tasks, has {len(tasks)}")
        for task in tasks:
            missing = [key for key in _REQUIRED_TASK_KEYS if not task.get(key)]
            if missing:
                raise ValueError(f"bridge {item['id']!r} task {task.get('name')!r} lacks {missing}")
            for source in task["sources"]:
                Source(source)  # raises ValueError for an unknown source name
        strategies.append(Strategy(id=item["id"], data=item))
    return raw["common"], tuple(strategies)


def choose_strategy(request: SequenceRequest, strategies: tuple[Strategy, ...]) -> Strategy:
    """The best-scoring strategy; ties and no-match go to the earliest-listed / the general fallback."""
    best = max(strategies, key=lambda s: s.score(request))
    if best.score(request) == 0:
        return next(s for s in strategies if s.id == "worked-example-fade")
    return best


def first_clause(text: str, max_words: int = 12) -> str:
    """The first clause of ``text`` (before a dash, colon, bracket or full stop), shortened."""
    clause = re.split(r"\s[—–-]\s|[:;(.]|\s—|—", text.strip(), maxsplit=1)[0].strip(" \"'“”‘’")
    words = clause.split()
    clause = " ".join(words[:max_words])
    if clause[:1].isupper() and not clause[1:2].isupper():
        clause = clause[0].lower() + clause[1:]
    return clause or text.strip()


class OfflineGenerator:
    """Generator that plans from the bridge library; no network, deterministic."""

    name = "offline"

    def __init__(self, *, chosen: bool = False, path: Path = BRIDGES_PATH) -> None:
        self.common, self.strategies = load_library(path)
        why = "offline generation was chosen" if chosen else "no API key is configured"
        self.note = _NOTE.format(why=why)

    def generate(self, request: SequenceRequest, progress: ProgressCallback | None = None) -> GenerationResult:
        notify = progress or (lambda stage: None)
        notify("drafting")
        sequence = self.plan(request)
        notify("checking")
        return self._result(sequence, request)

    def regenerate_task(
        self,
        request: SequenceRequest,
        sequence: Sequence,
        task_index: int,
        progress: ProgressCallback | None = None,
    ) -> GenerationResult:
        """Replace task ``task_index`` with the planner's version of that rung.

        The planner is deterministic, so this restores the library's task for
        that position (undoing a teacher's edit to it); other tasks are kept.
        """
        if not 0 <= task_index < len(sequence.tasks):
            raise GenerationError(f"There is no task {task_index + 1} in this sequence.")
        notify = progress or (lambda stage: None)
        notify("drafting")
        planned = self.plan(request).tasks
        replacement = planned[min(task_index, len(planned) - 1)]
        tasks = list(sequence.tasks)
        tasks[task_index] = replacement
        notify("checking")
        return self._result(sequence.model_copy(update={"tasks": tasks}), request)

    def plan(self, request: SequenceRequest) -> Sequence:
        """The filled-in sequence for ``request`` (no checking)."""
        strategy = choose_strategy(request, self.strategies)
        data = strategy.data
        values = {
            "skill": first_clause(request.target_skill),
            "level": request.student_level,
            "subject": request.subject_area or data["default_subject"],
            "strength": first_clause(request.student_strengths or "") or data["default_strength"],
            "product": data["product"],
        }
        if not request.student_strengths:
            # A guess, and said to be one: the first task confirms or replaces it.
            values["strength"] = data["default_strength"] + " (a likely strength, to confirm in task 1)"

        def fill(template: str) -> str:
            return template.format_map(values)

        tasks = [self._task(raw, fill) for raw in data["tasks"]]
        if not request.student_strengths:
            # No strengths given: the first rung doubles as a way to find them.
            first = tasks[0]
            tasks[0] = first.model_copy(
                update={
                    "student_does": first.student_does
                    + " As no strengths were noted, watch which part goes most smoothly and build the"
                    " next tasks from it."
                }
            )
        return Sequence(
            title_skill=_title(values["skill"]),
            target_skill=request.target_skill,
            current_avoidance=request.current_avoidance,
            student_level=request.student_level + (f" {request.subject_area}" if request.subject_area else ""),
            diagnostic=Diagnostic(
                primary_barrier=fill(data["primary_barrier"]) + _attempts_note(request),
                primary_barrier_source=Source(data["barrier_source"]),
                starting_point=fill(data["starting_point"]),
                sequence_strategy=fill(data["sequence_strategy"]) + _profile_note(request),
            ),
            tasks=tasks,
            phrases_to_use=[Phrase(text=p["text"], why=p["why"]) for p in data["phrases_to_use"]],
            phrases_to_avoid=[Phrase(text=p["text"], why=p["why"]) for p in self.common["phrases_to_avoid"]],
            long_term_plan=fill(data["long_term_plan"]) + " " + self.common["long_term_suffix"],
            cautions=list(self.common["cautions"]),
        )

    @staticmethod
    def _task(raw: dict[str, Any], fill: Any) -> Task:
        return Task(
            name=fill(raw["name"]),
            student_does=fill(raw["student_does"]),
            sources=[Source(s) for s in raw["sources"]],
            why_it_builds_efficacy=fill(raw["why"]),
            success_looks_like=fill(raw["success"]),
            teacher_script=fill(raw["script"]),
            if_struggles=fill(raw["struggles"]),
            # Never filled from teacher text: shown to the student as written.
            student_instructions=raw["instructions"],
            increment=fill(raw["increment"]),
        )

    def _result(self, sequence: Sequence, request: SequenceRequest) -> GenerationResult:
        from tool.generation.checker import check_sequence

        findings = check_sequence(sequence, request, require_own_fields=True)
        meta = GenerationMeta(
            backend="offline",
            model="offline-planner",
            prompt_version=PROMPT_VERSION,
            initial_findings=findings,
            findings=findings,
            note=self.note,
        )
        return GenerationResult(sequence=sequence, meta=meta)


def _title(skill: str) -> str:
    return skill[:1].upper() + skill[1:]


def _attempts_note(request: SequenceRequest) -> str:
    if request.previous_attempts:
        return (
            f" Already tried: {first_clause(request.previous_attempts, 30)}. This plan does not lean on that"
            " again; it supplies the evidence of success those attempts could not."
        )
    return (
        " Ordinary classroom encouragement has most likely been tried already; without evidence of success"
        " behind it, it cannot change the student's belief."
    )


def _profile_note(request: SequenceRequest) -> str:
    if request.student_profile:
        return f" Keep in mind what the teacher knows about this student: {first_clause(request.student_profile, 40)}."
    return ""
