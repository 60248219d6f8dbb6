"""``stepping-stones db upgrade``: apply migrations."""

from __future__ import annotations

import click


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Apply Alembic migrations up to REVISION."""
    from tool.cli import app_for_command
    from tool.db import upgrade_schema

    upgrade_schema(app_for_command(), revision)
    click.echo(f"database upgraded to {revision}")


commands = (db_group,)
