"""Load the generation path once in the worker's main process, before the pool forks.

The OpenAI SDK, the skill ladder library (TF-IDF matcher) and the checker's word data take
seconds to load. Loaded here, every pool process (including one re-forked after a crash or
``max_tasks_per_child``) starts warm instead of paying that on its first job.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

SAMPLE_REQUEST = {
    "target_skill": "Reading a paragraph aloud",
    "student_level": "Year 7",
    "current_avoidance": "Asks to go to the toilet when it is their turn to read.",
    "subject_area": "English",
}


def warm_up() -> None:
    try:
        import tool.generation.openai_backend  # noqa: F401  (the SDK import is the slow part)
        from tool.generation.checker import check_sequence
        from tool.generation.model import SequenceRequest
        from tool.generation.offline import OfflineGenerator

        request = SequenceRequest.model_validate(SAMPLE_REQUEST)
        check_sequence(OfflineGenerator().plan(request), request)
    except Exception:  # a cold start is slower, never broken
        log.warning("worker warm-up failed", exc_info=True)
