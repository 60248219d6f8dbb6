"""Calling the platform's services: OAuth2 access tokens and authorised HTTP requests.

``ServiceSession`` gets a bearer token by client credentials with a
``private_key_jwt`` assertion (signed with our newest key; ``aud`` = the
registration's token audience or token URL; a unique ``jti``), caches it per
(registration, scopes) in the key/value store until shortly before it expires
(so web processes and workers share it), and re-checks the granted scopes at
every use: admins can strip scopes after registration, and the error must name
the missing one. The AGS and NRPS clients build on it (``tool.lti.ags``,
``tool.lti.nrps``).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import jwt
import requests

from tool.lti.registry import PlatformInfo, find_by_pk
from tool.lti.runtime import LtiRuntime

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TIMEOUT_SECONDS = 20
EXPIRY_MARGIN_SECONDS = 60
MAX_PAGES = 100


class ServiceError(Exception):
    """A platform service call failed; the message says what and, when known, why."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class MissingScope(ServiceError):
    def __init__(self, missing: Sequence[str], platform: PlatformInfo) -> None:
        names = ", ".join(sorted(missing))
        super().__init__(
            f"The platform {platform.issuer} has not granted Stepping Stones the scope {names}. "
            "Ask the LMS administrator to grant it in the tool's settings (developer key / tool configuration)."
        )
        self.missing = tuple(sorted(missing))


class ServiceSession:
    """Authorised requests to one platform's services."""

    def __init__(self, runtime: LtiRuntime, platform: PlatformInfo) -> None:
        self.runtime = runtime
        self.platform = platform

    @classmethod
    def for_registration(cls, runtime: LtiRuntime, registration_id: int) -> ServiceSession:
        platform = find_by_pk(runtime.registry, registration_id)
        if platform is None:
            raise ServiceError(f"registration {registration_id} no longer exists")
        return cls(runtime, platform)

    # -- tokens ---------------------------------------------------------------------
    def require_scopes(self, scopes: Sequence[str]) -> None:
        missing = [s for s in scopes if s not in self.platform.granted_scopes]
        if missing:
            raise MissingScope(missing, self.platform)

    def access_token(self, scopes: Sequence[str]) -> str:
        """A bearer token for exactly these scopes (cached in the kv store until near expiry)."""
        self.require_scopes(scopes)
        key = self._cache_key(scopes)
        cached = self.runtime.store.get(key)
        if cached:
            return str(json.loads(cached)["access_token"])
        answer = self._request_token(scopes)
        token = str(answer["access_token"])
        granted = answer.get("scope")
        if isinstance(granted, str) and granted.strip():
            missing = [s for s in scopes if s not in granted.split()]
            if missing:
                raise MissingScope(missing, self.platform)
        expires_in = int(answer.get("expires_in") or 0)
        ttl = expires_in - EXPIRY_MARGIN_SECONDS
        if ttl > 0:
            self.runtime.store.set(key, json.dumps({"access_token": token}), ttl)
        return token

    def forget_token(self, scopes: Sequence[str]) -> None:
        self.runtime.store.delete(self._cache_key(scopes))

    def client_assertion(self) -> str:
        key = self.runtime.tool_keys.signing_key()
        now = int(time.time())
        claims = {
            "iss": self.platform.client_id,
            "sub": self.platform.client_id,
            "aud": self.platform.token_audience or self.platform.auth_token_url,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def _request_token(self, scopes: Sequence[str]) -> dict[str, Any]:
        data = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.client_assertion(),
            "scope": " ".join(scopes),
        }
        try:
            response = self.runtime.http.post(
                self.platform.auth_token_url, data=data, timeout=TIMEOUT_SECONDS, headers={"Accept": "application/json"}
            )
        except requests.RequestException as exc:
            raise ServiceError(f"the platform's token endpoint could not be reached: {exc}") from exc
        if not response.ok:
            raise ServiceError(
                f"the platform refused an access token ({response.status_code}): {response.text[:300]}",
                response.status_code,
            )
        try:
            answer = response.json()
        except ValueError as exc:
            raise ServiceError("the platform's token answer is not JSON") from exc
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise ServiceError("the platform's token answer has no access_token")
        return answer

    def _cache_key(self, scopes: Sequence[str]) -> str:
        digest = hashlib.sha256(" ".join(sorted(set(scopes))).encode()).hexdigest()[:32]
        return f"lti-token:{self.platform.pk}:{digest}"

    # -- requests -------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        scopes: Sequence[str],
        *,
        accept: str = "application/json",
        json_body: Any = None,
        content_type: str | None = None,
        params: dict[str, str] | None = None,
    ) -> requests.Response:
        """One authorised request; a 401 drops the cached token and retries once."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.access_token(scopes)}", "Accept": accept}
            if content_type:
                headers["Content-Type"] = content_type
            try:
                response = self.runtime.http.request(
                    method,
                    url,
                    headers=headers,
                    data=None if json_body is None else json.dumps(json_body),
                    params=params,
                    timeout=TIMEOUT_SECONDS,
                )
            except requests.RequestException as exc:
                raise ServiceError(f"{method} {url} failed: {exc}") from exc
            if response.status_code == 401 and attempt == 1:
                self.forget_token(scopes)
                continue
            if not response.ok:
                raise ServiceError(
                    f"{method} {url} answered {response.status_code}: {response.text[:300]}", response.status_code
                )
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def pages(
        self, url: str, scopes: Sequence[str], accept: str, params: dict[str, str] | None = None
    ) -> Iterator[requests.Response]:
        """GET ``url`` and every page after it (``Link: <...>; rel="next"``)."""
        next_url: str | None = url
        seen = 0
        while next_url and seen < MAX_PAGES:
            response = self.request("GET", next_url, scopes, accept=accept, params=params)
            params = None  # the next link already carries the query
            seen += 1
            yield response
            next_url = response.links.get("next", {}).get("url")
