"""Rate limits on the unauthenticated endpoints, with the ``limits`` library.

``limits`` is the counting engine flask-limiter is built on; used directly it
costs one counter increment per limited request and nothing on the others
(flask-limiter's own request hooks cost more CPU than a whole launch's checks).
Fixed one-minute (or per-rule) windows, per client address (after ProxyFix, the
real client behind the TLS proxy) and per endpoint. A flood is answered 429 with
a clear page.

Two tiers, chosen per rule:

* **per process** (the default, for the LTI login and launch): each web process
  counts in its own memory, so a launch costs no counter round trip. These rules
  are flood guards far above any real class (a class of 300 behind one school
  address is 5 % of the default), so counting per process is enough: the whole
  server admits at most "processes x rule" before answering 429. The counters
  are a plain dict per window (``ProcessCounters``): ``limits``' own
  MemoryStorage starts a timer thread on every busy window, which cost more than
  a Redis round trip per request.
* **shared** (``shared=True``: Dynamic Registration, the admin console's password):
  tight limits that must hold across every process, counted in Redis when
  ``SS_CACHE_URL`` is a Redis URL (in process memory otherwise). If Redis is
  unreachable the limit is skipped, never a 500.

Other features reuse it: ``limit_endpoint(app, "lti.register", settings.rate_limit_register, shared=True)``.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from flask import Flask, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

EXTENSION = "ss_rate_limits"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    item: RateLimitItem
    shared: bool


class ProcessCounters:
    """Fixed-window hit counters in this process's memory, forgotten when their window ends."""

    MAX_KEYS = 100_000  # a flood from ever new addresses cannot grow memory without bound

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[int, tuple[int, dict[str, int]]] = {}  # window length -> (window number, counts)

    def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        length = item.get_expiry()
        number = int(time.time() // length)
        key = item.key_for(*identifiers)
        with self._lock:
            window = self._windows.get(length)
            if window is None or window[0] != number or len(window[1]) >= self.MAX_KEYS:
                window = (number, {})
                self._windows[length] = window
            count = window[1].get(key, 0) + 1
            window[1][key] = count
        return count <= item.amount


class EndpointLimits:
    """Per-app rules by endpoint, checked in one ``before_request`` hook."""

    def __init__(self, app: Flask) -> None:
        settings = app.config["SETTINGS"]
        uri = settings.cache_url if settings.cache_url.startswith(("redis://", "rediss://")) else "memory://"
        self._local = ProcessCounters()
        self._shared = FixedWindowRateLimiter(storage_from_string(uri, key_prefix="ss-rate"))
        self.rules: dict[str, list[Rule]] = {}
        app.before_request(self._check)

    def _check(self) -> None:
        endpoint = request.endpoint
        rules = self.rules.get(endpoint or "")
        if not rules:
            return
        client = request.remote_addr or "unknown"
        for rule in rules:
            limiter = self._shared if rule.shared else self._local
            try:
                allowed = limiter.hit(rule.item, endpoint or "", client)
            except Exception:  # the counter store is down: serve rather than fail
                log.warning("rate limit store unavailable; %s not limited", endpoint, exc_info=True)
                return
            if not allowed:
                raise TooManyRequests()


def limit_endpoint(app: Flask, endpoint: str, rule: str, *, shared: bool = False) -> None:
    """Apply ``rule`` (e.g. "6000 per minute", several separated by ";"; "" = no limit) to an endpoint.

    ``shared`` counts across every web process (Redis); otherwise each process counts its own requests.
    """
    if not rule:
        return
    limits: EndpointLimits = app.extensions.get(EXTENSION) or app.extensions.setdefault(EXTENSION, EndpointLimits(app))
    limits.rules[endpoint] = [*limits.rules.get(endpoint, []), *(Rule(item, shared) for item in parse_many(rule))]
