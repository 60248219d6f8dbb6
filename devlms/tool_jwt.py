"""Verifying JWTs that a tool signs (client assertions, deep-linking responses).

The tool's keys come from its registered JWKS URL over HTTP. They are cached per
URL and fetched again once when a token names an unknown kid (the tool rotated).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import jwt
import requests
from jwt.algorithms import RSAAlgorithm

from devlms.model import Tool

JWKS_CACHE_SECONDS = 300


class ToolJwtError(Exception):
    """The JWT is not acceptable; ``str(exc)`` says why."""


class ToolKeyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def _fetch(self, url: str) -> dict[str, Any]:
        # Not under any platform lock: the tool may be answering other devlms calls meanwhile.
        try:
            response = requests.get(url, timeout=5)
            response.raise_for_status()
            jwks: dict[str, Any] = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ToolJwtError(f"could not fetch the tool's JWKS from {url}: {exc}") from exc
        with self._lock:
            self._cache[url] = (time.time(), jwks)
        return jwks

    def key_for(self, url: str, kid: str | None) -> Any:
        with self._lock:
            cached = self._cache.get(url)
        fresh = False
        if cached is None or cached[0] + JWKS_CACHE_SECONDS < time.time():
            jwks, fresh = self._fetch(url), True
        else:
            jwks = cached[1]
        key = _pick(jwks, kid)
        if key is None and not fresh:
            key = _pick(self._fetch(url), kid)
        if key is None:
            raise ToolJwtError(f"no key with kid {kid!r} in the tool's JWKS")
        return RSAAlgorithm.from_jwk(json.dumps(key))


def _pick(jwks: dict[str, Any], kid: str | None) -> dict[str, Any] | None:
    keys = [key for key in jwks.get("keys", []) if isinstance(key, dict) and key.get("kty") == "RSA"]
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((key for key in keys if key.get("kid") == kid), None)


def verify_tool_jwt(cache: ToolKeyCache, tool: Tool, token: str, audience: list[str]) -> dict[str, Any]:
    """Claims of ``token`` if it is RS256-signed by ``tool``, unexpired, and for one of ``audience``."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise ToolJwtError(f"malformed JWT: {exc}") from exc
    if header.get("alg") != "RS256":
        raise ToolJwtError(f"unsupported alg {header.get('alg')!r} (RS256 required)")
    key = cache.key_for(tool.jwks_url, header.get("kid"))
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=audience,
            # Small leeway: the tool and the platform share a clock here, but real ones drift.
            leeway=5,
            options={"require": ["iss", "aud", "exp", "iat"]},
        )
    except jwt.PyJWTError as exc:
        raise ToolJwtError(str(exc)) from exc
    if claims["iss"] != tool.client_id:
        raise ToolJwtError("iss must be the tool's client_id")
    return claims
