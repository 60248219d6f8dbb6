"""Running the development LMS in-process for tests and demos, and driving launches over HTTP.

``DevLmsServer`` serves the devlms app with werkzeug on 127.0.0.1, port 0, in a
thread. ``LaunchDriver`` plays the browser: it starts a launch at the devlms,
follows the redirects through the tool's login initiation to the platform's
authorization endpoint, reads the auto-submitting form and POSTs it to the tool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlencode, urljoin

import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from devlms.app import create_devlms_app
from devlms.model import Flavour
from devlms.platform import Platform
from devlms.store import DevLmsStore

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
M = TypeVar("M", bound=WsgiApp)


class ServerThread:
    """Any WSGI app served on 127.0.0.1 at a free port, in a daemon thread (threaded server)."""

    def __init__(self, app: WsgiApp | None = None, port: int = 0) -> None:
        self.app: WsgiApp | None = app
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def _dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.app is None:
            raise RuntimeError("ServerThread started without an app")
        return self.app(environ, start_response)

    def start(self) -> str:
        """Bind (poll every 50 ms so ``stop`` is quick), start serving, return the base URL (``http://127.0.0.1:<port>``)."""
        self._server = make_server("127.0.0.1", self.port, self._dispatch, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="devlms-http", daemon=True
        )
        self._thread.start()
        return self.url

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("server not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None


class DevLmsServer:
    """The devlms on a loopback port. Use as a context manager or call ``start()``/``stop()``.

    ``.canvas`` and ``.moodle`` are the live ``Platform`` objects (tools, links,
    line items with scores, keys); their methods ``register_tool``,
    ``activate_tool``, ``rotate_key``, ``sign_id_token`` and ``launch_claims``
    act on the running server's state.
    """

    def __init__(self, state_path: Path | None = None, port: int = 0) -> None:
        """``port`` 0 (tests) picks a free port; the demo passes a fixed one so issuers stay stable."""
        self.state_path = state_path
        self._thread = ServerThread(port=port)
        self.app: Flask | None = None

    def start(self) -> DevLmsServer:
        url = self._thread.start()
        self.app = create_devlms_app(url, self.state_path)
        self._thread.app = self.app.wsgi_app
        return self

    def stop(self) -> None:
        self._thread.stop()

    def wrap(self, middleware: Callable[[WsgiApp], M]) -> M:
        """Put WSGI middleware in front of the running devlms (tests inject network faults
        this way); returns the wrapper now serving."""
        current = self._thread.app
        if current is None:
            raise RuntimeError("server not started")
        wrapped = middleware(current)
        self._thread.app = wrapped
        return wrapped

    def __enter__(self) -> DevLmsServer:
        return self.start()

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self._thread.url

    @property
    def store(self) -> DevLmsStore:
        if self.app is None:
            raise RuntimeError("server not started")
        store: DevLmsStore = self.app.extensions["devlms"]
        return store

    @property
    def canvas(self) -> Platform:
        return self.store.canvas

    @property
    def moodle(self) -> Platform:
        return self.store.moodle

    def platform(self, flavour: Flavour) -> Platform:
        return self.store.platform(flavour)

    def launch_url(
        self,
        flavour: Flavour,
        client_id: str,
        user: str = "teacher",
        link: str | None = None,
        message: str = "LtiResourceLinkRequest",
        placement: str | None = None,
    ) -> str:
        """The devlms URL a browser opens to start a launch (what the home page's buttons do)."""
        params = {"client_id": client_id, "user": user, "message": message}
        if link:
            params["link"] = link
        if placement:
            params["placement"] = placement
        return f"{self.url}/{flavour}/launch?{urlencode(params)}"

    def registration_url(self, flavour: Flavour, tool_registration_url: str) -> str:
        """Where an admin's browser lands for Dynamic Registration (token minted, single use)."""
        from devlms.dynreg import registration_start_url

        return registration_start_url(self.platform(flavour), tool_registration_url)


@dataclass
class AutoSubmitForm:
    action: str
    fields: dict[str, str]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
        elif tag == "input" and values.get("name"):
            self.fields[values["name"]] = values.get("value", "")


def parse_auto_submit_form(html: str, base_url: str = "") -> AutoSubmitForm:
    """The first form of an auto-submitting page (action made absolute) and its named inputs."""
    parser = _FormParser()
    parser.feed(html)
    if parser.action is None:
        raise ValueError("no form in the page")
    return AutoSubmitForm(urljoin(base_url, parser.action), parser.fields)


def answer_summary(response: requests.Response, *, save: bool = True) -> requests.Response:
    """Press Save (or Cancel) on Moodle's summary of returned deep-linking items; other pages pass through."""
    if "/mod/lti/contentitem_confirm.php" not in response.text:
        return response
    form = parse_auto_submit_form(response.text, response.url)
    fields = {**form.fields, "decision": "save" if save else "cancel"}
    return requests.post(form.action, data=fields, timeout=30)


class LaunchDriver:
    """Performs launches like a browser, over real HTTP, with one ``requests.Session`` (cookies kept)."""

    def __init__(self, server: DevLmsServer, session: requests.Session | None = None) -> None:
        self.server = server
        self.session = session or requests.Session()
        self.last_form: AutoSubmitForm | None = None

    def authorize(self, flavour: Flavour, client_id: str, **launch: Any) -> AutoSubmitForm:
        """Run the launch up to the platform's auto-submit form; raises if a step answers an error."""
        response = self.session.get(self.server.launch_url(flavour, client_id, **launch), timeout=30)
        if response.status_code != 200:
            raise LaunchError(response)
        try:
            form = parse_auto_submit_form(response.text, response.url)
        except ValueError:
            raise LaunchError(response) from None
        self.last_form = form
        return form

    def launch(
        self, flavour: Flavour, client_id: str, follow_redirects: bool = True, **launch: Any
    ) -> requests.Response:
        """The tool's final response to the id_token POST (redirects followed unless told otherwise)."""
        form = self.authorize(flavour, client_id, **launch)
        return self.session.post(form.action, data=form.fields, allow_redirects=follow_redirects, timeout=30)

    def close(self) -> None:
        self.session.close()


class LaunchError(Exception):
    """A launch step answered something other than the auto-submit form."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"{response.status_code} from {response.url}: {response.text[:300]}")
        self.response = response
