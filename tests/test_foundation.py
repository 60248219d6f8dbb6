"""The skeleton: settings refuse insecure production, migrations apply, the store consumes once."""

from __future__ import annotations

import pytest
from flask import Flask
from pydantic import ValidationError

from config.settings import Settings


def test_production_refuses_missing_secrets(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("SS_ENV", "production")
    monkeypatch.setenv("SS_INSTANCE_DIR", str(tmp_path))
    with pytest.raises(ValidationError, match="SS_SECRET_KEY"):
        Settings()


def test_production_refuses_development_lms(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for key, value in {
        "SS_ENV": "production",
        "SS_SECRET_KEY": "x" * 40,
        "SS_KEY_ENCRYPTION_KEY": "k",
        "SS_DATABASE_URL": "postgresql+psycopg://localhost/x",
        "SS_BROKER_URL": "redis://localhost/0",
        "SS_CACHE_URL": "redis://localhost/1",
    }.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match="development LMS"):
        Settings()


def test_generator_defaults_to_offline_without_key(settings: Settings) -> None:
    settings.generator = "auto"
    settings.llm_api_key = ""
    assert settings.generator_backend == "offline"
    settings.llm_api_key = "sk-local"
    assert settings.generator_backend == "openai"


def test_store_take_is_single_use(app: Flask) -> None:
    store = app.extensions["kv_store"]
    assert store.add("nonce:abc", "1", 60) is True
    assert store.add("nonce:abc", "1", 60) is False
    assert store.take("nonce:abc") == "1"
    assert store.take("nonce:abc") is None


def test_store_expired_entries_are_invisible(app: Flask) -> None:
    store = app.extensions["kv_store"]
    store.set("k", "v", 60)
    assert store.get("k") == "v"
    store.set("k", "v2", -1)  # already expired: the old value must not survive either
    assert store.get("k") is None
    assert store.take("k") is None
    assert store.add("k", "v3", 0) is False
    assert store.get("k") is None



def test_sql_store_writes_delete_expired_rows(app: Flask) -> None:
    from sqlalchemy import select

    from tool.kv_store import KvEntry, SqlKeyValueStore

    # The SQL store itself, whichever store the app is configured with (Redis expires keys on its own).
    store = SqlKeyValueStore(app.extensions["db_engine"])

    def keys() -> set[str]:
        with app.extensions["db_engine"].connect() as conn:
            return set(conn.scalars(select(KvEntry.key)))

    store.set("old-launch", "v", -1)
    assert "old-launch" in keys()
    store.set("fresh", "v", 60)
    assert "fresh" in keys() and "old-launch" not in keys()
    store.set("old-launch", "v", -1)
    assert store.add("nonce", "1", 60) is True
    assert "nonce" in keys() and "old-launch" not in keys()
