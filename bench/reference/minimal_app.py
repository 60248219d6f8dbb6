"""The floor of honest launch work: only what no LTI 1.3 tool can skip, for the launch burst's comparison.

Login: a random nonce, a signed state (itsdangerous, cached serializer, no compression) and the redirect
to the platform. Launch: parse the form, check the state's signature and age, split the id_token, verify
its RS256 signature with the platform's cached key, compare the nonce, make the nonce single use with one
Redis ``SET NX`` that also stores the claims, and redirect with a signed launch token. No registration
look-up, no claim validation beyond the nonce, no browser binding, no security headers, no logs and no
rate limits: it shows how much of the tool's cost is the work itself and how much is everything the tool
adds for safety and operations.

Configured by environment: REF_JWKS_URL, REF_AUTH_URL (the platform), REF_REDIS_URL (the shared store).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import urllib.request
from typing import Any
from urllib.parse import urlencode

import redis
from flask import Flask, Response, request
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer
from jwt.algorithms import RSAAlgorithm

app = Flask(__name__)
STORE = redis.Redis.from_url(os.environ.get("REF_REDIS_URL", "redis://127.0.0.1:6379/9"))
RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)
KEYS: dict[str, Any] = {}


class Uncompressed(URLSafeTimedSerializer):
    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))


STATE = Uncompressed("minimal-secret", salt="state")
TOKEN = Uncompressed("minimal-secret", salt="launch")


def platform_key(kid: str) -> Any:
    if kid not in KEYS:
        with urllib.request.urlopen(os.environ["REF_JWKS_URL"], timeout=10) as answer:  # noqa: S310 (loopback)
            for jwk in json.load(answer)["keys"]:
                KEYS[jwk["kid"]] = RSAAlgorithm.from_jwk(json.dumps(jwk))
    return KEYS[kid]


def b64(part: bytes) -> bytes:
    return base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))


@app.get("/lti/login")
def login() -> Response:
    args = request.args
    nonce = secrets.token_urlsafe(32)
    state = STATE.dumps([nonce, args["iss"], args["target_link_uri"]])
    query = urlencode({"scope": "openid", "response_type": "id_token", "client_id": args["client_id"],
                       "redirect_uri": args["target_link_uri"], "state": state, "nonce": nonce,
                       "login_hint": args["login_hint"]})
    return Response(status=302, headers={"Location": os.environ["REF_AUTH_URL"] + "?" + query})


@app.post("/lti/launch")
def launch() -> Response | tuple[str, int]:
    form = request.form
    nonce = STATE.loads(form["state"], max_age=600)[0]
    head, body, signature = form["id_token"].encode().split(b".")
    header, claims = json.loads(b64(head)), json.loads(b64(body))
    if not RS256.verify(head + b"." + body, platform_key(header["kid"]), b64(signature)):
        return "bad signature", 400
    if claims.get("nonce") != nonce:
        return "bad nonce", 400
    launch_id = hashlib.sha256(nonce.encode()).hexdigest()[:32]
    if not STORE.set("launch:" + launch_id, json.dumps(claims), nx=True, ex=8 * 3600):
        return "replayed", 400
    return Response(status=303, headers={"Location": "/student/?lt=" + TOKEN.dumps(launch_id)})
