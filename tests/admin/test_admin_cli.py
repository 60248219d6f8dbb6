"""``stepping-stones admin``: the console password's hash, and approving a pending registration."""

from __future__ import annotations

from click.testing import CliRunner
from werkzeug.security import check_password_hash

from tool.cli import main
from tool.lti.runtime import get_runtime


def test_hash_password_prints_a_hash_that_checks_and_refuses_short_passwords():
    result = CliRunner().invoke(main, ["admin", "hash-password", "--password", "a long enough secret"])
    assert result.exit_code == 0, result.output
    hashed = result.output.strip()
    assert "a long enough secret" not in hashed
    assert check_password_hash(hashed, "a long enough secret") and not check_password_hash(hashed, "other")
    short = CliRunner().invoke(main, ["admin", "hash-password", "--password", "short"])
    assert short.exit_code != 0 and "at least 12 characters" in short.output


def test_approve_registration_makes_a_pending_one_usable_and_list_shows_it(app):
    registry = get_runtime(app).registry
    registry.save_registration(
        issuer="https://lms.example", client_id="c2", auth_login_url="https://lms.example/auth",
        auth_token_url="https://lms.example/token", jwks_url="https://lms.example/jwks", status="pending",
    )
    runner = CliRunner()
    assert "PENDING APPROVAL" in runner.invoke(main, ["lti", "list"]).output
    result = runner.invoke(main, ["admin", "approve-registration", "https://lms.example", "c2"])
    assert result.exit_code == 0, result.output
    registry.invalidate()
    assert registry.find("https://lms.example", "c2") is not None
    assert "PENDING" not in runner.invoke(main, ["lti", "list"]).output
    unknown = runner.invoke(main, ["admin", "approve-registration", "https://lms.example", "nobody"])
    assert unknown.exit_code != 0 and "no registration" in unknown.output
