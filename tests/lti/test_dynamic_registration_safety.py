"""Dynamic Registration is unauthenticated: it must not be a server-side request forgery, and it may
add registrations (pending when the issuer is already known) but never replace one we trust.

"Production" here is the LTI runtime's settings with ``env=production``: https only and public
addresses only. The platforms below are real HTTPS servers on 127.0.0.1 (a self-signed certificate
the tool is told to trust, like a school's own CA); they are reachable only when the test puts
127.0.0.1 on the allow-list (``SS_REGISTRATION_ALLOWED_NETWORKS``), so each refusal is shown with
the allow-list empty and each acceptance with it set.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tool.lti import outbound
from tool.lti.runtime import get_runtime

CANVAS = "https://canvas.instructure.com"
EXISTING_CLIENT = "10000000000042"
PLATFORM_CONF = "https://purl.imsglobal.org/spec/lti-platform-configuration"


# -- a real HTTPS platform on loopback ------------------------------------------------------------
def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "platform.pem", directory / "platform.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class HttpsPlatform:
    """An LTI platform's configuration and registration endpoints over HTTPS, with hostile variants.

    ``/config`` is a well-behaved configuration (issuer = this server); ``/redirect-away``
    redirects to a link-local metadata address; ``/redirect-here`` to ``/config`` on the same
    host; ``/big`` is 1 MB; ``/slow`` answers after 2.5 s; ``/trickle`` sends a byte every 0.2 s.
    """

    def __init__(self, cert: Path, key: Path, client_id: str = "client-new", issuer: str | None = None) -> None:
        self.client_id = client_id
        self.registrations: list[dict[str, Any]] = []
        self.registration_status = 200
        self.registration_body: bytes | None = None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, ssl_context=context)
        self.url = f"https://127.0.0.1:{self._server.server_port}"
        self.issuer = issuer or self.url
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def config(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.url + "/auth",
            "token_endpoint": self.url + "/token",
            "jwks_uri": self.url + "/jwks",
            "registration_endpoint": self.url + "/register",
            PLATFORM_CONF: {
                "product_family_code": "canvas",
                "messages_supported": [{"type": "LtiResourceLinkRequest"}],
            },
        }

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        path = request.path
        if path == "/config":
            response = Response(json.dumps(self.config()), content_type="application/json")
        elif path == "/redirect-away":
            response = Response("", status=302, headers={"Location": "https://169.254.169.254/latest/meta-data/"})
        elif path == "/redirect-broken":  # raw WSGI: werkzeug would refuse to send this Location
            start_response("302 Found", [("Location", "https://[::1/x"), ("Content-Length", "0")])
            return [b""]
        elif path == "/redirect-here":
            response = Response("", status=302, headers={"Location": "/config"})
        elif path == "/big":
            response = Response(b'{"issuer": "' + b"x" * 1_000_000 + b'"}', content_type="application/json")
        elif path == "/deep":
            response = Response(b"[" * 200_000, content_type="application/json")
        elif path == "/slow":
            time.sleep(2.5)
            response = Response(json.dumps(self.config()), content_type="application/json")
        elif path == "/trickle":

            def drip() -> Iterator[bytes]:
                for _ in range(20):
                    time.sleep(0.2)
                    yield b" "

            response = Response(drip(), content_type="application/json")
        elif path == "/register":
            self.registrations.append(json.loads(request.get_data()))
            body = self.registration_body or json.dumps({"client_id": self.client_id}).encode()
            response = Response(body, status=self.registration_status, content_type="application/json")
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The tool trusts the test platform's certificate, as it would a school's CA."""
    monkeypatch.setattr(outbound, "VERIFY", str(certificate[0]))
    return certificate


@pytest.fixture
def https_platform(trusted: tuple[Path, Path]) -> Iterator[HttpsPlatform]:
    server = HttpsPlatform(*trusted)
    yield server
    server.close()


def production(app: Flask, **overrides: Any) -> None:
    """The LTI runtime reads production settings (https only, public addresses only)."""
    runtime = get_runtime(app)
    runtime.settings = runtime.settings.model_copy(
        update={"env": "production", "registration_timeout_seconds": 1.0, **overrides}
    )


def register(client: FlaskClient, config_url: str, **extra: str) -> Any:
    data = {"openid_configuration": config_url, "registration_token": "t", **extra}
    return client.post("/lti/register", data=data)


# -- refusals in production --------------------------------------------------------------------------
INTERNAL = [
    ("https://127.0.0.1:9/config", "a loopback address"),
    ("https://localhost:9/config", "a loopback address"),
    ("https://[::1]:9/config", "a loopback address"),
    ("https://[::ffff:127.0.0.1]:9/config", "a loopback address"),
    ("https://10.1.2.3/config", "a private network address"),
    ("https://192.168.0.10/config", "a private network address"),
    ("https://172.16.5.5/config", "a private network address"),
    ("https://100.64.0.1/config", "a private network address"),
    ("https://[fd00::1]/config", "a private network address"),
    ("https://169.254.169.254/latest/meta-data/", "a link-local address"),
    ("https://[fe80::1]/config", "a link-local address"),
    ("https://0.0.0.0/config", "a reserved address"),
    ("https://240.0.0.1/config", "a reserved address"),
]


def test_internal_addresses_are_refused_in_production(app, client):
    production(app)
    for url, reason in INTERNAL:  # one app for all (each refusal happens before any connection)
        response = register(client, url)
        page = response.get_data(as_text=True)
        assert response.status_code == 403, url
        assert "could not be registered" in page and reason in page, (url, reason)
    assert get_runtime(app).registry.overview() == []


def test_plain_http_is_refused_in_production(app, client):
    production(app, registration_allowed_networks="127.0.0.1/32")
    response = register(client, "http://127.0.0.1:9/config")
    assert response.status_code == 400
    assert "only registers over https" in response.get_data(as_text=True)


def test_a_loopback_platform_is_refused_without_the_allow_list_and_accepted_with_it(app, client, https_platform):
    production(app)
    refused = register(client, https_platform.url + "/config")
    assert refused.status_code == 403
    assert "a loopback address" in refused.get_data(as_text=True)
    assert https_platform.registrations == []  # nothing was sent to it

    production(app, registration_allowed_networks="127.0.0.1/32")
    accepted = register(client, https_platform.url + "/config")
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    info = get_runtime(app).registry.find(https_platform.issuer, "client-new")
    assert info is not None and info.status == "active" and info.source == "dynamic"


def test_redirect_to_an_internal_host_is_not_followed(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32")
    response = register(client, https_platform.url + "/redirect-away")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "redirected to another host (169.254.169.254)" in page
    assert get_runtime(app).registry.overview() == []


def test_a_redirect_to_a_malformed_address_is_refused(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32")
    response = register(client, https_platform.url + "/redirect-broken")
    assert response.status_code == 403
    assert "redirected to an invalid URL" in response.get_data(as_text=True)


def test_same_host_redirect_is_followed(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32")
    response = register(client, https_platform.url + "/redirect-here")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert len(https_platform.registrations) == 1


def test_an_oversized_configuration_is_refused(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32")
    response = register(client, https_platform.url + "/big")
    assert response.status_code == 403
    assert "larger than 256 KB" in response.get_data(as_text=True)


def test_a_deeply_nested_configuration_is_refused(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32")
    response = register(client, https_platform.url + "/deep")
    assert response.status_code == 502
    assert "did not answer with JSON" in response.get_data(as_text=True)


def test_a_slow_configuration_is_refused_within_the_time_limit(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32")
    started = time.monotonic()
    response = register(client, https_platform.url + "/slow")
    elapsed = time.monotonic() - started
    assert response.status_code == 403
    assert "no answer within 1 seconds" in response.get_data(as_text=True)
    assert elapsed < 2.4  # gave up at the limit, before the server's 2.5 s


def test_a_trickling_configuration_is_cut_off_at_the_deadline(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32")
    started = time.monotonic()
    response = register(client, https_platform.url + "/trickle")
    elapsed = time.monotonic() - started
    assert response.status_code == 403
    assert "took longer than 1 seconds" in response.get_data(as_text=True)
    assert elapsed < 3.5  # the whole drip takes 4 s


def test_the_platforms_reply_is_never_shown(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32")
    https_platform.registration_status = 400
    https_platform.registration_body = b"<script>alert(1)</script>internal-secret-token"
    response = register(client, https_platform.url + "/config")
    page = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "answered HTTP 400" in page
    assert "internal-secret-token" not in page and "alert(1)" not in page


def test_the_issuer_must_be_the_host_the_configuration_came_from(app, client, trusted):
    production(app, registration_allowed_networks="127.0.0.1/32")
    impostor = HttpsPlatform(*trusted, issuer="https://moodle.school.example")
    try:
        response = register(client, impostor.url + "/config")
    finally:
        impostor.close()
    assert response.status_code == 403
    assert "names the issuer https://moodle.school.example" in response.get_data(as_text=True)
    assert impostor.registrations == []  # refused before anything was posted


def test_a_registration_endpoint_on_another_host_is_refused(app, client, https_platform, monkeypatch):
    production(app, registration_allowed_networks="127.0.0.1/32")
    config = https_platform.config()
    monkeypatch.setattr(https_platform, "config", lambda: {**config, "registration_endpoint": "https://93.184.216.34/reg"})
    response = register(client, https_platform.url + "/config")
    assert response.status_code == 400
    assert "registration endpoint is not on the host" in response.get_data(as_text=True)


@pytest.mark.parametrize("key", ["jwks_uri", "token_endpoint", "authorization_endpoint"])
def test_platform_endpoints_on_internal_addresses_are_refused(app, client, https_platform, monkeypatch, key):
    """The key set, token and login addresses are stored and called later: they must be public too."""
    production(app, registration_allowed_networks="127.0.0.1/32")
    config = https_platform.config()
    monkeypatch.setattr(https_platform, "config", lambda: {**config, key: "https://169.254.169.254/latest"})
    response = register(client, https_platform.url + "/config")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"The platform&#39;s {key} was refused" in page and "a link-local address" in page
    assert https_platform.registrations == []


def test_the_allowed_hosts_setting_limits_who_may_register(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32", registration_allowed_hosts="moodle.school.example")
    response = register(client, https_platform.url + "/config")
    assert response.status_code == 403
    assert "does not accept registrations from" in response.get_data(as_text=True)
    assert https_platform.registrations == []


def test_the_registration_key_setting_requires_the_key(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32", registration_key="s3cret-key")
    assert register(client, https_platform.url + "/config").status_code == 403
    assert register(client, https_platform.url + "/config", key="wrong").status_code == 403
    assert https_platform.registrations == []
    accepted = register(client, https_platform.url + "/config", key="s3cret-key")
    assert accepted.status_code == 200, accepted.get_data(as_text=True)


# -- pending registrations ---------------------------------------------------------------------------
def test_a_new_client_id_under_a_known_issuer_ends_pending(app, client, https_platform):
    production(app, registration_allowed_networks="127.0.0.1/32")
    registry = get_runtime(app).registry
    registry.save_registration(
        issuer=https_platform.issuer, client_id="client-old", auth_login_url="https://a/auth",
        auth_token_url="https://a/token", jwks_url="https://a/jwks",
    )
    response = register(client, https_platform.url + "/config")
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "waiting for approval" in page
    pending = registry.any_registration(https_platform.issuer, "client-new")
    assert pending is not None and pending.status == "pending"
    # A pending registration is invisible to logins and launches, and the issuer still has one client.
    assert registry.find(https_platform.issuer, "client-new") is None
    only = registry.find(https_platform.issuer, None)
    assert only is not None and only.client_id == "client-old"
    login = client.post("/lti/login", data={"iss": https_platform.issuer, "client_id": "client-new",
                                            "login_hint": "1", "target_link_uri": "http://127.0.0.1:5000/lti/launch"})
    assert login.status_code == 403
    assert "waiting for its administrator" in login.get_data(as_text=True)


class ImpostorPlatform:
    """An openid configuration claiming hosted Canvas's issuer, answering with a client id it chose."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self.registrations: list[dict[str, Any]] = []
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/config":
            body: dict[str, Any] = {
                "issuer": CANVAS,
                "authorization_endpoint": self.url + "/auth",
                "token_endpoint": self.url + "/token",
                "jwks_uri": self.url + "/evil-jwks",
                "registration_endpoint": self.url + "/register",
                PLATFORM_CONF: {
                    "product_family_code": "canvas",
                    "messages_supported": [{"type": "LtiResourceLinkRequest"}],
                },
            }
        else:
            self.registrations.append(json.loads(request.get_data()))
            body = {"client_id": self.client_id}
        return Response(json.dumps(body), content_type="application/json")(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def impostor() -> Iterator[ImpostorPlatform]:
    server = ImpostorPlatform(EXISTING_CLIENT)
    yield server
    server.close()


def test_dynamic_registration_never_replaces_an_existing_registration(app, client, impostor):
    registry = get_runtime(app).registry
    trusted = registry.save_registration(
        issuer=CANVAS,
        client_id=EXISTING_CLIENT,
        auth_login_url="https://school.instructure.com/api/lti/authorize_redirect",
        auth_token_url="https://school.instructure.com/login/oauth2/token",
        jwks_url="https://school.instructure.com/api/lti/security/jwks",
        platform_family="canvas",
        deployment_ids=("1:abc",),
    )
    response = register(client, impostor.url + "/config")
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    assert "already registered" in page
    assert "never changes an existing one" in page
    assert len(impostor.registrations) == 1  # it did ask; we refused what it answered
    registry.invalidate()
    after = registry.find(CANVAS, EXISTING_CLIENT)
    assert after == trusted
    assert after is not None and after.jwks_url.endswith("/api/lti/security/jwks")


def test_a_shared_issuer_served_from_another_host_is_only_ever_pending(app, client):
    """Hosted Canvas serves a school's configuration from the school's domain under the shared issuer:
    accepted, but as pending, and it never changes which registration the issuer's logins find."""
    registry = get_runtime(app).registry
    registry.save_registration(
        issuer=CANVAS, client_id=EXISTING_CLIENT, auth_login_url="https://a/auth",
        auth_token_url="https://a/token", jwks_url="https://a/jwks", platform_family="canvas",
    )
    other = ImpostorPlatform("10000000000099")
    try:
        response = register(client, other.url + "/config")
    finally:
        other.close()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert sorted(registry.clients_of(CANVAS)) == [EXISTING_CLIENT, "10000000000099"]
    assert registry.find(CANVAS, "10000000000099") is None
    pending = registry.any_registration(CANVAS, "10000000000099")
    assert pending is not None and pending.pending and pending.jwks_url == other.url + "/evil-jwks"
    found = registry.find(CANVAS, None)
    assert found is not None and found.client_id == EXISTING_CLIENT


def test_a_shared_issuer_is_pending_even_when_it_is_new(app, client, impostor):
    response = register(client, impostor.url + "/config")
    assert response.status_code == 200, response.get_data(as_text=True)
    info = get_runtime(app).registry.any_registration(CANVAS, EXISTING_CLIENT)
    assert info is not None and info.pending
    assert "waiting for approval" in response.get_data(as_text=True)


def test_registration_is_rate_limited_per_client_address(settings, https_platform):
    """Each registration makes the server talk to another server: a flood is answered 429 before any fetch."""
    from tool import create_app
    from tool.db import upgrade_schema

    app = create_app(settings.model_copy(update={"rate_limit_register": "2 per minute"}), TESTING=True)
    upgrade_schema(app)
    try:
        client = app.test_client()
        answers = [register(client, https_platform.url + "/config").status_code for _ in range(4)]
    finally:
        app.extensions["db_engine"].dispose()
    assert answers == [200, 409, 429, 429], answers  # the second names the same client id: 409
    assert len(https_platform.registrations) == 2  # the refused ones never reached the platform


MALFORMED = [
    "http://[::1/config", "https://host:99999/config", "javascript:alert(1)", "ftp://127.0.0.1/x", "//no-scheme",
    "https:///no-host", "https://exa mple.org/config", "x" * 3000,
]


def test_malformed_configuration_addresses_get_a_clear_400(client):
    for url in MALFORMED:
        response = register(client, url)
        assert response.status_code == 400, url[:80]
        assert "could not be registered" in response.get_data(as_text=True)


def test_the_address_policy_itself():
    strict = outbound.OutboundPolicy(https_only=True, check_addresses=True,
                                     allowed_networks=outbound.parse_networks("10.20.0.0/16, 127.0.0.1"))
    refusal = lambda text: strict.refusal(ipaddress.ip_address(text))  # noqa: E731
    assert refusal("10.20.3.4") is None and refusal("127.0.0.1") is None  # allow-listed
    assert refusal("10.21.0.1") == "a private network address"
    assert refusal("127.0.0.2") == "a loopback address"
    assert refusal("::ffff:10.21.0.1") == "a private network address"  # IPv4-mapped IPv6 is the IPv4 address
    assert refusal("64:ff9b::a00:1") is not None  # NAT64 spelling of 10.0.0.1
    assert refusal("93.184.216.34") is None and refusal("2606:2800:220:1::1") is None
    relaxed = outbound.OutboundPolicy(https_only=False, check_addresses=False)
    assert relaxed.refusal(ipaddress.ip_address("127.0.0.1")) is None  # development and tests


def test_a_malformed_allow_list_stops_the_start(monkeypatch):
    from pydantic import ValidationError

    from config.settings import Settings

    monkeypatch.setenv("SS_REGISTRATION_ALLOWED_NETWORKS", "10.0.0.0/8, 10.0.0.300")
    with pytest.raises(ValidationError, match=r"10\.0\.0\.300"):
        Settings()
