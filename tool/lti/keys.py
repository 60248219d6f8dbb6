"""The tool's own RSA keys: creation, encryption at rest, the published JWKS, rotation.

Private keys are stored Fernet-encrypted (``settings.key_encryption_key``) and
decrypted once per process: the ``ToolKeyRing`` keeps the newest active key in
memory for ``CACHE_SECONDS`` so signing (client assertions, deep-linking
responses) never decrypts per request. Another process's rotation becomes
visible here within that window; the JWKS itself is read from the database on
every request (it is fetched rarely), so a new key is published at once.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from tool.db import utcnow
from tool.lti.models import ToolKey

KEY_BITS = 2048
DEFAULT_OVERLAP = timedelta(days=7)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict[str, Any]

    @cached_property
    def private_pem(self) -> str:
        # Serialised once per key and process (pylti1p3's Registration wants PEM text).
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()


class ToolKeyRing:
    """Per-app access to the tool's keys (thread-safe; one instance per app)."""

    CACHE_SECONDS = 300.0

    def __init__(self, engine: Engine, encryption_key: str) -> None:
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._fernet = Fernet(encryption_key.encode())
        self._lock = threading.Lock()
        self._cached: SigningKey | None = None
        self._cached_at = 0.0

    def signing_key(self) -> SigningKey:
        """The newest active key, created on first use."""
        now = time.monotonic()
        cached = self._cached
        if cached is not None and now - self._cached_at < self.CACHE_SECONDS:
            return cached
        with self._lock:
            with self._sessions() as db:
                row = db.scalars(
                    select(ToolKey).where(ToolKey.active.is_(True)).order_by(ToolKey.id.desc()).limit(1)
                ).first()
            if row is None:
                return self._remember(self.create_key())
            return self._remember(self._decrypt(row))

    def jwks(self) -> dict[str, Any]:
        """Every active public key, each with its kid (creates the first key if none)."""
        with self._sessions() as db:
            rows = db.scalars(select(ToolKey).where(ToolKey.active.is_(True)).order_by(ToolKey.id)).all()
        if not rows:
            return {"keys": [self.signing_key().public_jwk]}
        return {"keys": [json.loads(row.public_jwk) for row in rows]}

    def create_key(self) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        kid = uuid.uuid4().hex
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
        jwk.update(kid=kid, alg="RS256", use="sig")
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        with self._sessions.begin() as db:
            db.add(
                ToolKey(
                    kid=kid,
                    public_jwk=json.dumps(jwk),
                    private_key_encrypted=self._fernet.encrypt(pem).decode(),
                )
            )
        return SigningKey(kid=kid, private_key=private_key, public_jwk=jwk)

    def rotate(self, overlap: timedelta = DEFAULT_OVERLAP) -> tuple[SigningKey, list[str]]:
        """Add a new signing key; retire active keys created more than ``overlap`` ago.

        The key that was newest before the rotation always stays published (even
        if old), so platforms that cached our JWKS keep verifying until the next
        rotation. Returns the new key and the kids retired.
        """
        with self._lock:
            with self._sessions.begin() as db:
                active = db.scalars(
                    select(ToolKey).where(ToolKey.active.is_(True)).order_by(ToolKey.id.desc())
                ).all()
                cutoff = utcnow() - overlap
                retired = []
                for index, row in enumerate(active):
                    if index > 0 and row.created_at <= cutoff:
                        row.active = False
                        row.retired_at = utcnow()
                        retired.append(row.kid)
            new_key = self.create_key()
            self._remember(new_key)
        return new_key, retired

    def invalidate(self) -> None:
        self._cached = None

    def _remember(self, key: SigningKey) -> SigningKey:
        self._cached, self._cached_at = key, time.monotonic()
        return key

    def _decrypt(self, row: ToolKey) -> SigningKey:
        pem = self._fernet.decrypt(row.private_key_encrypted.encode())
        private_key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise TypeError(f"tool key {row.kid} is not an RSA key")
        return SigningKey(kid=row.kid, private_key=private_key, public_jwk=json.loads(row.public_jwk))
