"""Human-facing pages (home, gradebook) and the admin API (install, activate, publish)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, redirect, request
from markupsafe import escape

from devlms.http import json_error, json_response
from devlms.model import PRIVACY_LEVELS, USERS, Link, Tool
from devlms.platform import Platform
from devlms.store import DevLmsStore

CANVAS_DL_PLACEMENTS = ("link_selection", "assignment_selection", "course_assignments_menu", "editor_button")


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def platform_endpoints(platform: Platform) -> dict[str, str]:
    """What a tool needs to know for a manual install."""
    return {
        "issuer": platform.issuer,
        "authorization_endpoint": platform.url(platform.paths.auth),
        "token_endpoint": platform.token_url,
        "jwks_uri": platform.url(platform.paths.jwks),
    }


def install_tool(platform: Platform) -> Response:
    """POST /<flavour>/admin/tools: manual install from JSON; answers client_id, deployment_id, endpoints."""
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        return json_error(400, "invalid_request", "JSON object expected")
    required = ("login_url", "launch_url", "jwks_url")
    missing = [name for name in required if not isinstance(body.get(name), str) or not body[name]]
    if missing:
        return json_error(400, "invalid_request", f"missing: {', '.join(missing)}")
    redirect_uris = body.get("redirect_uris") or [body["launch_url"]]
    privacy = body.get("privacy", "public")
    if privacy not in PRIVACY_LEVELS or not isinstance(redirect_uris, list):
        return json_error(400, "invalid_request", "bad privacy or redirect_uris")
    tool = platform.install_tool(
        login_url=body["login_url"],
        launch_url=body["launch_url"],
        jwks_url=body["jwks_url"],
        redirect_uris=[str(uri) for uri in redirect_uris],
        name=str(body.get("name", "Stepping Stones")),
        scopes=body.get("scopes"),
        privacy=privacy,
        custom=body.get("custom"),
        deep_link_url=body.get("deep_link_url"),
        active=bool(body.get("active", True)),
    )
    return json_response(
        {"client_id": tool.client_id, "deployment_id": tool.deployment_id, **platform_endpoints(platform)}, 201
    )


def activate(platform: Platform, client_id: str) -> Response:
    if client_id not in platform.tools:
        return json_error(404, "not_found", f"no tool {client_id!r}")
    platform.activate_tool(client_id)
    if _wants_json():
        return json_response({"client_id": client_id, "active": True})
    return redirect("/", code=303)  # type: ignore[return-value]


def publish(platform: Platform, link_id: str) -> Response:
    with platform.lock:
        link = platform.links.get(link_id)
        if link is None:
            return json_error(404, "not_found", f"no link {link_id!r}")
        link.published = True
        platform.changed()
    if _wants_json():
        return json_response({"id": link_id, "published": True})
    return redirect("/", code=303)  # type: ignore[return-value]


def _launch_form(platform: Platform, tool: Tool, label: str, **fields: str) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in {"client_id": tool.client_id, **fields}.items()
    )
    return (
        f'<form method="get" action="{escape(platform.prefix)}/launch" style="display:inline">{inputs}'
        f"<button>{escape(label)}</button></form>"
    )


def _link_row(platform: Platform, tool: Tool, link: Link) -> str:
    facts: list[str] = [link.kind]
    if not link.published:
        facts.append("unpublished")
    if link.kind == "assignment" and link.submission_type != "external_tool":
        facts.append("not launchable")
    for name in ("unlock_at", "due_at", "lock_at"):
        if getattr(link, name):
            facts.append(f"{name.replace('_at', '')} {getattr(link, name)}")
    buttons = "".join(
        _launch_form(
            platform, tool, f"Launch as {'teacher' if u.role == 'Instructor' else u.name}", user=u.key, link=link.id
        )
        for u in USERS
    )
    publish_button = ""
    if not link.published:
        publish_button = (
            f'<form method="post" action="{platform.prefix}/admin/links/{escape(link.id)}/publish"'
            ' style="display:inline">'
            "<button>Publish</button></form>"
        )
    content_buttons = ""
    if link.created_by != "registration":  # what a teacher may do to an activity behind the tool's back
        content_buttons = "".join(
            f'<form method="post" action="{platform.prefix}/admin/links/{escape(link.id)}/{action}"'
            f' style="display:inline"><button>{label}</button></form>'
            for action, label in (("duplicate", "Duplicate"), ("delete", "Delete"))
        )
    return (
        f"<li><b>{escape(link.title)}</b> <small>({escape(', '.join(facts))})</small> "
        f"{buttons}{publish_button}{content_buttons}</li>"
    )


def _hidden_from_chooser(platform: Platform, tool: Tool) -> str:
    """Moodle 4.5: a preconfigured tool teachers cannot add until "Show in activity chooser" is on."""
    action = f"{platform.prefix}/admin/tools/{escape(tool.client_id)}/chooser"
    return (
        f'<p class="chooser-hidden" data-client-id="{escape(tool.client_id)}">Not in the activity chooser: '
        "teachers cannot add it to a course yet.</p>"
        f'<form method="post" action="{action}" style="display:inline"><input type="hidden" name="scope" '
        'value="course"><input type="hidden" name="show" value="1"><button>Show in activity chooser '
        "(this course: More › LTI External tools)</button></form>"
        f'<form method="post" action="{action}" style="display:inline"><input type="hidden" name="scope" '
        'value="site"><input type="hidden" name="show" value="1"><button>Show in activity chooser and as a '
        "preconfigured tool (site administration)</button></form>"
    )


def _platform_section(platform: Platform) -> str:
    parts = [
        f"<h2>{escape(platform.flavour.title())} <small>{escape(platform.issuer)}</small></h2>",
        f'<p><a href="{platform.prefix}/gradebook">Gradebook</a></p>',
    ]
    if not platform.tools:
        parts.append(
            "<p>No tools yet. Install one with Dynamic Registration: "
            f"<code>{escape(platform.prefix)}/admin/register?url=&lt;tool registration URL&gt;</code></p>"
        )
    for tool in platform.tools.values():
        status = "active" if tool.active else "pending"
        parts.append(
            f"<h3>{escape(tool.name)} <small>client_id {escape(tool.client_id)}, deployment "
            f"{escape(tool.deployment_id)}, {status}</small></h3>"
        )
        if not tool.active:
            parts.append(
                f'<form method="post" action="{platform.prefix}/admin/tools/{escape(tool.client_id)}/activate">'
                "<button>Activate</button></form>"
            )
            continue
        links = [link for link in platform.links.values() if link.client_id == tool.client_id]
        parts.append("<ul>" + "".join(_link_row(platform, tool, link) for link in links) + "</ul>")
        if platform.is_moodle and not tool.in_chooser:
            parts.append(_hidden_from_chooser(platform, tool))
            continue
        placements = CANVAS_DL_PLACEMENTS if not platform.is_moodle else ("ContentArea",)
        parts.append(
            "".join(
                _launch_form(
                    platform,
                    tool,
                    f"Add content (deep linking, {p})",
                    user="teacher",
                    message="LtiDeepLinkingRequest",
                    placement=p,
                )
                for p in placements
            )
        )
    return "".join(parts)


def home() -> Response:
    store: DevLmsStore = current_app.extensions["devlms"]
    with store.lock:
        body = "".join(_platform_section(platform) for platform in store.platforms)
    page = (
        "<!doctype html><html><head><title>Development LMS</title></head><body>"
        "<h1>Development LMS — Year 8 English (ENG8)</h1>"
        "<p>Two LTI 1.3 platforms for development and tests. Never use in production.</p>"
        f"{body}</body></html>"
    )
    return Response(page, mimetype="text/html")


def gradebook(platform: Platform) -> Response:
    rows: list[dict[str, Any]] = platform.gradebook()
    if _wants_json():
        return json_response(rows)
    cells = "".join(
        f"<tr><td>{escape(r['label'])}</td><td>{escape(r['user_id'])}</td><td>{escape(r['result'])}</td>"
        f"<td>{escape(r['maximum'])}</td><td>{escape(r['comment'] or '')}</td></tr>"
        for r in rows
    )
    page = (
        f"<!doctype html><title>Gradebook</title><h1>{escape(platform.flavour.title())} gradebook</h1>"
        "<table><tr><th>Item</th><th>User</th><th>Score</th><th>Out of</th><th>Comment</th></tr>"
        f"{cells}</table><p><a href='/'>Back</a></p>"
    )
    return Response(page, mimetype="text/html")


def register(app: Flask, platform: Platform) -> None:
    from devlms.app import bind

    bind(app, platform, "/admin/tools", "install_tool", install_tool, ["POST"])
    bind(app, platform, "/admin/tools/<client_id>/activate", "activate", activate, ["POST"])
    bind(app, platform, "/admin/links/<link_id>/publish", "publish", publish, ["POST"])
    bind(app, platform, "/gradebook", "gradebook", gradebook, ["GET"])
