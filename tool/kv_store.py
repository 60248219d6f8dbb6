"""Short-lived key/value data: OIDC state, nonces, launch data, cached tokens.

Redis in production (``SS_CACHE_URL``); the SQL database for the embedded
default. Both give the one operation security depends on: ``take`` reads and
deletes a key atomically, so a nonce or a single-use token is consumed once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import String, Text, delete, insert, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from tool.db import Base, utcnow


class KeyValueStore(Protocol):
    def set(self, key: str, value: str, ttl: int) -> None:
        """Store for ``ttl`` seconds; a ttl of 0 or less stores nothing and drops the key."""
        ...

    def add(self, key: str, value: str, ttl: int) -> bool:
        """Store only if absent; True when this call stored it."""
        ...

    def get(self, key: str) -> str | None: ...

    def take(self, key: str) -> str | None:
        """Read and delete atomically: at most one caller gets the value."""
        ...

    def delete(self, key: str) -> None: ...


class KvEntry(Base):
    __tablename__ = "kv_entries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SqlKeyValueStore:
    """Embedded default: rows with an expiry; expired rows are ignored, and every write
    deletes the rows that have expired (launch records and abandoned logins would
    otherwise pile up: nothing reads them again)."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(bind=engine)

    def _expiry(self, ttl: int) -> datetime:
        return utcnow() + timedelta(seconds=ttl)

    def set(self, key: str, value: str, ttl: int) -> None:
        with self._sessions.begin() as db:
            db.execute(delete(KvEntry).where(or_(KvEntry.key == key, KvEntry.expires_at <= utcnow())))
            db.add(KvEntry(key=key, value=value, expires_at=self._expiry(ttl)))

    def add(self, key: str, value: str, ttl: int) -> bool:
        if ttl <= 0:
            return False
        try:
            with self._sessions.begin() as db:
                db.execute(delete(KvEntry).where(KvEntry.expires_at <= utcnow()))
                db.execute(insert(KvEntry).values(key=key, value=value, expires_at=self._expiry(ttl)))
        except IntegrityError:
            return False
        return True

    def get(self, key: str) -> str | None:
        with self._sessions() as db:
            row = db.execute(
                select(KvEntry.value).where(KvEntry.key == key, KvEntry.expires_at > utcnow())
            ).first()
        return row[0] if row else None

    def take(self, key: str) -> str | None:
        with self._sessions.begin() as db:
            row = db.execute(
                delete(KvEntry).where(KvEntry.key == key).returning(KvEntry.value, KvEntry.expires_at)
            ).first()
        if row is None or row[1] <= utcnow():
            return None
        return str(row[0])

    def delete(self, key: str) -> None:
        with self._sessions.begin() as db:
            db.execute(delete(KvEntry).where(KvEntry.key == key))


class RedisKeyValueStore:
    def __init__(self, url: str, prefix: str = "ss:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, decode_responses=True)
        self._prefix = prefix

    def set(self, key: str, value: str, ttl: int) -> None:
        if ttl <= 0:  # Redis refuses a non-positive expiry; already expired means gone
            self.delete(key)
            return
        self._redis.set(self._prefix + key, value, ex=ttl)

    def add(self, key: str, value: str, ttl: int) -> bool:
        if ttl <= 0:
            return False
        return bool(self._redis.set(self._prefix + key, value, ex=ttl, nx=True))

    def get(self, key: str) -> str | None:
        value = self._redis.get(self._prefix + key)
        return None if value is None else str(value)

    def take(self, key: str) -> str | None:
        value = self._redis.getdel(self._prefix + key)
        return None if value is None else str(value)

    def delete(self, key: str) -> None:
        self._redis.delete(self._prefix + key)


def make_store(cache_url: str, engine: Engine) -> KeyValueStore:
    if cache_url:
        return RedisKeyValueStore(cache_url)
    return SqlKeyValueStore(engine)
