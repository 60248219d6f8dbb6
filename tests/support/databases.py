"""Databases for tests on the production path (importable as ``support.databases`` from any test folder;
``from conftest import`` would pick whichever conftest module pytest loaded last).

Every database made here is dropped when the test session ends (``drop_created_databases``, called by
tests/conftest.py), so repeated CI runs on one PostgreSQL do not pile up hundreds of databases.
"""

from __future__ import annotations

import uuid

_created: list[tuple[str, str]] = []  # (server URL, database name), in creation order


def fresh_postgres_database(base_url: str, prefix: str = "ss_test") -> str:
    """A new, empty database for one test on the production path."""
    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    _created.append((base_url, name))
    return base_url.rsplit("/", 1)[0] + "/" + name


def drop_created_databases() -> int:
    """Drop the databases this session made (connections still open to them are ended); how many were dropped."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    dropped = 0
    by_server: dict[str, list[str]] = {}
    for base_url, name in _created:
        by_server.setdefault(base_url, []).append(name)
    for base_url, names in by_server.items():
        admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        try:
            for name in names:
                try:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    dropped += 1
                except SQLAlchemyError:
                    continue  # the server is unreachable or the drop failed: leave it, never fail the run
        finally:
            admin.dispose()
    _created.clear()
    return dropped
