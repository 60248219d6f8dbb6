"""Values that are fine on a laptop and unsafe on a school's server: production refuses to start with them.

Each rule returns a sentence naming the SS_* variable and what to do, so the operator fixes all of them
at once from the first failed start.
"""

from __future__ import annotations

import base64
import binascii
from typing import Protocol
from urllib.parse import urlsplit

# Secrets that appear in examples and tutorials: never accepted as the real thing.
PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "secret", "dev", "development", "test", "please-change"})
MIN_SECRET_LENGTH = 32


class _ProductionValues(Protocol):
    base_url: str
    secret_key: str
    key_encryption_key: str
    database_url: str
    broker_url: str
    cache_url: str
    trusted_proxy_hops: int


def insecure_production_values(settings: _ProductionValues) -> list[str]:
    """Every reason the given production settings are unsafe (empty when they are fine)."""
    problems: list[str] = []
    base = urlsplit(settings.base_url)
    if base.scheme != "https" or not base.hostname:
        problems.append(
            "SS_BASE_URL must be the tool's public https:// address (LTI launches and cookies need TLS)"
        )
    elif base.hostname in ("localhost", "127.0.0.1", "::1"):
        problems.append("SS_BASE_URL points at this machine: use the address your LMS reaches")
    secret = settings.secret_key
    if secret.lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
        problems.append(
            f"SS_SECRET_KEY must be a random value of at least {MIN_SECRET_LENGTH} characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    if not _is_fernet_key(settings.key_encryption_key):
        problems.append(
            "SS_KEY_ENCRYPTION_KEY must be a Fernet key "
            '(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
        )
    if settings.database_url.startswith("sqlite"):
        problems.append("SS_DATABASE_URL must be PostgreSQL (postgresql+psycopg://…), not SQLite")
    if settings.broker_url.startswith("sqla+"):
        problems.append("SS_BROKER_URL must be Redis (redis://…), not the embedded SQL broker")
    if settings.cache_url and not settings.cache_url.startswith(("redis://", "rediss://", "unix://")):
        problems.append("SS_CACHE_URL must be a Redis URL (redis://…)")
    if settings.trusted_proxy_hops < 0:
        problems.append("SS_TRUSTED_PROXY_HOPS cannot be negative")
    return problems


def _is_fernet_key(value: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value.encode())) == 32
    except (binascii.Error, ValueError):
        return False
