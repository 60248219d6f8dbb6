"""A platform's signing keys: RSA private keys, the public JWKS, rotation.

The newest key signs; every key stays in the JWKS so tokens signed before a
rotation keep verifying (as real platforms do during a rollover).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class KeyRing:
    """Ordered RSA keys (oldest first); the last one is the active signing key."""

    def __init__(self, keys: list[tuple[str, rsa.RSAPrivateKey]] | None = None) -> None:
        self._keys: list[tuple[str, rsa.RSAPrivateKey]] = list(keys or [])
        if not self._keys:
            self.rotate()

    @property
    def active_kid(self) -> str:
        return self._keys[-1][0]

    def rotate(self) -> str:
        """Add a fresh key, make it the signing key and return its kid."""
        # 2048 bits: what Canvas and Moodle use; generation takes ~50 ms.
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        kid = secrets.token_hex(8)
        self._keys.append((kid, key))
        return kid

    def private_key(self, kid: str | None = None) -> rsa.RSAPrivateKey:
        if kid is None:
            return self._keys[-1][1]
        for key_id, key in self._keys:
            if key_id == kid:
                return key
        raise KeyError(kid)

    def sign(
        self,
        claims: dict[str, Any],
        kid: str | None = None,
        alg: str = "RS256",
        headers: dict[str, Any] | None = None,
    ) -> str:
        """A compact JWS of ``claims`` signed with the key ``kid`` (default: active key)."""
        key_id = kid or self.active_kid
        all_headers = {"kid": key_id, "typ": "JWT", **(headers or {})}
        if alg == "none":
            return jwt.encode(claims, "", algorithm="none", headers=all_headers)
        if alg.startswith("HS"):
            # The classic algorithm-confusion attack: HMAC keyed with the public key PEM.
            return _hmac_with_public_key(claims, self.private_key(key_id), alg, all_headers)
        return jwt.encode(claims, self.private_key(key_id), algorithm=alg, headers=all_headers)

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set (every key, newest last)."""
        keys = []
        for kid, key in self._keys:
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
            keys.append(jwk)
        return {"keys": keys}

    def to_json(self) -> list[dict[str, str]]:
        """Serialisable form (development only: private keys in PEM, unencrypted)."""
        return [
            {
                "kid": kid,
                "pem": key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode(),
            }
            for kid, key in self._keys
        ]

    @classmethod
    def from_json(cls, data: list[dict[str, str]]) -> KeyRing:
        keys: list[tuple[str, rsa.RSAPrivateKey]] = []
        for item in data:
            key = serialization.load_pem_private_key(item["pem"].encode(), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError("devlms state holds a non-RSA key")
            keys.append((item["kid"], key))
        return cls(keys)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hmac_with_public_key(claims: dict[str, Any], key: rsa.RSAPrivateKey, alg: str, headers: dict[str, Any]) -> str:
    """A token a naive verifier would accept if it let the token pick HS* with the RSA public key."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    secret = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = _b64(json.dumps({**headers, "alg": alg}).encode()) + "." + _b64(json.dumps(claims).encode())
    signature = hmac.new(secret, signing_input.encode(), digest).digest()
    return signing_input + "." + _b64(signature)
