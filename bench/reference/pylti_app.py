"""A reference LTI 1.3 tool written the way pylti1p3's Flask example is (ToolConfJsonFile read per
request, FlaskOIDCLogin / FlaskMessageLaunch, FlaskCacheDataStorage over a shared cache), for the
launch burst's side-by-side numbers. ``REF_KEY_CACHING=1`` turns on pylti1p3's public key caching
(``set_public_key_caching``); without it every launch fetches the platform's JWKS.

Configured by environment: REF_CONFIG (the tool config JSON path), REF_REDIS_URL (the shared cache).
"""

from __future__ import annotations

import json
import os
from typing import Any

import redis
from flask import Flask, jsonify
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.contrib.flask.launch_data_storage.cache import FlaskCacheDataStorage
from pylti1p3.tool_config import ToolConfJsonFile

app = Flask(__name__)
app.secret_key = os.environ.get("REF_SECRET", "reference-secret")
KEY_CACHING = os.environ.get("REF_KEY_CACHING") == "1"


class RedisCache:
    """The part of flask-caching's Cache that FlaskCacheDataStorage uses, over Redis (JSON values),
    so every gunicorn worker sees the same state, nonces and cached keys."""

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url)

    def get(self, key: str) -> Any:
        raw = self._redis.get(key)
        return None if raw is None else json.loads(raw)

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        self._redis.set(key, json.dumps(value), ex=timeout or None)
        return True

    def delete(self, key: str) -> bool:
        return bool(self._redis.delete(key))


cache = RedisCache(os.environ.get("REF_REDIS_URL", "redis://127.0.0.1:6379/9"))


def get_lti_config_path() -> str:
    return os.environ["REF_CONFIG"]


def get_launch_data_storage() -> FlaskCacheDataStorage:
    return FlaskCacheDataStorage(cache)


@app.route("/lti/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    tool_conf = ToolConfJsonFile(get_lti_config_path())
    launch_data_storage = get_launch_data_storage()
    flask_request = FlaskRequest()
    target_link_uri = flask_request.get_param("target_link_uri")
    oidc_login = FlaskOIDCLogin(flask_request, tool_conf, launch_data_storage=launch_data_storage)
    return oidc_login.redirect(target_link_uri)


@app.route("/lti/launch", methods=["POST"])
def launch():  # type: ignore[no-untyped-def]
    tool_conf = ToolConfJsonFile(get_lti_config_path())
    flask_request = FlaskRequest()
    launch_data_storage = get_launch_data_storage()
    message_launch = FlaskMessageLaunch(flask_request, tool_conf, launch_data_storage=launch_data_storage)
    if KEY_CACHING:
        message_launch.set_public_key_caching(launch_data_storage, cache_lifetime=7200)
    data = message_launch.get_launch_data()
    return jsonify(launch_id=message_launch.get_launch_id(), user=data.get("sub"))
