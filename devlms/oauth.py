"""OAuth 2 client-credentials token endpoint (private_key_jwt) and bearer checks for services."""

from __future__ import annotations

import secrets
import time

import jwt
from flask import Flask, Response, current_app, request

from devlms.http import json_error, json_response
from devlms.model import AccessToken
from devlms.platform import ACCESS_TOKEN_LIFETIME, Platform
from devlms.tool_jwt import ToolJwtError, ToolKeyCache, verify_tool_jwt

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def key_cache() -> ToolKeyCache:
    cache: ToolKeyCache = current_app.extensions["devlms_tool_keys"]
    return cache


def accepted_audiences(platform: Platform) -> list[str]:
    """Moodle wants exactly its token URL; Canvas also takes the site's un-prefixed token URL."""
    if platform.is_moodle:
        return [platform.token_url]
    return [platform.token_url, platform.base_url + platform.paths.token]


def token_endpoint(platform: Platform) -> Response:
    """Exchange a signed client assertion for a bearer token limited to granted scopes."""
    form = request.form
    if form.get("grant_type") != "client_credentials":
        return json_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        return json_error(400, "invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}")
    assertion = form.get("client_assertion", "")
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return json_error(400, "invalid_request", "client_assertion is not a JWT")
    client_id = str(unverified.get("sub", ""))
    with platform.lock:
        tool = platform.tools.get(client_id)
        tool_active = tool is not None and tool.active
    if tool is None or not tool_active:
        return json_error(401, "invalid_client", "unknown or inactive client")
    try:
        # Fetching the tool's JWKS happens outside the lock.
        claims = verify_tool_jwt(key_cache(), tool, assertion, accepted_audiences(platform))
    except ToolJwtError as exc:
        return json_error(400, "invalid_grant", f"client_assertion refused: {exc}")
    if claims.get("sub") != client_id:
        return json_error(400, "invalid_grant", "iss and sub must both be the client_id")
    jti = claims.get("jti")
    if not jti:
        return json_error(400, "invalid_grant", "jti is required")
    requested = form.get("scope", "").split()
    if not requested:
        return json_error(400, "invalid_scope", "no scope requested")
    with platform.lock:
        platform.prune()
        # Scopes are re-read here: an admin may have stripped some since registration.
        missing = [scope for scope in requested if scope not in tool.scopes]
        if missing:
            return json_error(400, "invalid_scope", f"scopes not granted to this tool: {' '.join(missing)}")
        replay_key = f"{client_id}:{jti}"
        if replay_key in platform.used_jtis:
            return json_error(400, "invalid_grant", "jti already used")
        platform.used_jtis[replay_key] = float(claims["exp"])
        token = secrets.token_urlsafe(32)
        platform.access_tokens[token] = AccessToken(
            client_id=client_id, scopes=requested, expires_at=time.time() + ACCESS_TOKEN_LIFETIME
        )
        platform.changed()
    return json_response(
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "scope": " ".join(requested),
        }
    )


def bearer(platform: Platform, *any_of: str) -> AccessToken | Response:
    """The request's access token if it carries one of ``any_of`` scopes; else a 401/403 response."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="devlms"'}
    if scheme.lower() != "bearer" or not value:
        return json_error(401, "invalid_token", "a bearer access token is required", **challenge)
    with platform.lock:
        token = platform.access_tokens.get(value.strip())
        if token is None or token.expires_at < time.time():
            return json_error(401, "invalid_token", "unknown or expired access token", **challenge)
        tool = platform.tools.get(token.client_id)
        if tool is None or not tool.active:
            return json_error(401, "invalid_token", "the tool is no longer active", **challenge)
        if not any(scope in token.scopes and scope in tool.scopes for scope in any_of):
            return json_error(403, "insufficient_scope", f"this needs one of: {' '.join(any_of)}")
        return token


def jwks(platform: Platform) -> Response:
    with platform.lock:
        return json_response(platform.keys.jwks())


def register(app: Flask, platform: Platform) -> None:
    from devlms.app import bind

    bind(app, platform, platform.paths.token, "token", token_endpoint, ["POST"])
    bind(app, platform, platform.paths.jwks, "jwks", jwks, ["GET"])
