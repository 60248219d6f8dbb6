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
def check(files: tuple[Path, ...]) -> None:
    """Validate FILES (default: the whole library) and check each family's plain sequence.

    Exits 1 when a file is malformed or a family's sequence has a finding.
    """
    from tool.generation.checker import check_sequence
    from tool.generation.ladders.library import LadderError, family_files, load_families, load_file
    from tool.generation.ladders.sequence import plain_sequence

    problems = 0
    try:
        families = [f for path in files for f in load_file(path)] if files else list(load_families())
    except LadderError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for family in families:
        seq, request = plain_sequence(family)
        findings = check_sequence(seq, request, require_own_fields=True)
        for item in findings:
            problems += 1
            click.echo(f"{family.id}: ({item.check}) {item.location}: {item.message}"
                       + (f" — “{item.evidence}”" if item.evidence else ""))
    count = len(families)
    click.echo(f"{count} famil{'y' if count == 1 else 'ies'} in {len(files) or len(family_files())} file(s); "
               f"{problems} finding(s).")
    sys.exit(1 if problems else 0)


commands = (ladders,)
