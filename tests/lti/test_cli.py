"""The ``lti`` CLI against the app fixture's database (the CLI builds its app from settings)."""

from __future__ import annotations

from click.testing import CliRunner

from tool.cli import main
from tool.lti.runtime import get_runtime

from .platform import launch

ISSUER = "https://platform.example"


def _add(runner, platform, *extra):
    return runner.invoke(main, [
        "lti", "add-platform", "--issuer", platform.issuer, "--client-id", platform.client_id,
        "--auth-login-url", platform.url + "/auth", "--auth-token-url", platform.url + "/token",
        "--jwks-url", platform.jwks_url, "--family", "moodle", *extra,
    ])


def test_add_platform_then_list_then_launch(app, client, platform):
    runner = CliRunner()
    result = _add(runner, platform, "--deployment-id", "dep-1")
    assert result.exit_code == 0, result.output
    assert "deployment dep-1: active" in result.output
    listing = runner.invoke(main, ["lti", "list"])
    assert f"{ISSUER}  client client-1  [moodle]" in listing.output
    assert launch(client, platform).status_code == 303


def test_activate_deployment_lets_a_refused_deployment_launch(app, client, platform):
    runner = CliRunner()
    assert _add(runner, platform).exit_code == 0
    refused = launch(client, platform)
    assert refused.status_code == 403
    command = f"activate-deployment {ISSUER} client-1 dep-1"
    assert command in refused.get_data(as_text=True)
    result = runner.invoke(main, ["lti", *command.split()])
    assert result.exit_code == 0, result.output
    # The web process sees the activation at once (inactive deployments are never cached).
    assert launch(client, platform).status_code == 303
    assert "dep-1: active" in runner.invoke(main, ["lti", "list"]).output


def test_activate_deployment_of_unknown_registration_fails(app):
    result = CliRunner().invoke(main, ["lti", "activate-deployment", ISSUER, "nobody", "1"])
    assert result.exit_code != 0
    assert "no registration" in result.output


def test_rotate_keys_publishes_new_key_and_keeps_previous(app, client):
    first = client.get("/lti/jwks").get_json()["keys"][0]["kid"]
    result = CliRunner().invoke(main, ["lti", "rotate-keys", "--overlap-days", "0"])
    assert result.exit_code == 0, result.output
    kids = [k["kid"] for k in client.get("/lti/jwks").get_json()["keys"]]
    assert kids[0] == first and len(kids) == 2
    assert kids[1] in result.output
    # The web app's cached signing key catches up within its cache window; dropping it is explicit.
    get_runtime(app).tool_keys.invalidate()
    assert get_runtime(app).tool_keys.signing_key().kid == kids[1]
