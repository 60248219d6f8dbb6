"""Generation benchmark: the tool's own work around an LLM call, and the checker.

    .venv/bin/python bench/generation_bench.py [-n 30]

Reports medians for: the quality checker on the seed's Year 8 fixture, the
offline planner end to end, and the openai backend's own overhead per
generation (prompt build, schema, parse, check: the wall time minus the time
spent waiting on the LLM) against the local OpenAI-compatible test server over
real loopback HTTP with the real SDK.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the local OpenAI-compatible server lives with the tests


def timed(fn: Callable[[], object], n: int) -> list[float]:
    times = []
    for _ in range(n):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return times


def report(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p90 = ms[max(0, int(len(ms) * 0.9) - 1)]
    print(f"{name:<44} median {statistics.median(ms):7.2f} ms   p90 {p90:7.2f} ms   (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30)
    args = parser.parse_args()

    os.environ.update(SS_ENV="test", SS_INSTANCE_DIR=tempfile.mkdtemp(prefix="ss-bench-"))
    from support.fake_openai import FakeOpenAI

    from config.settings import get_settings
    from tool.generation.checker import check_sequence
    from tool.generation.document import parse_document
    from tool.generation.model import SequenceRequest
    from tool.generation.offline import OfflineGenerator
    from tool.generation.openai_backend import OpenAIGenerator

    fixture = parse_document((ROOT / "tests/fixtures/year8_writing.md").read_text())
    check_sequence(fixture)  # word lists load once per process
    report("checker on the Year 8 fixture", timed(lambda: check_sequence(fixture), args.n * 10))

    request = SequenceRequest(
        target_skill="Extended writing: a developed paragraph",
        student_level="Year 8",
        current_avoidance="Writes one sentence, rubs it out, puts head on desk.",
        subject_area="English",
        student_strengths="Articulate in class discussion",
    )
    offline = OfflineGenerator()
    offline.generate(request)
    report("offline planner, whole generation", timed(lambda: offline.generate(request), args.n))

    settings = get_settings().model_copy(
        update={"generator": "openai", "llm_api_key": "sk-bench", "llm_max_retries": 0}
    )
    answer = offline.plan(request).model_dump(mode="json")
    with FakeOpenAI() as server:
        settings.llm_base_url = server.base_url
        generator = OpenAIGenerator(settings)
        overheads: list[float] = []
        walls: list[float] = []
        for _ in range(args.n):
            server.reply_json(answer)
            began = time.perf_counter()
            generator.generate(request)
            walls.append(time.perf_counter() - began)
            overheads.append(generator.last_overhead_seconds)
    report("openai backend: tool's own work per call", overheads)
    report("openai backend: wall time with a local LLM", walls)
    print(
        "For scale: a real model answers a sequence in 10-60 s; the tool's own work is "
        f"{statistics.median(overheads) * 1000:.1f} ms of that."
    )


if __name__ == "__main__":
    main()
