"""Rate limits on the unauthenticated endpoints, with the ``limits`` library.

``limits`` is the counting engine flask-limiter is built on; used directly it
costs one counter increment per limited request and nothing on the others
(flask-limiter's own request hooks cost more CPU than a whole launch's checks).
Counters live in Redis when ``SS_CACHE_URL`` is a Redis URL (shared by every web
process, as production runs), in process memory otherwise (development). Fixed
one-minute (or per-rule) windows, per client address (after ProxyFix, the real
client behind the TLS proxy) and per endpoint. A whole class behind one school
address launching at once is far below the default; a flood is answered 429
with a clear page. If Redis is unreachable the limit is skipped, never a 500.

Other features reuse it: ``limit_endpoint(app, "lti.register", settings.rate_limit_register)``.
"""

from __future__ import annotations

import logging

from flask import Flask, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

EXTENSION = "ss_rate_limits"
log = logging.getLogger(__name__)


class EndpointLimits:
    """Per-app rules by endpoint, checked in one ``before_request`` hook."""

    def __init__(self, app: Flask) -> None:
        settings = app.config["SETTINGS"]
        uri = settings.cache_url if settings.cache_url.startswith(("redis://", "rediss://")) else "memory://"
        self._limiter = FixedWindowRateLimiter(storage_from_string(uri, key_prefix="ss-rate"))
        self.rules: dict[str, list[RateLimitItem]] = {}
        app.before_request(self._check)

    def _check(self) -> None:
        rules = self.rules.get(request.endpoint or "")
        if not rules:
            return
        client = request.remote_addr or "unknown"
        for item in rules:
            try:
                allowed = self._limiter.hit(item, request.endpoint or "", client)
            except Exception:  # the counter store is down: serve rather than fail
                log.warning("rate limit store unavailable; %s not limited", request.endpoint, exc_info=True)
                return
            if not allowed:
                raise TooManyRequests()


def limit_endpoint(app: Flask, endpoint: str, rule: str) -> None:
    """Apply ``rule`` (e.g. "6000 per minute", several separated by ";"; "" = no limit) to an endpoint."""
    if not rule:
        return
    limits: EndpointLimits = app.extensions.get(EXTENSION) or app.extensions.setdefault(EXTENSION, EndpointLimits(app))
    limits.rules[endpoint] = [*limits.rules.get(endpoint, []), *parse_many(rule)]
