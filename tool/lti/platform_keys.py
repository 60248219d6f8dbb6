"""Platforms' public keys, fetched from their JWKS URL and kept in process.

Parsed key objects are cached per JWKS URL, so verifying a launch costs one
RSA signature check and no HTTP or parsing. A kid we do not know triggers ONE
refetch (the platform may have rotated its keys); if the kid is still unknown
the launch is refused. The refetch can only be triggered after a valid,
single-use OIDC state was presented, which bounds how often it can happen.

A key set is also fetched again once it is ``max_age_seconds`` old, so a key the
platform withdrew (compromised, retired) stops being trusted within that time;
if the platform cannot be reached then, the known keys keep serving launches.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from jwt import PyJWK
from jwt.exceptions import PyJWKError

FETCH_TIMEOUT_SECONDS = 10
MAX_AGE_SECONDS = 3600.0
# Unknown kids refetch a key set at most this many times a minute per URL: tokens with made-up kids
# (anyone can get a login state) must not turn us into a request amplifier against the platform.
UNKNOWN_KID_REFETCHES_PER_MINUTE = 10


class PlatformKeyError(Exception):
    """The platform's key for this token cannot be found or fetched."""


class PlatformKeys:
    def __init__(
        self,
        http: requests.Session | None = None,
        max_age_seconds: float = MAX_AGE_SECONDS,
        refetches_per_minute: int = UNKNOWN_KID_REFETCHES_PER_MINUTE,
    ) -> None:
        self._http = http or requests.Session()
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, PyJWK]] = {}
        self._fetched_at: dict[str, float] = {}
        self.max_age_seconds = max_age_seconds
        self.refetches_per_minute = refetches_per_minute
        self._refetches: dict[str, list[float]] = {}
        self.fetch_count = 0  # observable in tests and the benchmark

    def _fresh(self, jwks_url: str, kid: str) -> PyJWK | None:
        keys = self._keys.get(jwks_url)
        if keys is None or kid not in keys:
            return None
        if time.monotonic() - self._fetched_at.get(jwks_url, 0.0) >= self.max_age_seconds:
            return None
        return keys[kid]

    def key(self, jwks_url: str, kid: str) -> PyJWK:
        """The platform key named ``kid``; refetches the JWKS once if it is unknown or old."""
        hit = self._fresh(jwks_url, kid)
        if hit is not None:
            return hit
        with self._lock:
            # Another thread may have refreshed while we waited.
            hit = self._fresh(jwks_url, kid)
            if hit is not None:
                return hit
            known = self._keys.get(jwks_url)
            if known is not None and kid not in known and not self._may_refetch(jwks_url):
                raise PlatformKeyError(
                    f"the platform's key set at {jwks_url} has no key with id {kid!r} (refetched too often just now)"
                )
            try:
                keys = self._fetch(jwks_url)
            except PlatformKeyError:
                if known is not None and kid in known:
                    return known[kid]  # the platform is unreachable: keep serving with what it last said
                raise
            self._keys[jwks_url] = keys
            self._fetched_at[jwks_url] = time.monotonic()
        if kid not in keys:
            raise PlatformKeyError(
                f"the platform's key set at {jwks_url} has no key with id {kid!r}, even after refreshing it"
            )
        return keys[kid]

    def _may_refetch(self, jwks_url: str) -> bool:
        """Sliding one-minute window of unknown-kid refetches (called under the lock)."""
        now = time.monotonic()
        recent = [t for t in self._refetches.get(jwks_url, []) if now - t < 60.0]
        allowed = len(recent) < self.refetches_per_minute
        if allowed:
            recent.append(now)
        self._refetches[jwks_url] = recent
        return allowed

    def invalidate(self, jwks_url: str | None = None) -> None:
        with self._lock:
            if jwks_url is None:
                self._keys.clear()
                self._fetched_at.clear()
            else:
                self._keys.pop(jwks_url, None)
                self._fetched_at.pop(jwks_url, None)

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
