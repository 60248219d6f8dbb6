"""Production refuses to start on values that are only safe on a laptop; development keeps its defaults."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from config.settings import Settings

from .stack import ENTRYPOINT

GOOD = {
    "SS_ENV": "production",
    "SS_BASE_URL": "https://stepping-stones.school.example",
    "SS_SECRET_KEY": "k3Jx9-vQ2pL8mN4rT7wZ1yB6cF0hG5jD_aE",
    "SS_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "SS_DATABASE_URL": "postgresql+psycopg://stepping@db/stepping",
    "SS_BROKER_URL": "redis://redis:6379/0",
    "SS_CACHE_URL": "redis://redis:6379/1",
    "SS_DEVLMS_ENABLED": "0",
}


def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **changes: str) -> Settings:
    for key, value in {**GOOD, "SS_INSTANCE_DIR": str(tmp_path), **changes}.items():
        monkeypatch.setenv(key, value)
    return Settings()


def test_safe_production_settings_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert _settings(monkeypatch, tmp_path).env == "production"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("SS_BASE_URL", "http://stepping-stones.school.example", "SS_BASE_URL must be the tool's public https://"),
        ("SS_BASE_URL", "https://127.0.0.1:8000", "SS_BASE_URL points at this machine"),
        ("SS_SECRET_KEY", "changeme", "SS_SECRET_KEY must be a random value"),
        ("SS_SECRET_KEY", "short-but-not-a-placeholder", "SS_SECRET_KEY must be a random value"),
        ("SS_KEY_ENCRYPTION_KEY", "not-a-fernet-key", "SS_KEY_ENCRYPTION_KEY must be a Fernet key"),
        ("SS_DATABASE_URL", "sqlite:///tmp/x.sqlite", "SS_DATABASE_URL must be PostgreSQL"),
        ("SS_BROKER_URL", "sqla+sqlite:///tmp/b.sqlite", "SS_BROKER_URL must be Redis"),
        ("SS_CACHE_URL", "memcached://cache:11211", "SS_CACHE_URL must be a Redis URL"),
    ],
)
def test_production_refuses_an_insecure_value_and_names_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, named: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _settings(monkeypatch, tmp_path, **{variable: value})
    assert named in str(refused.value)


def test_every_problem_is_listed_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        _settings(monkeypatch, tmp_path, SS_BASE_URL="http://x.example", SS_SECRET_KEY="dev")
    assert "SS_BASE_URL" in str(refused.value) and "SS_SECRET_KEY" in str(refused.value)


def test_development_keeps_its_laptop_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in GOOD:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SS_INSTANCE_DIR", str(tmp_path))
    settings = Settings()
    assert settings.env == "development" and settings.base_url.startswith("http://")
    assert settings.database_url.startswith("sqlite")


def test_the_entrypoint_refuses_to_start_and_says_why(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SS_")}
    env.update({**GOOD, "SS_INSTANCE_DIR": str(tmp_path), "SS_BASE_URL": "http://tool.example", "SS_SECRET_KEY": "dev"})
    started = subprocess.run(
        ["bash", str(ENTRYPOINT), "web"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert started.returncode == 2
    assert "configuration refused" in started.stderr
    assert "SS_BASE_URL must be the tool's public https://" in started.stderr and "SS_SECRET_KEY" in started.stderr
    assert "Traceback" not in started.stderr and "gunicorn" not in started.stdout + started.stderr
