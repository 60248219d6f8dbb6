"""Cookie flags and security headers through the real production server process.

gunicorn is started with the shipped ``config/gunicorn.conf.py`` on 127.0.0.1;
the test plays the TLS proxy by sending ``X-Forwarded-Proto: https`` and
``X-Forwarded-Host``. With ``SS_TRUSTED_PROXY_HOPS=1`` the app must see https
(ProxyFix) and answer cross-site-capable cookies, HSTS and the CSP; a full
login + launch then completes through the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.lti.platform import INSTRUCTOR, LTI, LoopbackPlatform, register

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "https://tool.example"
PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "tool.example", "X-Forwarded-For": "203.0.113.9"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def production_server(settings, platform: LoopbackPlatform) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from tool import create_app
    from tool.db import upgrade_schema

    app = create_app(settings.model_copy(update={"base_url": PUBLIC}), TESTING=True)
    upgrade_schema(app)
    register(app, platform)
    app.extensions["db_engine"].dispose()
    port = _free_port()
    env = {
        **os.environ,
        "SS_BASE_URL": PUBLIC,
        "SS_TRUSTED_PROXY_HOPS": "1",
        "SS_FORWARDED_ALLOW_IPS": "127.0.0.1",
        "SS_WEB_WORKERS": "1",
        "SS_WEB_THREADS": "2",
        "SS_DATABASE_URL": settings.database_url,
        "SS_INSTANCE_DIR": str(settings.instance_dir),
    }
    log = (settings.instance_dir / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "config" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--worker-tmp-dir", str(settings.instance_dir)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/lti/jwks", timeout=10)
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError((settings.instance_dir / "gunicorn.log").read_text()[-3000:]) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _login(http: requests.Session, url: str, platform: LoopbackPlatform) -> requests.Response:
    return http.get(url + "/lti/login", params={"iss": platform.issuer, "client_id": platform.client_id,
                                                "login_hint": "u", "target_link_uri": PUBLIC + "/lti/launch"},
                    headers=PROXY, allow_redirects=False, timeout=10)


def test_cookie_flags_and_headers_behind_the_tls_proxy(production_server, platform):
    http = requests.Session()
    response = _login(http, production_server, platform)
    assert response.status_code == 302, response.text
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-ss-browser=")
    for flag in ("Secure", "HttpOnly", "SameSite=None", "Partitioned", "Path=/"):
        assert flag in cookie, cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["Cache-Control"] == "no-store"
    location = response.headers["Location"]
    assert location.startswith(platform.url + "/auth?")
    # The launch URL the platform must post to is the public https one.
    assert parse_qs(urlsplit(location).query)["redirect_uri"] == [PUBLIC + "/lti/launch"]
    csp = http.get(production_server + "/lti/jwks", headers=PROXY, timeout=10).headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {platform.issuer} {platform.url}" in csp or (
        "frame-ancestors" in csp and platform.url in csp and platform.issuer in csp
    )


def test_a_full_launch_through_the_server_and_a_foreign_browser_refused(production_server, platform):
    browser = requests.Session()
    auth = {k: v[0] for k, v in parse_qs(urlsplit(_login(browser, production_server, platform)
                                                   .headers["Location"]).query).items()}
    token = platform.sign(platform.claims(auth["nonce"], **{LTI + "roles": [INSTRUCTOR]}))
    form = {"id_token": token, "state": auth["state"]}
    # requests will not send a Secure cookie over http: play the browser behind TLS by sending it ourselves.
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    assert cookie.startswith("__Host-ss-browser=")
    foreign = requests.post(production_server + "/lti/launch", data=form, allow_redirects=False, timeout=10,
                            headers={**PROXY, "Cookie": "__Host-ss-browser=" + "A" * 43})
    assert foreign.status_code == 400 and "another browser" in foreign.text
    done = requests.post(production_server + "/lti/launch", data=form, allow_redirects=False, timeout=10,
                         headers={**PROXY, "Cookie": cookie})
    assert done.status_code == 303, done.text
    assert done.headers["Location"].startswith("/teacher/?lt=") or "/teacher/?lt=" in done.headers["Location"]
    again = requests.post(production_server + "/lti/launch", data=form, allow_redirects=False, timeout=10,
                          headers={**PROXY, "Cookie": cookie})
    assert again.status_code == 400 and "already used" in again.text


def test_without_the_proxy_headers_nothing_is_taken_as_https(production_server, platform):
    # A request that did not come through the TLS proxy carries no forwarded headers: no HSTS.
    response = requests.get(production_server + "/lti/jwks", timeout=10)
    assert "Strict-Transport-Security" not in response.headers
