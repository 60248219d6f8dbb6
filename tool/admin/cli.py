"""``stepping-stones admin …``: the console's password hash, and approving a pending registration."""

from __future__ import annotations

import click
from werkzeug.security import generate_password_hash


@click.group("admin")
def admin_group() -> None:
    """The tool administration console (/admin/)."""


@admin_group.command("hash-password")
@click.password_option("--password", prompt="Administrator password", help="Read from a prompt when omitted.")
def hash_password(password: str) -> None:
    """Print the hash to put in SS_ADMIN_PASSWORD_HASH (the password itself is never stored)."""
    if len(password) < 12:
        raise click.BadParameter("use at least 12 characters", param_hint="--password")
    click.echo(generate_password_hash(password))


@admin_group.command("approve-registration")
@click.argument("issuer")
@click.argument("client_id")
def approve_registration(issuer: str, client_id: str) -> None:
    """Approve the pending registration ISSUER + CLIENT_ID (as the console's Approve button does)."""
    from tool.cli import app_for_command
    from tool.lti.runtime import get_runtime

    registry = get_runtime(app_for_command()).registry
    info = registry.any_registration(issuer, client_id)
    if info is None:
        raise click.ClickException(f"no registration for issuer {issuer} and client id {client_id}")
    registry.set_registration_status(info.pk, "active")
    click.echo(f"registration {issuer} ({client_id}): approved")


commands = (admin_group,)
