"""The offline generator: the skill ladder planner behind the generator interface; no network, no key.

The planning itself lives in ``tool.generation.ladders.planner``: the family
from the ladder library that fits the skill and age (or a guided draft when
none fits), filled from the teacher's own words. Same request, same sequence.
"""

from __future__ import annotations

from prompts import PROMPT_VERSION
from tool.generation.backend import GenerationError, ProgressCallback
from tool.generation.ladders.planner import plan
from tool.generation.model import GenerationMeta, GenerationResult, LadderUse, Sequence, SequenceRequest

_NOTE = "Made by the offline planner from the skill ladder library, because {why}."
_GUIDED = (" No ladder in the library fits this skill, so this is a guided draft from your own starting point and "
           "target: complete the bracketed parts, or pick a ladder on the form and generate again.")


class OfflineGenerator:
    """Generator that plans from the skill ladder library; deterministic."""

    name = "offline"

    def __init__(self, *, chosen: bool = False) -> None:
        why = "offline generation was chosen" if chosen else "no API key is configured"
        self.note = _NOTE.format(why=why)

    def generate(self, request: SequenceRequest, progress: ProgressCallback | None = None) -> GenerationResult:
        notify = progress or (lambda stage: None)
        notify("drafting")
        planned = plan(request)
        notify("checking")
        return self._result(planned.sequence, request, planned.ladder)

    def regenerate_task(
        self,
        request: SequenceRequest,
        sequence: Sequence,
        task_index: int,
        progress: ProgressCallback | None = None,
    ) -> GenerationResult:
        """Replace task ``task_index`` with the planner's version of that step.

        The planner is deterministic, so this restores the ladder's task for
        that position (undoing a teacher's edit to it); other tasks are kept.
        """
        if not 0 <= task_index < len(sequence.tasks):
            raise GenerationError(f"There is no task {task_index + 1} in this sequence.")
        notify = progress or (lambda stage: None)
        notify("drafting")
        planned = plan(request)
        replacement = planned.sequence.tasks[min(task_index, len(planned.sequence.tasks) - 1)]
        tasks = list(sequence.tasks)
        tasks[task_index] = replacement
        notify("checking")
        return self._result(sequence.model_copy(update={"tasks": tasks}), request, planned.ladder)

    def plan(self, request: SequenceRequest) -> Sequence:
        """The filled-in sequence for ``request`` (no checking)."""
        return plan(request).sequence

    def _result(self, sequence: Sequence, request: SequenceRequest, ladder: LadderUse) -> GenerationResult:
        from tool.generation.checker import check_sequence

        findings = check_sequence(sequence, request, require_own_fields=True)
        note = self.note + (_GUIDED if ladder.family_id is None else f" Based on: {ladder.based_on}.")
        meta = GenerationMeta(
            backend="offline",
            model="offline-planner",
            prompt_version=PROMPT_VERSION,
            initial_findings=findings,
            findings=findings,
            note=note,
            ladder=ladder,
        )
        return GenerationResult(sequence=sequence, meta=meta)
