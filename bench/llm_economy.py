"""LLM economy: tokens per sequence and the share needing a repair round, over a scripted endpoint.

    .venv/bin/python bench/llm_economy.py [-n 40]

The first N teacher-style requests of bench/data/matching_requests.yaml go through the real openai
backend (prompt build, structured output, parse, checker, repair round) against the local
OpenAI-compatible server (tests/support/fake_openai.py), which replays a fixed set of answers: the
offline planner's plan for the request (passes every check), and for every fourth request first a
version whose teacher script praises ability ("You're so clever!", a must-fix finding) so a repair
round is needed. Token counts are the server's (prompt ~ characters / 4; a repeated prompt prefix of
at least 1,024 tokens counts as cached, in 128-token blocks, as OpenAI bills it), so the table measures
what the tool sends: prompt size, the cache-eligible share and completion size per sequence. A plan the
checker still flags gets the same answer again on repair, so the share repaired is the scripted quarter
plus the requests whose planner answer the checker flags.
Prints a table and writes bench/results/llm_economy.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    from support.fake_openai import FakeOpenAI, Reply

    from config.settings import Settings
    from tool.generation.model import SequenceRequest
    from tool.generation.offline import OfflineGenerator
    from tool.generation.openai_backend import OpenAIGenerator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=40)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "llm_economy.json"))
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log per scripted answer
    data = yaml.safe_load((ROOT / "bench" / "data" / "matching_requests.yaml").read_text())["requests"][: args.n]
    requests = [
        SequenceRequest(
            target_skill=item["target"],
            student_level=item["level"],
            subject_area=item.get("subject"),
            current_avoidance="Avoids it: puts the pen down and waits, or asks to do something else.",
        )
        for item in data
    ]
    offline = OfflineGenerator()
    rows = []
    with FakeOpenAI() as server:
        settings = Settings(env="test", generator="openai", llm_api_key="sk-bench", llm_base_url=server.base_url)
        generator = OpenAIGenerator(settings)
        for n, request in enumerate(requests):
            good = offline.plan(request).model_dump(mode="json")
            if n % 4 == 3:
                bad = json.loads(json.dumps(good))
                bad["tasks"][1]["teacher_script"] = "You're so clever! You're a natural at this."
                server.reply_json(bad)
            server.reply_json(good)
            # A further repair round (the checker still finds something) gets the same good answer again.
            server.default = lambda _body, good=good: Reply(content=json.dumps(good))
            calls_before = len(server.chat_requests)
            result = generator.generate(request)
            usage = result.meta.usage
            rows.append({
                "request": request.target_skill,
                "calls": len(server.chat_requests) - calls_before,
                "prompt_tokens": usage.prompt_tokens,
                "cached_tokens": usage.cached_tokens,
                "completion_tokens": usage.completion_tokens,
                "repaired": result.meta.repaired,
            })
    n = len(rows)
    summary = {
        "sequences": n,
        "calls_per_sequence": statistics.fmean(r["calls"] for r in rows),
        "prompt_tokens_per_sequence": statistics.fmean(r["prompt_tokens"] for r in rows),
        "cached_tokens_per_sequence": statistics.fmean(r["cached_tokens"] for r in rows),
        "completion_tokens_per_sequence": statistics.fmean(r["completion_tokens"] for r in rows),
        "share_repaired": sum(r["repaired"] for r in rows) / n,
        "prompt_tokens_first_call_median": statistics.median(
            r["prompt_tokens"] for r in rows if not r["repaired"]
        ),
    }
    print(f"{'measure':<45} {'value':>10}")
    print("-" * 56)
    for key, value in summary.items():
        print(f"{key:<45} {value:>10.2f}" if isinstance(value, float) else f"{key:<45} {value:>10}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
