"""An ``AgsClient`` over HTTP holding one access token for one job.

The token comes from the registration's token endpoint (OAuth2 client
credentials with a ``private_key_jwt`` assertion signed by the tool's current
key). It is fetched once, when the client is built, and reused for every call
of the job: a publish of five steps makes one token request.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jwt
import requests
from flask import Flask

from tool.lti.models import Registration
from tool.lti.runtime import get_runtime
from tool.publish.lms import LmsError, TransientLmsError, classify_status

TIMEOUT = (5, 20)  # connect, read (seconds)
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
MAX_PAGES = 50


def _scores_url(lineitem_url: str) -> str:
    """``<lineitem>/scores`` with any query string kept after the path (Moodle's ?type_id=N)."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


class HttpAgsClient:
    def __init__(self, http: requests.Session, token: str) -> None:
        self._http = http
        self._headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, url: str, what: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._http.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise TransientLmsError(f"The course platform could not be reached while {what}.") from exc
        if response.status_code >= 400:
            raise classify_status(response.status_code, what, response.text)
        return response

    def line_items(self, lineitems_url: str, *, tag: str | None = None) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params = {"tag": tag} if tag else None
        url: str | None = lineitems_url
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = self._call(
                "GET", url, "listing assignments", headers={**self._headers, "Accept": CONTAINER_MEDIA}, params=params
            )
            items.extend(response.json())
            url = response.links.get("next", {}).get("url")
            params = None  # the next link already carries the filters
        return items

    def create_line_item(self, lineitems_url: str, item: dict[str, Any]) -> dict[str, Any]:
        response = self._call(
            "POST",
            lineitems_url,
            "creating an assignment",
            json=item,
            headers={**self._headers, "Content-Type": LINEITEM_MEDIA, "Accept": LINEITEM_MEDIA},
        )
        body: dict[str, Any] = response.json()
        if not body.get("id"):
            raise LmsError("The course platform created an assignment but did not say where it is.")
        return body

    def post_score(self, lineitem_url: str, score: dict[str, Any]) -> None:
        self._call(
            "POST",
            _scores_url(lineitem_url),
            "sending the score",
            json=score,
            headers={**self._headers, "Content-Type": SCORE_MEDIA},
        )


def fetch_token(
    app: Flask, registration: Registration, scopes: tuple[str, ...], optional: tuple[str, ...] = ()
) -> str:
    """One client-credentials access token for ``scopes`` (plus the ``optional`` ones granted)."""
    granted = registration.scopes
    scopes = scopes + tuple(scope for scope in optional if scope in granted and scope not in scopes)
    missing = [scope for scope in scopes if granted and scope not in granted]
    if missing:
        raise LmsError(
            "The course platform has not granted Stepping Stones this permission: "
            + ", ".join(missing)
            + ". Ask an administrator to enable it for the tool."
        )
    runtime = get_runtime(app)
    key = runtime.tool_keys.signing_key()
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": registration.client_id,
            "sub": registration.client_id,
            "aud": registration.token_audience or registration.auth_token_url,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        },
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid},
    )
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": " ".join(scopes),
    }
    try:
        response = runtime.http.post(registration.auth_token_url, data=data, timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise TransientLmsError("The course platform could not be reached for an access token.") from exc
    if response.status_code >= 400:
        raise classify_status(response.status_code, "asking for an access token", response.text)
    token = response.json().get("access_token")
    if not token:
        raise LmsError("The course platform answered without an access token.")
    return str(token)


def ags_client_for(
    app: Flask, registration_id: int, scopes: tuple[str, ...], optional: tuple[str, ...] = ()
) -> HttpAgsClient:
    """A client for one job, holding one fresh token."""
    from tool import db

    registration = db.session().get(Registration, registration_id)
    if registration is None:
        raise LmsError("The course platform this sequence was published to is no longer registered.")
    return HttpAgsClient(get_runtime(app).http, fetch_token(app, registration, scopes, optional))
