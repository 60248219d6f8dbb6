"""The console's routes.

GET      /admin/                      registrations, deployments, usage (sign-in page when not signed in)
GET/POST /admin/login, POST /admin/logout   the tool administrator's password session
POST     /admin/registrations/<pk>/approve | remove | suspend   pending (and suspended) registrations
POST     /admin/deployments/<pk>/activate | deactivate
POST     /admin/activate-offer        a platform administrator switches on the deployment they launched from
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, current_app, redirect, render_template, request
from sqlalchemy import delete
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from tool.admin import auth
from tool.admin.activation import DeploymentNotActive, take_offer
from tool.admin.roles import is_platform_admin
from tool.admin.usage import Usage, usage_by_deployment
from tool.generation.usage_ledger import deployment_usage
from tool.lti.models import Registration
from tool.lti.runtime import get_runtime
from tool.pages import UserFacingError
from tool.privacy.lifecycle import delete_deployment

bp = Blueprint("admin", __name__, url_prefix="/admin")

LOGIN_RATE_LIMIT = "30 per minute"
MAX_PK = 2**31 - 1  # ids beyond a 32-bit integer do not exist (and PostgreSQL would refuse to compare them)
NOTICES = {
    "activated": "The deployment is switched on: teachers and students can open Stepping Stones from it.",
    "deactivated": "The deployment is switched off: launches from it are refused until it is switched on again.",
    "approved": "The registration is approved. Switch on its deployments below.",
    "removed": "The pending registration was removed.",
    "suspended": "The registration waits for approval again: nobody can open Stepping Stones from it until then.",
    "data-deleted": "Every sequence, response, job and course of that deployment was deleted (the audit log keeps "
    "ids only). Marks already sent to the LMS gradebook stay there.",
}


def _forbidden() -> UserFacingError:
    return UserFacingError(
        "Only administrators can do this",
        "This page belongs to the Stepping Stones administration console.",
        "Sign in at /admin/login, or open Stepping Stones from your LMS as a site administrator.",
        status=403,
    )


def _not_found() -> UserFacingError:
    return UserFacingError(
        "Not found", "There is no such registration or deployment.", "Go back to the console.", status=404
    )


def _require_admin(post: bool = False) -> auth.AdminIdentity:
    identity = auth.current_admin()
    if identity is None:
        raise _forbidden()
    if post and not auth.csrf_ok(identity):
        raise UserFacingError(
            "This form has expired",
            "The form was not sent from the console page you were signed in to.",
            "Open the console again and repeat the action.",
            status=400,
        )
    return identity


def _console_url(identity: auth.AdminIdentity, **extra: str) -> str:
    params = dict(extra)
    if identity.launch_token:
        params["lt"] = identity.launch_token
    return "/admin/" + (f"?{urlencode(params)}" if params else "")


@bp.get("/")
def console() -> Response | str:
    identity = auth.current_admin()
    if identity is None:
        return redirect("/admin/login", code=303)
    registry = get_runtime().registry
    overview = [item for item in registry.overview() if identity.may_manage(item[0].pk)]
    engine = current_app.extensions["db_engine"]
    deployment_pks = [d.pk for _, ds in overview for d in ds]
    usage = usage_by_deployment(engine, deployment_pks)
    with Session(engine) as db:
        tokens = {pk: deployment_usage(db, pk) for pk in deployment_pks}
    return render_template(
        "admin/console.html",
        identity=identity,
        pending=[item for item in overview if item[0].pending],
        registrations=[item for item in overview if not item[0].pending],
        usage=usage,
        tokens=tokens,
        empty=Usage(),
        notice=NOTICES.get(request.args.get("done", "")),
        register_url=get_runtime().url("/lti/register"),
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    configured = auth.password_configured()
    if request.method == "GET":
        return render_template("admin/login.html", configured=configured, error=None)
    if auth.too_many_failures():
        return render_template(
            "admin/login.html", configured=configured,
            error="Too many wrong passwords from this address. Wait 15 minutes and try again.",
        ), 429
    password = request.form.get("password", "")
    if not configured or len(password) > 1024 or not auth.check_password(password):
        return render_template("admin/login.html", configured=configured, error="That password is not right."), 403
    response = redirect("/admin/", code=303)
    auth.start_password_session(response)
    return response


@bp.post("/logout")
def logout() -> Response:
    response = redirect("/admin/login", code=303)
    auth.end_password_session(response)
    return response


def _registration_row(db: Session, pk: int, identity: auth.AdminIdentity) -> Registration:
    row = db.get(Registration, pk) if 0 < pk <= MAX_PK else None
    if row is None or not identity.may_manage(row.id):
        raise _not_found()
    return row


@bp.post("/registrations/<int:pk>/approve")
def approve(pk: int) -> Response:
    identity = _require_admin(post=True)
    registry = get_runtime().registry
    with Session(current_app.extensions["db_engine"]) as db:
        _registration_row(db, pk, identity)
    registry.set_registration_status(pk, "active")
    return redirect(_console_url(identity, done="approved"), code=303)


@bp.post("/registrations/<int:pk>/suspend")
def suspend(pk: int) -> Response:
    """Put an approved registration back to waiting: its logins and launches stop until it is approved again."""
    identity = _require_admin(post=True)
    if identity.kind != "password":
        raise _forbidden()  # an LMS administrator cannot lock their own platform out
    with Session(current_app.extensions["db_engine"]) as db:
        _registration_row(db, pk, identity)
    get_runtime().registry.set_registration_status(pk, "pending")
    _forget_active_cache()
    return redirect(_console_url(identity, done="suspended"), code=303)


@bp.post("/registrations/<int:pk>/remove")
def remove(pk: int) -> Response:
    """Only a pending registration can be removed here: an approved one may own courses and sequences."""
    identity = _require_admin(post=True)
    with Session(current_app.extensions["db_engine"]) as db:
        row = _registration_row(db, pk, identity)
        if row.status != "pending":
            raise UserFacingError(
                "Only pending registrations can be removed here",
                "This registration is approved and may already hold courses and sequences.",
                "Switch its deployments off instead.",
                status=409,
            )
        db.execute(delete(Registration).where(Registration.id == pk, Registration.status == "pending"))
        db.commit()
    get_runtime().registry.invalidate()
    return redirect(_console_url(identity, done="removed"), code=303)


def _set_deployment(pk: int, active: bool) -> Response:
    identity = _require_admin(post=True)
    registry = get_runtime().registry
    found = registry.deployment_by_pk(pk) if 0 < pk <= MAX_PK else None
    if found is None or not identity.may_manage(found[0].pk):
        raise _not_found()
    if active and found[0].pending:
        raise UserFacingError(
            "Approve the registration first",
            "This deployment belongs to a registration that is still waiting for approval.",
            "Approve the registration, then switch the deployment on.",
            status=409,
        )
    registry.set_deployment_active_by_pk(pk, active)
    _forget_active_cache()
    return redirect(_console_url(identity, done="activated" if active else "deactivated"), code=303)


@bp.post("/deployments/<int:pk>/activate")
def activate(pk: int) -> Response:
    return _set_deployment(pk, True)


@bp.post("/deployments/<int:pk>/deactivate")
def deactivate(pk: int) -> Response:
    return _set_deployment(pk, False)


@bp.post("/deployments/<int:pk>/delete-data")
def delete_data(pk: int) -> Response:
    """Delete everything one deployment's courses hold: only once it is switched off, and with its id typed."""
    identity = _require_admin(post=True)
    found = get_runtime().registry.deployment_by_pk(pk) if 0 < pk <= MAX_PK else None
    if found is None or not identity.may_manage(found[0].pk):
        raise _not_found()
    deployment = found[1]
    if deployment.active:
        raise UserFacingError(
            "Switch the deployment off first",
            "Its data cannot be deleted while teachers and students can still open Stepping Stones from it.",
            "Switch it off in the console, then delete its data.",
            status=409,
        )
    if request.form.get("confirm", "").strip() != deployment.deployment_id:
        raise UserFacingError(
            "Nothing was deleted",
            "To delete a deployment's data, type its deployment id exactly as the console shows it.",
            "Go back and type the deployment id in the box next to the button.",
            status=400,
        )
    with Session(current_app.extensions["db_engine"]) as db:
        delete_deployment(db, pk)
        db.commit()
    return redirect(_console_url(identity, done="data-deleted"), code=303)


@bp.post("/activate-offer")
def activate_offer() -> str:
    runtime = get_runtime()
    offer = take_offer(runtime, request.form.get("offer", ""))
    found = runtime.registry.deployment_by_pk(offer.deployment_pk) if offer else None
    if offer is None or found is None or found[0].pk != offer.registration_pk or found[0].pending:
        raise UserFacingError(
            "This switch-on link has expired",
            "The offer to switch Stepping Stones on is valid once, for 15 minutes after your launch.",
            "Open Stepping Stones from your LMS again as a site administrator, or use the console.",
            status=400,
        )
    runtime.registry.set_deployment_active_by_pk(offer.deployment_pk, True)
    _forget_active_cache()
    return render_template("admin/activated.html", platform=found[0], deployment=found[1])


def _forget_active_cache() -> None:
    """The launch path caches active deployments briefly; drop that cache in this process."""
    from tool.lti import session

    forget = getattr(session, "forget_deployments", None)
    if forget is not None:
        forget(current_app._get_current_object())  # type: ignore[attr-defined]


def _not_active_page(error: DeploymentNotActive) -> tuple[str, int]:
    return render_template("admin/not_active.html", error=error), error.status


def _console_link() -> dict[str, Any]:
    """``admin_console_url`` for pages of a launch by a platform administrator (the bar shows a link)."""
    from tool.lti.session import TOKEN_PARAM, current_launch

    if not request.values.get(TOKEN_PARAM) or request.blueprint == "admin":
        return {}
    try:
        launch = current_launch()
    except Exception:  # a context processor must never turn a page into an error
        return {}
    if not is_platform_admin(launch.roles):
        return {}
    return {"admin_console_url": "/admin/?" + urlencode({TOKEN_PARAM: request.values[TOKEN_PARAM]})}


def init_app(app: Flask) -> None:
    from tool.ratelimit import limit_endpoint

    app.register_blueprint(bp)
    # Flood control per client address; wrong passwords are also counted and refused (auth.MAX_FAILURES).
    limit_endpoint(app, "admin.login", LOGIN_RATE_LIMIT, shared=True)
    app.register_error_handler(DeploymentNotActive, _not_active_page)
    app.context_processor(_console_link)

