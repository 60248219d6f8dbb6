"""The per-app LTI runtime: registry, tool keys and platform keys, built once in ``init_app``.

Everything the launch path needs lives here, in memory, so a launch costs
little more than its signature check. Tests get a fresh runtime per app.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from flask import Flask, current_app

from config.settings import Settings
from tool.kv_store import KeyValueStore
from tool.lti.keys import ToolKeyRing
from tool.lti.platform_keys import PlatformKeys
from tool.lti.registry import Registry

USER_AGENT = "SteppingStones-LTI/1.0"


@dataclass
class LtiRuntime:
    settings: Settings
    registry: Registry
    tool_keys: ToolKeyRing
    platform_keys: PlatformKeys
    store: KeyValueStore
    http: requests.Session

    @property
    def base_url(self) -> str:
        return self.settings.base_url.rstrip("/")

    def url(self, path: str) -> str:
        """An absolute URL of ours, as the platform reaches it."""
        return self.base_url + path


def init_runtime(app: Flask) -> LtiRuntime:
    settings: Settings = app.config["SETTINGS"]
    engine = app.extensions["db_engine"]
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    runtime = LtiRuntime(
        settings=settings,
        registry=Registry(engine),
        tool_keys=ToolKeyRing(engine, settings.key_encryption_key),
        platform_keys=PlatformKeys(http),
        store=app.extensions["kv_store"],
        http=http,
    )
    app.extensions["lti"] = runtime
    return runtime


def get_runtime(app: Flask | None = None) -> LtiRuntime:
    """The app's runtime (the current app when none is given)."""
    target = app or current_app
    runtime = target.extensions.get("lti")
    if runtime is None:
        runtime = init_runtime(target)
    return runtime
