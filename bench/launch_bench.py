"""How much a launch costs beyond its signature check, on the embedded default (SQLite + SQL store).

A whole class launches at once: N students each POST an id_token. For every
launch we time the full POST to /lti/launch (state take, RS256 verify, nonce
consume, deployment lookup, launch stored, redirect) and, on the same tokens,
the bare RS256 signature check with PyJWT. The OIDC login GET before each
launch is timed separately. The platform's JWKS is served over loopback HTTP
and must be fetched exactly once.

    .venv/bin/python bench/launch_bench.py [-n 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ISSUER, CLIENT_ID, TOOL = "https://bench.platform", "bench-client", "http://127.0.0.1:5000"


def serve_jwks(jwk: dict[str, Any]) -> tuple[str, list[int], Any]:
    hits = [0]

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        hits[0] += 1 if Request(environ).path == "/jwks" else 0
        return Response(json.dumps({"keys": [jwk]}), content_type="application/json")(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", hits, server


def ms(values: list[float]) -> str:
    return f"mean {statistics.fmean(values) * 1000:.2f} ms, median {statistics.median(values) * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="launches (students)")
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="ss-bench-")
    os.environ.update(SS_ENV="test", SS_INSTANCE_DIR=instance, SS_DATABASE_URL="", SS_CACHE_URL="", SS_BASE_URL=TOOL)
    from config.settings import get_settings
    from tool import create_app
    from tool.db import upgrade_schema
    from tool.lti.runtime import get_runtime

    get_settings.cache_clear()
    app = create_app(get_settings(), TESTING=True)
    upgrade_schema(app)
    # Baseline: the same POST to a route that does nothing (Flask + form parsing + test client).
    app.add_url_rule("/bench/noop", "bench_noop", lambda: ("", 204), methods=["POST"])

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = uuid.uuid4().hex
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key())) | {"kid": kid, "alg": "RS256"}
    url, hits, server = serve_jwks(jwk)
    get_runtime(app).registry.save_registration(
        issuer=ISSUER, client_id=CLIENT_ID, auth_login_url=url + "/auth", auth_token_url=url + "/token",
        jwks_url=url + "/jwks", deployment_ids=("1",),
    )
    client = app.test_client()
    get_runtime(app).tool_keys.signing_key()  # the tool's own key exists before the class arrives

    login_times, launch_times, tokens = [], [], []
    for n in range(args.n):
        t0 = time.perf_counter()
        response = client.get("/lti/login", query_string={
            "iss": ISSUER, "client_id": CLIENT_ID, "login_hint": str(n), "target_link_uri": TOOL + "/lti/launch"})
        login_times.append(time.perf_counter() - t0)
        auth = {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}
        now = int(time.time())
        claims = {
            "iss": ISSUER, "aud": CLIENT_ID, "sub": f"student-{n}", "iat": now, "exp": now + 60,
            "nonce": auth["nonce"], "name": f"Student {n}",
            LTI + "deployment_id": "1", LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
            LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            LTI + "resource_link": {"id": "rl-1"}, LTI + "context": {"id": "course-101"},
        }
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
        tokens.append(token)
        t0 = time.perf_counter()
        response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]})
        launch_times.append(time.perf_counter() - t0)
        if response.status_code != 303:
            raise SystemExit(f"launch {n} failed: {response.status_code} {response.get_data(as_text=True)[:300]}")

    noop_times = []
    for token in tokens:
        t0 = time.perf_counter()
        client.post("/bench/noop", data={"id_token": token, "state": "state-x"})
        noop_times.append(time.perf_counter() - t0)
    store = app.extensions["kv_store"]
    store_times = []
    for n in range(args.n):
        t0 = time.perf_counter()
        store.set(f"bench:{n}", "x" * 1500, 60)  # a launch record is ~1.5 kB
        store.take(f"bench:{n}")
        store_times.append(time.perf_counter() - t0)

    public = jwt.PyJWK(jwk).key
    verify_times = []
    for token in tokens:
        t0 = time.perf_counter()
        jwt.decode(token, public, algorithms=["RS256"], audience=CLIENT_ID, options={"verify_exp": False})
        verify_times.append(time.perf_counter() - t0)
    server.shutdown()

    full, bare = statistics.fmean(launch_times), statistics.fmean(verify_times)
    print(f"launches: {args.n} (embedded default: SQLite database in WAL mode, SQL key/value store)")
    print(f"platform JWKS fetches: {hits[0]}")
    print(f"OIDC login GET:            {ms(login_times)}")
    print(f"full launch POST:          {ms(launch_times)}")
    print(f"bare RS256 signature check: {ms(verify_times)}")
    print(f"empty Flask POST (baseline): {ms(noop_times)}")
    print(f"kv store set + take (the two writes a launch needs): {ms(store_times)}")
    print(f"ratio full/bare: {full / bare:.1f}x; overhead per launch: {(full - bare) * 1000:.2f} ms")
    print(f"a class of 30 launching at once: ~{30 * (statistics.fmean(login_times) + full) * 1000:.0f} ms of "
          "server time in total (single process)")


if __name__ == "__main__":
    main()
