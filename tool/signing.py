"""Signed, URL-safe, expiring values (login state, launch tokens, admin sessions) with itsdangerous.

One serializer per app and purpose, built once: building one derives its key (an HMAC) each time,
and a whole class launching at once signs and checks two values per launch. Values are not zlib
compressed: for the few hundred bytes signed here compressing cost more than the signature itself.
Compressed values signed by earlier versions still load (itsdangerous marks them with a leading ".").
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer

EXTENSION = "ss_serializers"


class UncompressedSerializer(URLSafeTimedSerializer):
    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))


def serializer(salt: str) -> URLSafeTimedSerializer:
    """The current app's serializer for ``salt`` (its SECRET_KEY, created on first use)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache: dict[tuple[str, str], URLSafeTimedSerializer] = app.extensions.setdefault(EXTENSION, {})
    key = (app.config["SECRET_KEY"], salt)
    found = cache.get(key)
    if found is None:
        found = cache[key] = UncompressedSerializer(key[0], salt=salt)
    return found
