"""One LTI platform (Canvas or Moodle flavour): its URLs, keys and course state.

All mutation goes through methods that run under the store's lock and then ask
the store to persist; views never touch the dicts without holding ``lock``.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from devlms.keys import KeyRing
from devlms.model import (
    COURSE_ID,
    SERVICE_SCOPES,
    AccessToken,
    DeepLinkSession,
    Flavour,
    LaunchIntent,
    LineItem,
    Link,
    Privacy,
    RegistrationToken,
    Tool,
    line_item_from_plain,
    to_plain,
)

ID_TOKEN_LIFETIME = 60  # seconds, like Moodle
ACCESS_TOKEN_LIFETIME = 3600
HINT_LIFETIME = 600
REGISTRATION_TOKEN_LIFETIME = 3600


@dataclass
class PendingContent:
    """Moodle: deep-linking items waiting for the teacher's Save or Cancel on the summary."""

    client_id: str
    items: list[dict[str, Any]]
    message: str
    expires_at: float


@dataclass(frozen=True)
class Paths:
    """Endpoint paths under the platform prefix; each flavour mimics its real product."""

    auth: str
    token: str
    jwks: str
    openid_configuration: str
    registration: str


CANVAS_PATHS = Paths(
    auth="/api/lti/authorize_redirect",
    token="/login/oauth2/token",  # noqa: S106 - a path, not a secret
    jwks="/api/lti/security/jwks",
    openid_configuration="/api/lti/security/openid-configuration",
    registration="/api/lti/registrations",
)
MOODLE_PATHS = Paths(
    auth="/mod/lti/auth.php",
    token="/mod/lti/token.php",  # noqa: S106 - a path, not a secret
    jwks="/mod/lti/certs.php",
    openid_configuration="/mod/lti/openid-configuration.php",
    registration="/mod/lti/openid-registration.php",
)


class Platform:
    """State and URLs of one flavour. ``on_change`` persists; ``lock`` is shared with the store."""

    def __init__(
        self,
        flavour: Flavour,
        base_url: str,
        lock: threading.RLock,
        on_change: Callable[[], None],
    ) -> None:
        self.flavour: Flavour = flavour
        self.base_url = base_url.rstrip("/")
        self.prefix = f"/{flavour}"
        self.issuer = self.base_url + self.prefix
        self.paths = CANVAS_PATHS if flavour == "canvas" else MOODLE_PATHS
        self.lock = lock
        self._on_change = on_change
        self.keys = KeyRing()
        self.tools: dict[str, Tool] = {}
        self.links: dict[str, Link] = {}
        self.line_items: dict[str, LineItem] = {}
        self.counters: dict[str, int] = {}
        # Moodle before 4.x listed messages_supported as plain strings.
        self.legacy_messages = False
        self.hints: dict[str, LaunchIntent] = {}
        self.used_jtis: dict[str, float] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.registration_tokens: dict[str, RegistrationToken] = {}
        self.deep_link_sessions: dict[str, DeepLinkSession] = {}
        self.pending_content: dict[str, PendingContent] = {}

    # -- URLs ---------------------------------------------------------------------------
    @property
    def is_moodle(self) -> bool:
        return self.flavour == "moodle"

    def url(self, path: str) -> str:
        return self.issuer + path

    @property
    def token_url(self) -> str:
        return self.url(self.paths.token)

    def lineitems_url(self, tool: Tool) -> str:
        if self.is_moodle:
            return self.url(f"/mod/lti/services.php/{COURSE_ID}/lineitems?type_id={tool.type_id}")
        return self.url(f"/api/lti/courses/{COURSE_ID}/line_items")

    def lineitem_url(self, item: LineItem) -> str:
        if self.is_moodle:
            tool = self.tools[item.client_id]
            return self.url(f"/mod/lti/services.php/{COURSE_ID}/lineitems/{item.id}/lineitem?type_id={tool.type_id}")
        return self.url(f"/api/lti/courses/{COURSE_ID}/line_items/{item.id}")

    def memberships_url(self, tool: Tool) -> str:
        if self.is_moodle:
            return self.url(f"/mod/lti/services.php/CourseSection/{COURSE_ID}/bindings/{tool.type_id}/memberships")
        return self.url(f"/api/lti/courses/{COURSE_ID}/names_and_roles")

    def deep_link_return_url(self, session_key: str, tool: Tool, placement: str) -> str:
        if self.is_moodle:
            return self.url(
                f"/mod/lti/contentitem_return.php?course={COURSE_ID}&id={tool.type_id}&sesskey={session_key}"
            )
        return self.url(f"/courses/{COURSE_ID}/deep_linking_response?modal=true&placement={placement}&dl={session_key}")

    # -- mutation helpers -----------------------------------------------------------------
    def changed(self) -> None:
        self._on_change()

    def next_id(self, name: str) -> int:
        self.counters[name] = self.counters.get(name, 0) + 1
        return self.counters[name]

    def new_link_id(self) -> str:
        # Moodle resource link ids are instance numbers; Canvas's are uuids.
        return str(self.next_id("link")) if self.is_moodle else str(uuid.uuid4())

    def rotate_key(self) -> str:
        with self.lock:
            kid = self.keys.rotate()
            self.changed()
            return kid

    def install_tool(
        self,
        *,
        login_url: str,
        launch_url: str,
        jwks_url: str,
        redirect_uris: list[str],
        name: str = "Stepping Stones",
        scopes: list[str] | None = None,
        privacy: Privacy = "public",
        custom: dict[str, str] | None = None,
        deep_link_url: str | None = None,
        placements: list[str] | None = None,
        active: bool = True,
        client_id: str | None = None,
        domain: str | None = None,
    ) -> Tool:
        """Install a tool with one deployment and a default course link titled after the tool."""
        with self.lock:
            type_id = self.next_id("type")
            if client_id is None:
                client_id = self.new_client_id()
            # Moodle's deployment id is the tool type id; Canvas's looks like "<n>:<40 hex>".
            deployment_id = str(type_id) if self.is_moodle else f"{type_id}:{secrets.token_hex(20)}"
            granted = [scope for scope in (scopes if scopes is not None else SERVICE_SCOPES) if scope in SERVICE_SCOPES]
            tool = Tool(
                client_id=client_id,
                name=name,
                login_url=login_url,
                launch_url=launch_url,
                jwks_url=jwks_url,
                redirect_uris=list(redirect_uris),
                deployment_id=deployment_id,
                scopes=granted,
                privacy=privacy,
                active=active,
                type_id=type_id,
                custom=dict(custom or {}),
                deep_link_url=deep_link_url,
                placements=list(placements or []),
                domain=domain,
            )
            self.tools[client_id] = tool
            link = Link(id=self.new_link_id(), client_id=client_id, title=name)
            self.links[link.id] = link
            self.changed()
            return tool

    def register_tool(
        self,
        login_url: str,
        launch_url: str,
        jwks_url: str,
        redirect_uris: list[str] | None = None,
        **options: Any,
    ) -> tuple[str, str]:
        """Manual install (tests, demo): returns (client_id, deployment_id). Options as ``install_tool``."""
        tool = self.install_tool(
            login_url=login_url,
            launch_url=launch_url,
            jwks_url=jwks_url,
            redirect_uris=redirect_uris or [launch_url],
            **options,
        )
        return tool.client_id, tool.deployment_id

    def sign_id_token(
        self, claims: dict[str, Any], kid: str | None = None, alg: str = "RS256", headers: dict[str, Any] | None = None
    ) -> str:
        """Sign arbitrary claims with this platform's key (tests build hostile tokens with it)."""
        with self.lock:
            return self.keys.sign(claims, kid=kid, alg=alg, headers=headers)

    def launch_claims(
        self,
        client_id: str,
        user: str = "student1",
        link_id: str | None = None,
        message_type: str = "LtiResourceLinkRequest",
        nonce: str = "test-nonce",
        placement: str | None = None,
    ) -> dict[str, Any]:
        """The claims a real launch would carry, for tests that tamper with them before signing."""
        from devlms.claims import id_token_claims

        with self.lock:
            tool = self.tools[client_id]
            if link_id is None and message_type == "LtiResourceLinkRequest":
                default = self.default_link(client_id)
                link_id = default.id if default else None
            intent = LaunchIntent(client_id, user, message_type, link_id, placement, time.time() + HINT_LIFETIME)
            return id_token_claims(self, tool, intent, nonce)

    def new_client_id(self) -> str:
        if self.is_moodle:
            alphabet = string.ascii_letters + string.digits
            return "".join(secrets.choice(alphabet) for _ in range(15))
        return str(10000000000000 + self.next_id("client"))

    def activate_tool(self, client_id: str) -> None:
        with self.lock:
            self.tools[client_id].active = True
            self.changed()

    def default_link(self, client_id: str) -> Link | None:
        with self.lock:
            return next(
                (
                    link
                    for link in self.links.values()
                    if link.client_id == client_id and link.created_by == "registration"
                ),
                None,
            )

    def add_line_item(self, item: LineItem) -> LineItem:
        with self.lock:
            self.line_items[item.id] = item
            self.changed()
            return item

    def delete_link(self, link_id: str) -> None:
        """A teacher deletes an activity/assignment: its grade item goes with it (later scores: 404)."""
        with self.lock:
            link = self.links.pop(link_id)
            if link.line_item_id is not None:
                self.line_items.pop(link.line_item_id, None)
            self.changed()

    def duplicate_link(self, link_id: str) -> Link:
        """A teacher duplicates an activity: same URL and custom parameters, a new grade item with
        the same resourceId and tag (Moodle titles the copy "(copy)", Canvas "Copy")."""
        with self.lock:
            original = self.links[link_id]
            suffix = " (copy)" if self.is_moodle else " Copy"
            copy = replace(original, id=self.new_link_id(), title=original.title + suffix, custom=dict(original.custom))
            source = self.line_items.get(original.line_item_id or "")
            if source is not None:
                item = replace(
                    source, id=self.new_line_item_id(), label=copy.title, resource_link_id=copy.id, scores={}
                )
                self.line_items[item.id] = item
                copy.line_item_id = item.id
            self.links[copy.id] = copy
            self.changed()
            return copy

    def new_line_item_id(self) -> str:
        return str(self.next_id("lineitem"))

    def gradebook(self) -> list[dict[str, Any]]:
        """Rows of (line item, user id, result) for the admin page and tests."""
        with self.lock:
            rows = []
            for item in self.line_items.values():
                for score in item.scores.values():
                    rows.append(
                        {
                            "line_item": item.id,
                            "label": item.label,
                            "user_id": score.user_id,
                            "result": score.result_score,
                            "maximum": item.score_maximum,
                            "comment": score.comment,
                            "timestamp": score.timestamp,
                        }
                    )
            return rows

    def prune(self, now: float | None = None) -> None:
        """Drop expired single-use records (called under the lock)."""
        now = now or time.time()
        tables: tuple[dict[str, Any], ...] = (
            self.hints,
            self.access_tokens,
            self.registration_tokens,
            self.deep_link_sessions,
            self.pending_content,
        )
        for table in tables:
            for key in [key for key, value in table.items() if value.expires_at < now]:
                del table[key]
        for jti in [jti for jti, exp in self.used_jtis.items() if exp < now]:
            del self.used_jtis[jti]

    # -- persistence ----------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {
            "keys": self.keys.to_json(),
            "tools": to_plain(self.tools),
            "links": to_plain(self.links),
            "line_items": to_plain(self.line_items),
            "counters": self.counters,
            "legacy_messages": self.legacy_messages,
            "access_tokens": to_plain(self.access_tokens),
            "used_jtis": self.used_jtis,
            "registration_tokens": to_plain(self.registration_tokens),
        }

    def load_json(self, data: dict[str, Any]) -> None:
        self.keys = KeyRing.from_json(data["keys"])
        self.tools = {key: Tool(**value) for key, value in data["tools"].items()}
        self.links = {key: Link(**value) for key, value in data["links"].items()}
        self.line_items = {key: line_item_from_plain(dict(value)) for key, value in data["line_items"].items()}
        self.counters = dict(data["counters"])
        self.legacy_messages = bool(data.get("legacy_messages", False))
        self.access_tokens = {key: AccessToken(**value) for key, value in data.get("access_tokens", {}).items()}
        self.used_jtis = dict(data.get("used_jtis", {}))
        self.registration_tokens = {
            key: RegistrationToken(**value) for key, value in data.get("registration_tokens", {}).items()
        }
