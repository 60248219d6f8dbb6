"""``stepping-stones generate`` and ``stepping-stones check``.

Exit codes (both commands): 0 success / no must-fix finding (``check --strict``:
no finding at all); 1 the checker found must-fix problems, or generation failed;
2 the input could not be used (invalid options, unreadable or unparseable file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from pydantic import ValidationError

from tool.generation.backend import GenerationError
from tool.generation.model import Finding, GenerationMeta, SequenceRequest

_REQUEST_OPTIONS = (
    ("--target-skill", "target_skill", True, "What the student believes they can't do."),
    ("--student-level", "student_level", True, "Year, grade or age band."),
    ("--current-avoidance", "current_avoidance", True, "What the student does instead."),
    ("--subject-area", "subject_area", False, "Subject (inferred from the skill if omitted)."),
    ("--student-profile", "student_profile", False, "Anything else about the student (no names)."),
    ("--previous-attempts", "previous_attempts", False, "What has been tried already."),
    ("--student-strengths", "student_strengths", False, "What the student already does well."),
)


def _request_options(func: click.decorators.FC) -> click.decorators.FC:
    for flag, name, required, help_text in reversed(_REQUEST_OPTIONS):
        # Required fields are validated by SequenceRequest, so every problem is reported the same way.
        label = "required" if required else "optional"
        func = click.option(flag, name, default=None, help=f"{help_text} ({label})")(func)
    return func


@click.command()
@_request_options
@click.option(
    "--backend",
    type=click.Choice(["offline", "openai"]),
    default=None,
    help="Generator to use (default: SS_GENERATOR; auto = openai when SS_LLM_API_KEY is set).",
)
@click.option("--format", "output_format", type=click.Choice(["markdown", "json"]), default="markdown")
def generate(backend: str | None, output_format: str, **fields: str | None) -> None:
    """Design a self-efficacy sequence and print it (metadata goes to stderr)."""
    from config.settings import get_settings
    from tool.generation.document import render_json, render_markdown
    from tool.generation.factory import make_generator

    try:
        request = SequenceRequest(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        for error in exc.errors():
            flag = "--" + str(error["loc"][0]).replace("_", "-") if error["loc"] else "input"
            click.echo(f"error: {flag}: {error['msg']}", err=True)
        sys.exit(2)
    generator = make_generator(get_settings(), backend)
    try:
        result = generator.generate(request, progress=lambda stage: click.echo(f"… {stage}", err=True))
    except GenerationError as exc:
        click.echo(f"generation failed: {exc.reason}", err=True)
        sys.exit(1)
    render = render_json if output_format == "json" else render_markdown
    click.echo(render(result.sequence))
    _echo_meta(result.meta)


def _echo_meta(meta: GenerationMeta) -> None:
    usage = meta.usage
    click.echo(
        f"backend={meta.backend} model={meta.model} prompt={meta.prompt_version} "
        f"repaired={meta.repaired} findings={len(meta.findings)} "
        f"tokens(prompt={usage.prompt_tokens}, completion={usage.completion_tokens}, "
        f"cached={usage.cached_tokens})",
        err=True,
    )
    if meta.note:
        click.echo(meta.note, err=True)
    for finding in meta.findings:
        click.echo(_finding_line(finding), err=True)


_SEVERITY_LABELS = {"must_fix": "must fix", "consider": "worth a look"}


def _finding_line(finding: Finding) -> str:
    line = f"[{finding.check}] {_SEVERITY_LABELS[finding.severity]}: {finding.location}: {finding.message}"
    if finding.evidence:
        line += f' — "{finding.evidence}"'
    return line


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON.")
@click.option("--strict", is_flag=True, help="Fail on 'worth a look' findings too, not only on must-fix ones.")
def check(file: Path, as_json: bool, strict: bool) -> None:
    """Check a sequence (Markdown or JSON) against self-checks (a)-(f).

    Exit 0 when no finding must be fixed (with --strict: no finding at all), 1
    otherwise, 2 when the file cannot be read or parsed.
    """
    from tool.generation.checker import check_sequence
    from tool.generation.document import ParseError, parse_document

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"error: cannot read {file}: {exc}", err=True)
        sys.exit(2)
    try:
        sequence = parse_document(text)
    except ParseError as exc:
        where = f"line {exc.line}" if exc.line is not None else "an unknown line"
        click.echo(f"error: cannot parse {file}: stopped at {where}: {exc.message}", err=True)
        sys.exit(2)
    findings = check_sequence(sequence)
    if as_json:
        click.echo(json.dumps([f.model_dump() for f in findings], indent=2))
    else:
        for finding in findings:
            click.echo(_finding_line(finding))
        blocking = sum(1 for f in findings if f.severity == "must_fix")
        if blocking:
            click.echo(f"{len(findings)} finding(s): {blocking} must fix, {len(findings) - blocking} worth a look.")
        else:
            notes = f"; {len(findings)} finding(s) worth a look" if findings else ""
            click.echo(f"All checks pass ({len(sequence.tasks)} tasks){notes}.")
    failed = findings if strict else [f for f in findings if f.severity == "must_fix"]
    sys.exit(1 if failed else 0)


commands = (generate, check)
