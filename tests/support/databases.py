"""Databases for tests on the production path (importable as ``support.databases`` from any test folder;
``from conftest import`` would pick whichever conftest module pytest loaded last)."""

from __future__ import annotations

import uuid


def fresh_postgres_database(base_url: str) -> str:
    """A new, empty database for one test on the production path."""
    from sqlalchemy import create_engine, text

    name = f"ss_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name
