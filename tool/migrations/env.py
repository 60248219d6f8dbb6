from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from tool.db import Base, make_engine
from tool.models import import_all_models

import_all_models()
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url
    engine = make_engine(url) if url.startswith("sqlite") else __import__("sqlalchemy").create_engine(
        url, poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, drop, rename): the foreign keys of the rows that point at
            # it must not fire meanwhile. SQLite ignores this pragma inside a transaction, so it is set
            # before Alembic's transaction opens, and the keys are checked before that transaction commits.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left rows whose foreign keys point nowhere: {broken[:5]}")
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
    engine.dispose()


run_migrations_online()
