"""Short-lived key/value data: OIDC state, nonces, launch data, cached tokens.

Redis in production (``SS_CACHE_URL``); the SQL database for the embedded
default. Both give the one operation security depends on: ``take`` reads and
deletes a key atomically, so a nonce or a single-use token is consumed once.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import String, Text, delete, insert, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from tool.db import Base, utcnow

log = logging.getLogger(__name__)


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

        # Short timeouts: a Redis that is down must cost a request milliseconds, not a hang.
        self._redis = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=0.5, socket_timeout=2, health_check_interval=30
        )
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


class FallbackKeyValueStore:
    """Redis first; while Redis cannot be reached, the SQL store (never an HTTP 500).

    Keys written during an outage live in the SQL store. After one, a key Redis does not
    have is also looked up there (for as long as such keys can live), so a login begun
    during the outage completes after it and a nonce used during it stays used. Keys written
    to Redis before the outage are missing while it lasts: that reads as "expired" (a clear
    page asking to launch again), never as a crash.
    """

    FALLBACK_MEMORY_SECONDS = 8 * 3600  # the longest-lived key: a launch record

    def __init__(self, primary: RedisKeyValueStore, fallback: SqlKeyValueStore) -> None:
        self._primary, self._fallback = primary, fallback
        self._down_until = 0.0
        self._fallback_used_at: float | None = None

    def _call(self, name: str, *args: Any) -> tuple[bool, Any]:
        """(answered by Redis, answer)."""
        import redis

        if time.monotonic() >= self._down_until:
            try:
                return True, getattr(self._primary, name)(*args)
            except (redis.ConnectionError, redis.TimeoutError):
                # Skip Redis for a second rather than paying its connect timeout on every call.
                self._down_until = time.monotonic() + 1.0
                log.warning("Redis cache unreachable; using the SQL store for %s", name)
        self._fallback_used_at = time.monotonic()
        return False, getattr(self._fallback, name)(*args)

    def _fallback_may_hold_keys(self) -> bool:
        used = self._fallback_used_at
        return used is not None and time.monotonic() - used < self.FALLBACK_MEMORY_SECONDS

    def set(self, key: str, value: str, ttl: int) -> None:
        self._call("set", key, value, ttl)

    def add(self, key: str, value: str, ttl: int) -> bool:
        if self._fallback_may_hold_keys() and self._fallback.get(key) is not None:
            return False
        return bool(self._call("add", key, value, ttl)[1])

    def get(self, key: str) -> str | None:
        from_redis, value = self._call("get", key)
        if value is None and from_redis and self._fallback_may_hold_keys():
            value = self._fallback.get(key)
        return None if value is None else str(value)

    def take(self, key: str) -> str | None:
        from_redis, value = self._call("take", key)
        if value is None and from_redis and self._fallback_may_hold_keys():
            value = self._fallback.take(key)
        return None if value is None else str(value)

    def delete(self, key: str) -> None:
        from_redis, _ = self._call("delete", key)
        if from_redis and self._fallback_may_hold_keys():
            self._fallback.delete(key)


def make_store(cache_url: str, engine: Engine) -> KeyValueStore:
    if cache_url:
        return FallbackKeyValueStore(RedisKeyValueStore(cache_url), SqlKeyValueStore(engine))
    return SqlKeyValueStore(engine)
