"""``stepping-stones ladders check``: validate ladder files and run the quality checker on every family."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group()
def ladders() -> None:
    """The skill ladder library (config/ladders)."""


@ladders.command("check")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on 'worth a look' findings too, not only on must-fix ones.")
def check(files: tuple[Path, ...], strict: bool) -> None:
    """Validate FILES (default: the whole library) and check each family's plain sequence.

    Exits 1 when a file is malformed or a family's sequence has a must-fix finding (--strict: any finding).
    """
    from tool.generation.checker import check_sequence
    from tool.generation.ladders.library import LadderError, family_files, load_families, load_file
    from tool.generation.ladders.sequence import plain_sequence

    problems = notes = 0
    try:
        families = [f for path in files for f in load_file(path)] if files else list(load_families())
    except LadderError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for family in families:
        seq, request = plain_sequence(family)
        findings = check_sequence(seq, request, require_own_fields=True)
        for item in findings:
            must = item.severity == "must_fix"
            problems += must
            notes += not must
            click.echo(f"{family.id}: ({item.check}) {'must fix' if must else 'worth a look'}: {item.location}: "
                       f"{item.message}" + (f" — “{item.evidence}”" if item.evidence else ""))
    count = len(families)
    click.echo(f"{count} famil{'y' if count == 1 else 'ies'} in {len(files) or len(family_files())} file(s); "
               f"{problems} must-fix finding(s), {notes} worth a look.")
    sys.exit(1 if problems or (strict and notes) else 0)


commands = (ladders,)
