"""``stepping-stones demo`` guards and the worker command it starts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from config.settings import get_settings
from tool.cli import main
from tool.demo import worker_command


def test_demo_refuses_production(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for key, value in {
        "SS_ENV": "production",
        "SS_INSTANCE_DIR": str(tmp_path),
        "SS_SECRET_KEY": "x" * 40,
        "SS_KEY_ENCRYPTION_KEY": "x" * 43 + "=",  # a well-formed Fernet key: only the demo guard refuses
        "SS_BASE_URL": "https://tool.example.org",
        "SS_DATABASE_URL": "postgresql+psycopg://127.0.0.1/none",
        "SS_BROKER_URL": "redis://127.0.0.1:1/0",
        "SS_CACHE_URL": "redis://127.0.0.1:1/1",
        "SS_DEVLMS_ENABLED": "0",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["demo"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "refused in production" in result.output
    assert not (tmp_path / "devlms.json").exists()


def test_worker_is_a_real_celery_worker_on_the_solo_pool() -> None:
    argv = worker_command()
    assert argv[1:6] == ["-m", "celery", "-A", "worker.app", "worker"]
    assert "--pool=solo" in argv
