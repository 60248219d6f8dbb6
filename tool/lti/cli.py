"""``stepping-stones lti ...``: register platforms by hand, list them, activate deployments, rotate keys."""

from __future__ import annotations

from datetime import timedelta

import click

from tool.lti.keys import DEFAULT_OVERLAP
from tool.lti.models import PLATFORM_FAMILIES
from tool.lti.runtime import LtiRuntime
from tool.lti.tool_configuration import SCOPES


def _runtime() -> LtiRuntime:
    """The runtime of an app built from settings (the CLI runs outside any request)."""
    from tool.cli import app_for_command
    from tool.lti.runtime import get_runtime

    return get_runtime(app_for_command())


@click.group("lti")
def lti_group() -> None:
    """LTI platforms, deployments and the tool's keys."""


@lti_group.command("add-platform")
@click.option("--issuer", required=True)
@click.option("--client-id", required=True)
@click.option("--auth-login-url", required=True, help="The platform's OIDC authorization endpoint.")
@click.option("--auth-token-url", required=True, help="The platform's OAuth2 token endpoint.")
@click.option("--jwks-url", required=True, help="The platform's public key set.")
@click.option("--token-audience", default=None, help="aud of our client assertions, when not the token URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True, help="Deployment(s) to create ACTIVE.")
@click.option("--family", type=click.Choice(PLATFORM_FAMILIES), default="other", show_default=True)
@click.option("--name", default="")
@click.option("--scopes", default=" ".join(SCOPES), help="Scopes the platform granted (space separated).")
def add_platform(
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    jwks_url: str,
    token_audience: str | None,
    deployment_ids: tuple[str, ...],
    family: str,
    name: str,
    scopes: str,
) -> None:
    """Register (or update) a platform: one issuer + client id."""
    runtime = _runtime()
    info = runtime.registry.save_registration(
        issuer=issuer,
        client_id=client_id,
        auth_login_url=auth_login_url,
        auth_token_url=auth_token_url,
        jwks_url=jwks_url,
        token_audience=token_audience,
        platform_family=family,
        granted_scopes=scopes,
        name=name,
        deployment_ids=deployment_ids,
        deployments_active=True,  # the admin typed them: they are wanted
    )
    click.echo(f"registered {info.issuer} client {info.client_id} (id {info.pk})")
    for deployment_id in deployment_ids:
        click.echo(f"  deployment {deployment_id}: active")


@lti_group.command("list")
def list_platforms() -> None:
    """Every registration with its deployments."""
    registrations = _runtime().registry.all_registrations()
    if not registrations:
        click.echo("no platforms registered")
    for info, deployments in registrations:
        pending = "  PENDING APPROVAL" if info.pending else ""
        click.echo(f"{info.issuer}  client {info.client_id}  [{info.platform_family}]  {info.name}".rstrip() + pending)
        for deployment_id, active in deployments:
            click.echo(f"  deployment {deployment_id}: {'active' if active else 'INACTIVE'}")


@lti_group.command("activate-deployment")
@click.argument("issuer")
@click.argument("client_id")
@click.argument("deployment_id")
@click.option("--deactivate", is_flag=True, help="Turn the deployment off instead.")
def activate_deployment(issuer: str, client_id: str, deployment_id: str, deactivate: bool) -> None:
    """Allow launches from DEPLOYMENT_ID of the registration ISSUER + CLIENT_ID."""
    if not _runtime().registry.set_deployment_active(issuer, client_id, deployment_id, not deactivate):
        raise click.ClickException(f"no registration for issuer {issuer} and client id {client_id}")
    click.echo(f"deployment {deployment_id} of {issuer} ({client_id}): {'INACTIVE' if deactivate else 'active'}")


@lti_group.command("rotate-keys")
@click.option("--overlap-days", type=float, default=DEFAULT_OVERLAP.days, show_default=True,
              help="Older keys stay published this long, so platforms' caches keep verifying.")
def rotate_keys(overlap_days: float) -> None:
    """Add a new signing key; retire keys older than the overlap (the previous newest always stays)."""
    new_key, retired = _runtime().tool_keys.rotate(timedelta(days=overlap_days))
    click.echo(f"new signing key {new_key.kid}")
    for kid in retired:
        click.echo(f"retired {kid}")


commands = (lti_group,)
