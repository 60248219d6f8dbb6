"""Rate limits on the unauthenticated LTI endpoints, with flask-limiter.

Counters live in Redis when ``SS_CACHE_URL`` is a Redis URL (shared by every
web process, as production runs), in process memory otherwise (development).
Limits are per client address (after ProxyFix, the real client behind the TLS
proxy) and per endpoint. A whole class behind one school address launching at
once is far below the default; a flood is answered 429 with a clear page.
If Redis is unreachable the limit is skipped (``swallow_errors``), never a 500.

Other features reuse it: ``limit_endpoint(app, "lti.register", settings.rate_limit_register)``.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

EXTENSION = "ss_limiter"


def init_app(app: Flask) -> Limiter:
    settings = app.config["SETTINGS"]
    storage = settings.cache_url if settings.cache_url.startswith(("redis://", "rediss://")) else "memory://"
    limiter = Limiter(
        key_func=get_remote_address,
        app=app,
        storage_uri=storage,
        key_prefix="ss-rate",
        strategy="fixed-window",  # one INCR round trip per request (moving-window runs a Lua list script)
        swallow_errors=True,
        headers_enabled=False,
    )
    app.extensions[EXTENSION] = limiter
    return limiter


def limit_endpoint(app: Flask, endpoint: str, rule: str) -> None:
    """Apply ``rule`` (e.g. "6000 per minute"; "" = no limit) to an already registered endpoint."""
    if not rule:
        return
    limiter: Limiter = app.extensions.get(EXTENSION) or init_app(app)
    view = app.view_functions[endpoint]
    app.view_functions[endpoint] = limiter.limit(rule, scope=endpoint)(view)  # type: ignore[assignment]
