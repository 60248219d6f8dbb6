"""``stepping-stones generate`` and ``check`` through click's runner and the real console script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.fake_openai import FakeOpenAI

from config.settings import Settings
from tool.cli import main
from tool.generation.document import parse_document
from tool.generation.offline import OfflineGenerator

SCENARIOS: dict[str, list[str]] = {
    "writing": [
        "--target-skill", "Extended writing: a developed paragraph",
        "--student-level", "Year 8",
        "--current-avoidance", "Writes one sentence, rubs it out, puts head on desk",
        "--subject-area", "English",
        "--student-strengths", "Articulate in class discussion",
    ],
    "fractions": [
        "--target-skill", "Adding fractions with different denominators",
        "--student-level", "Year 6",
        "--current-avoidance", "Leaves fraction questions blank",
        "--student-strengths", "Confident with money",
    ],
    "reading-aloud": [
        "--target-skill", "Reading aloud to the class",
        "--student-level", "Year 4",
        "--current-avoidance", "Asks for the toilet when it is nearly their turn",
    ],
    "speaking-spanish": [
        "--target-skill", "Speaking Spanish in the speaking assessment",
        "--student-level", "Year 9",
        "--current-avoidance", "Freezes and stays silent",
        "--subject-area", "Spanish",
        "--student-strengths", "Excellent written vocabulary",
    ],
    "word-problems": [
        "--target-skill", "Multi-step word problems",
        "--student-level", "Year 7",
        "--current-avoidance", "Reads the first line and leaves it blank",
        "--subject-area", "Maths",
        "--student-strengths", "Quick mental arithmetic",
        "--previous-attempts", "Extra homework and a times-table app",
    ],
}  # fmt: skip


@pytest.fixture
def runner(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner with the test settings in the environment, generator "auto" and no key: offline."""
    from config.settings import get_settings

    monkeypatch.setenv("SS_GENERATOR", "auto")
    get_settings.cache_clear()
    return CliRunner()


def test_five_scenarios_generate_then_check_clean(runner: CliRunner, tmp_path: Path) -> None:
    first_tasks = set()
    for name, args in SCENARIOS.items():
        generated = runner.invoke(main, ["generate", *args])
        assert generated.exit_code == 0, generated.output
        assert generated.stdout.startswith("## Self-Efficacy Sequence:")
        assert "backend=offline model=offline-planner" in generated.stderr
        assert "no API key is configured" in generated.stderr
        path = tmp_path / f"{name}.md"
        path.write_text(generated.stdout)
        checked = runner.invoke(main, ["check", str(path)])
        assert checked.exit_code == 0, (name, checked.output)
        assert "All checks pass" in checked.stdout
        first_tasks.add(parse_document(generated.stdout).tasks[0].name)
    assert len(first_tasks) == 5  # five different bridges, not one template with names swapped


def test_generate_json_format(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["generate", *SCENARIOS["fractions"], "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["tasks"][0]["student_instructions"]
    path = tmp_path / "seq.json"
    path.write_text(result.stdout)
    checked = runner.invoke(main, ["check", str(path), "--json"])
    assert checked.exit_code == 0 and json.loads(checked.stdout) == []


def test_generate_validation_errors_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(main, ["generate", "--target-skill", "ab", "--student-level", "Year 8"])
    assert result.exit_code == 2
    assert "--target-skill: String should have at least 3 characters" in result.stderr
    assert "--current-avoidance: Field required" in result.stderr
    assert result.stdout == ""


def test_generate_with_openai_backend(
    runner: CliRunner, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings import get_settings

    monkeypatch.setenv("SS_LLM_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("SS_LLM_API_KEY", "sk-test")
    monkeypatch.setenv("SS_LLM_MAX_RETRIES", "0")
    get_settings.cache_clear()
    from tool.generation.model import SequenceRequest

    request = SequenceRequest(target_skill="Writing", student_level="Y8", current_avoidance="Stops")
    plan = OfflineGenerator().plan(request)
    fake_openai.reply_json(plan.model_dump(mode="json"))
    result = runner.invoke(main, ["generate", *SCENARIOS["writing"], "--backend", "openai"])
    assert result.exit_code == 0, result.output
    assert "backend=openai" in result.stderr
    assert "… drafting" in result.stderr
    assert "Articulate in class discussion" in fake_openai.chat_requests[0].text()

    fake_openai.reply_refusal()
    failed = runner.invoke(main, ["generate", *SCENARIOS["writing"], "--backend", "openai"])
    assert failed.exit_code == 1
    assert "generation failed: The model declined" in failed.stderr


def test_check_reports_findings_exit_1(runner: CliRunner, tmp_path: Path) -> None:
    generated = runner.invoke(main, ["generate", *SCENARIOS["writing"]])
    lines = generated.stdout.splitlines(keepends=True)
    scripts = [i for i, line in enumerate(lines) if line.startswith("- **Teacher script after success:**")]
    lines[scripts[2]] = "- **Teacher script after success:** You're so clever! You can have a sticker for that.\n"
    spoiled = "".join(lines)
    assert spoiled != generated.stdout
    path = tmp_path / "spoiled.md"
    path.write_text(spoiled)
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert re.search(r"\[e\] must fix: Task 3 › Teacher script after success", result.stdout)
    assert "clever" in result.stdout
    as_json = runner.invoke(main, ["check", str(path), "--json"])
    findings = json.loads(as_json.stdout)
    assert as_json.exit_code == 1 and {f["check"] for f in findings} >= {"e"}


def test_check_unparseable_exit_2_with_line(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text("## Self-Efficacy Sequence: Writing\n\nthis is not the format\n### Task Sequence\n")
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert "cannot parse" in result.stderr and "stopped at line" in result.stderr

    missing = runner.invoke(main, ["check", str(tmp_path / "nope.md")])
    assert missing.exit_code == 2


def test_console_script_end_to_end(settings: Settings, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "stepping-stones"
    env = {**os.environ, "SS_GENERATOR": "auto", "SS_LLM_API_KEY": ""}
    generated = subprocess.run(
        [str(script), "generate", *SCENARIOS["reading-aloud"]],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    assert "Self-Efficacy Sequence" in generated.stdout
    path = tmp_path / "reading.md"
    path.write_text(generated.stdout)
    checked = subprocess.run(
        [str(script), "check", str(path)], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
