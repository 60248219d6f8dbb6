"""The development LMS app factory: two platforms side by side under /canvas and /moodle."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask

from devlms.platform import Platform
from devlms.store import DevLmsStore
from devlms.tool_jwt import ToolKeyCache

FEATURES = ("launch", "oauth", "ags", "nrps", "deep_linking", "dynreg", "admin", "course_admin")


def bind(app: Flask, platform: Platform, rule: str, name: str, view: Callable[..., Any], methods: list[str]) -> None:
    """Route ``rule`` under the platform's prefix to ``view(platform, **url_args)``."""
    app.add_url_rule(
        platform.prefix + rule,
        endpoint=f"{platform.flavour}.{name}",
        view_func=functools.partial(view, platform),
        methods=methods,
    )


def create_devlms_app(base_url: str, state_path: Path | None = None) -> Flask:
    """A Flask app serving both platforms at ``base_url`` (its own public root, no trailing slash).

    With ``state_path`` the state (keys, tools, content, grades) is read from and
    written to that JSON file, so a restarted demo keeps its registrations.
    """
    import importlib

    from devlms import admin

    app = Flask("devlms")
    store = DevLmsStore(base_url, state_path)
    app.extensions["devlms"] = store
    app.extensions["devlms_tool_keys"] = ToolKeyCache()
    for platform in store.platforms:
        for feature in FEATURES:
            importlib.import_module(f"devlms.{feature}").register(app, platform)
    app.add_url_rule("/", endpoint="home", view_func=admin.home)
    return app
