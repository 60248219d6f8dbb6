"""Platforms' public keys, fetched from their JWKS URL and kept in process.

Parsed key objects are cached per JWKS URL, so verifying a launch costs one
RSA signature check and no HTTP or parsing. A kid we do not know triggers ONE
refetch (the platform may have rotated its keys); if the kid is still unknown
the launch is refused. The refetch can only be triggered after a valid,
single-use OIDC state was presented, which bounds how often it can happen.
"""

from __future__ import annotations

import threading
from typing import Any

import requests
from jwt import PyJWK
from jwt.exceptions import PyJWKError

FETCH_TIMEOUT_SECONDS = 10


class PlatformKeyError(Exception):
    """The platform's key for this token cannot be found or fetched."""


class PlatformKeys:
    def __init__(self, http: requests.Session | None = None) -> None:
        self._http = http or requests.Session()
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, PyJWK]] = {}
        self.fetch_count = 0  # observable in tests and the benchmark

    def key(self, jwks_url: str, kid: str) -> PyJWK:
        """The platform key named ``kid``; refetches the JWKS once if it is unknown."""
        keys = self._keys.get(jwks_url)
        if keys is not None and kid in keys:
            return keys[kid]
        with self._lock:
            # Another thread may have refreshed while we waited.
            keys = self._keys.get(jwks_url)
            if keys is not None and kid in keys:
                return keys[kid]
            keys = self._fetch(jwks_url)
            self._keys[jwks_url] = keys
        if kid not in keys:
            raise PlatformKeyError(
                f"the platform's key set at {jwks_url} has no key with id {kid!r}, even after refreshing it"
            )
        return keys[kid]

    def invalidate(self, jwks_url: str | None = None) -> None:
        with self._lock:
            if jwks_url is None:
                self._keys.clear()
            else:
                self._keys.pop(jwks_url, None)

    def _fetch(self, jwks_url: str) -> dict[str, PyJWK]:
        self.fetch_count += 1
        try:
            response = self._http.get(jwks_url, timeout=FETCH_TIMEOUT_SECONDS)
            response.raise_for_status()
            document: Any = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise PlatformKeyError(f"could not fetch the platform's key set from {jwks_url}: {exc}") from exc
        parsed: dict[str, PyJWK] = {}
        for entry in document.get("keys", []) if isinstance(document, dict) else []:
            if not isinstance(entry, dict) or not entry.get("kid") or entry.get("kty") != "RSA":
                continue  # we only verify RS* tokens; other key types cannot sign them
            try:
                parsed[str(entry["kid"])] = PyJWK(entry, algorithm=str(entry.get("alg") or "RS256"))
            except PyJWKError:
                continue
        return parsed
