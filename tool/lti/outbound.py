"""Outbound HTTP on behalf of an unauthenticated caller (Dynamic Registration), closed to SSRF.

Anyone can open ``/lti/register`` with any ``openid_configuration`` URL, so every
request made for it goes through ``GuardedClient``:

* production: https only, and every address the host name resolves to must be
  public (no loopback, private, link-local/metadata, CG-NAT, multicast or
  reserved ranges) unless it falls in ``SS_REGISTRATION_ALLOWED_NETWORKS``;
* the socket is opened to the address that was checked (the check runs inside
  urllib3's connection, so a DNS answer that changes between check and connect
  cannot slip through), and proxies from the environment are ignored;
* redirects are followed only to the same scheme, host and port, at most
  ``MAX_REDIRECTS`` times;
* the body is streamed with a size cap and the whole exchange with a deadline.

Failures are ``OutboundRefused`` (our policy said no) or ``OutboundFailed`` (the
remote side did not answer usably); their messages never quote the remote body.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as urllib3_exceptions
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import connection as urllib3_connection

from config.settings import Settings

MAX_BYTES = 256 * 1024  # openid configurations and registration answers are a few KB
MAX_REDIRECTS = 3
USER_AGENT = "SteppingStones-LTI/1.0"
# Certificate verification: True = the system's CA bundle (tests point it at their platform's certificate).
VERIFY: str | bool = True

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges Python's ``is_private``/``is_global`` flags do not all cover on every version.
EXTRA_BLOCKED: tuple[IpNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "100.64.0.0/10",  # carrier-grade NAT: often routes to internal workloads
        "192.0.0.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "64:ff9b::/96",  # NAT64: an IPv6 spelling of any IPv4 address
        "64:ff9b:1::/48",
        "2002::/16",  # 6to4
        "fd00:ec2::254/128",  # AWS metadata over IPv6 (also inside fc00::/7)
    )
)


class OutboundRefused(Exception):
    """Stepping Stones' policy refused the request (address, scheme, redirect, size, time)."""


class OutboundFailed(Exception):
    """The remote side could not be reached or did not answer usably."""


@dataclass(frozen=True)
class OutboundPolicy:
    https_only: bool
    check_addresses: bool
    allowed_networks: tuple[IpNetwork, ...] = ()
    timeout_seconds: float = 10.0
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS

    def refusal(self, address: IpAddress) -> str | None:
        """Why ``address`` may not be contacted, or None."""
        if not self.check_addresses:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed_networks):
            return None
        if address.is_loopback:
            return "a loopback address"
        if address.is_link_local:
            return "a link-local address (such as a cloud metadata service)"
        if address.is_unspecified or address.is_reserved or address.is_multicast:
            return "a reserved address"
        if address.is_private or any(address in network for network in EXTRA_BLOCKED):
            return "a private network address"
        if not address.is_global:
            return "a reserved address"
        return None


def policy_for(settings: Settings) -> OutboundPolicy:
    """Production checks schemes and addresses; development and tests talk to loopback freely."""
    production = settings.env == "production"
    return OutboundPolicy(
        https_only=production,
        check_addresses=production,
        allowed_networks=parse_networks(settings.registration_allowed_networks),
        timeout_seconds=settings.registration_timeout_seconds,
    )


def parse_networks(value: str) -> tuple[IpNetwork, ...]:
    """``"10.0.0.0/8, 127.0.0.1"`` → networks (a bare address is a one-address network)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())


# -- the guarded connection ----------------------------------------------------------------
class _GuardedConnectionMixin:
    """Resolves the host itself, checks EVERY address, then connects to a checked one."""

    policy: OutboundPolicy
    _dns_host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        addresses: list[IpAddress] = []
        for address in _resolve(self._dns_host, self.port):
            reason = self.policy.refusal(address)
            if reason:
                raise OutboundRefused(f"{self._dns_host} resolves to {reason}, which Stepping Stones does not contact")
            if address not in addresses:
                addresses.append(address)
        last_error: OSError | None = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (str(address), self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except OSError as exc:
                last_error = exc
        raise OutboundFailed(f"{self._dns_host} could not be reached") from last_error


def _resolve(host: str, port: int) -> list[IpAddress]:
    """Every address of ``host`` (an address literal is its own answer: no DNS query)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundFailed(f"the host name {host} could not be resolved") from exc
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _adapter(policy: OutboundPolicy) -> HTTPAdapter:
    class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
        pass

    class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
        pass

    GuardedHTTPConnection.policy = policy
    GuardedHTTPSConnection.policy = policy

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}

    return GuardedAdapter(max_retries=0)


@dataclass
class Answer:
    status: int
    body: bytes
    url: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON (``OutboundFailed`` if it is not)."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than the parser goes
            raise OutboundFailed("the answer is not JSON") from exc


class GuardedClient:
    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        self._session = requests.Session()
        self._session.trust_env = False  # an environment proxy would connect on our behalf, unchecked
        self._session.verify = VERIFY
        self._session.headers["User-Agent"] = USER_AGENT
        adapter = _adapter(policy)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)

    def check_url(self, url: str) -> None:
        """Refuse a URL by its form and scheme before anything is sent."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a port out of range
        except ValueError as exc:
            raise OutboundRefused("the address is not a valid URL") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
            raise OutboundRefused("the address is not an http(s) URL")
        if self.policy.https_only and parts.scheme != "https":
            raise OutboundRefused("the address is not https, and Stepping Stones only registers over https")

    def check_address(self, url: str) -> None:
        """Refuse a URL whose host resolves to an address the policy forbids (for URLs we store and call later)."""
        if not self.policy.check_addresses:
            return
        parts = urlsplit(url)
        for address in _resolve(parts.hostname or "", parts.port or 443):
            reason = self.policy.refusal(address)
            if reason:
                raise OutboundRefused(f"{parts.hostname} resolves to {reason}, which Stepping Stones does not contact")

    def request(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, json_body: Any = None
    ) -> Answer:
        deadline = time.monotonic() + self.policy.timeout_seconds
        for _ in range(self.policy.max_redirects + 1):
            self.check_url(url)
            response = self._send(method, url, headers, json_body, deadline)
            try:
                if response.is_redirect:
                    url = self._redirect_target(url, response.headers.get("Location", ""))
                    continue
                return Answer(response.status_code, self._read(response, deadline), url, dict(response.headers))
            finally:
                response.close()
        raise OutboundRefused(f"the address redirected more than {self.policy.max_redirects} times")

    def _send(
        self, method: str, url: str, headers: dict[str, str] | None, json_body: Any, deadline: float
    ) -> requests.Response:
        remaining = max(deadline - time.monotonic(), 0.001)
        try:
            return self._session.request(
                method,
                url,
                headers=headers,
                json=json_body,
                stream=True,
                allow_redirects=False,
                timeout=(min(remaining, 5.0), remaining),
            )
        except (OutboundRefused, OutboundFailed):
            raise
        except requests.Timeout as exc:
            raise OutboundRefused(f"no answer within {self.policy.timeout_seconds:g} seconds") from exc
        except requests.RequestException as exc:
            raise OutboundFailed(f"{urlsplit(url).netloc} could not be reached") from exc
        except ValueError as exc:  # requests parses a redirect's Location even when not following it
            raise OutboundRefused("the address redirected to an invalid URL") from exc

    @staticmethod
    def _redirect_target(url: str, location: str) -> str:
        try:
            target = urljoin(url, location)
            here, there = urlsplit(url), urlsplit(target)
            same = (here.scheme, here.hostname, here.port) == (there.scheme, there.hostname, there.port)
        except ValueError as exc:
            raise OutboundRefused("the address redirected to an invalid URL") from exc
        if not same:
            raise OutboundRefused(
                f"the address redirected to another host ({there.netloc or 'unknown'}); "
                "Stepping Stones only follows redirects on the same host"
            )
        return target

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.policy.max_bytes:
            raise OutboundRefused(f"the answer is larger than {self.policy.max_bytes // 1024} KB")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in _chunks(response):
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise OutboundRefused(f"the answer is larger than {self.policy.max_bytes // 1024} KB")
                if time.monotonic() > deadline:
                    raise OutboundRefused(f"the answer took longer than {self.policy.timeout_seconds:g} seconds")
                chunks.append(chunk)
        except (requests.RequestException, urllib3_exceptions.HTTPError, OSError) as exc:
            if isinstance(exc, urllib3_exceptions.ReadTimeoutError | TimeoutError) or time.monotonic() >= deadline:
                raise OutboundRefused(f"the answer took longer than {self.policy.timeout_seconds:g} seconds") from exc
            raise OutboundFailed("the answer was cut off") from exc
        return b"".join(chunks)

    def close(self) -> None:
        self._session.close()


def _chunks(response: requests.Response) -> Iterable[bytes]:
    """What has arrived so far, piece by piece (``read1``: a trickling server cannot stall the deadline check)."""
    while True:
        chunk: bytes = response.raw.read1(8192, decode_content=True)
        if not chunk:
            return
        yield chunk
