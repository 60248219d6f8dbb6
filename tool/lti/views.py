"""LTI endpoints (routes only; the work is in the modules they call).

GET+POST /lti/login     OIDC login initiation
POST     /lti/launch    resource-link and deep-linking launches
GET      /lti/jwks      the tool's public keys
GET/POST /lti/register  Dynamic Registration (GET shows, POST completes)
GET      /lti/canvas.json  Canvas developer-key JSON
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, jsonify, render_template, request
from werkzeug.wrappers import Response

from tool.lti import tool_configuration as conf
from tool.lti.dynamic_registration import registration_page
from tool.lti.message_launch import STORAGE_FIELD, STORAGE_TRIED_FIELD, LaunchRejected, StorageCheck, validate_launch
from tool.lti.oidc import bare_redirect, start_login
from tool.lti.runtime import get_runtime, init_runtime
from tool.lti.session import TOKEN_PARAM, claim_session
from tool.ratelimit import limit_endpoint

bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")

# The teacher and student areas are other features: redirect by path, as the shared contract fixes them.
TEACHER_HOME = "/teacher/"
TEACHER_DEEP_LINK = "/teacher/deep-link"
TEACHER_STEP = "/teacher/steps/"
STUDENT_HOME = "/student/"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    return start_login(get_runtime())


@bp.route("/launch", methods=["POST"])
def launch() -> Response | tuple[str, int]:
    outcome = validate_launch(get_runtime())
    if isinstance(outcome, StorageCheck):
        # The cookie did not come back: read the login's secret from the platform's storage, then post again.
        return render_template(
            "lti/platform_storage.html",
            storage={"action": "get", "target": outcome.login.storage_target,
                     "origin": outcome.login.storage_origin, "key": outcome.login.storage_key},
            resubmit={"id_token": request.form["id_token"], "state": request.form["state"]},
            value_field=STORAGE_FIELD,
            tried_field=STORAGE_TRIED_FIELD,
        ), 200
    lti_launch = outcome.to_launch()
    token = claim_session(lti_launch)
    if token is None:
        raise LaunchRejected(
            "This launch message was already used (its nonce has been seen before).",
            title="This launch has expired or was already used",
        )
    if lti_launch.is_deep_linking:
        if not lti_launch.is_instructor:
            return render_template("lti/ask_teacher.html", launch=lti_launch), 200
        return bare_redirect(_with_token(TEACHER_DEEP_LINK, token), 303)
    if lti_launch.is_instructor:
        step = outcome.requested_step()
        if step:  # a teacher opened a step link in the course: that sequence's progress
            return bare_redirect(_with_token(TEACHER_STEP + step, token), 303)
        return bare_redirect(_with_token(TEACHER_HOME, token), 303)
    if lti_launch.is_learner:
        step = outcome.requested_step()
        # "launched" marks the page a launch lands on: only there does the launch's AGS claim belong to the step.
        extra = {"step": step, "launched": "1"} if step else {}
        return bare_redirect(_with_token(STUDENT_HOME, token, **extra), 303)
    return render_template("lti/ask_teacher.html", launch=lti_launch), 200


@bp.route("/jwks")
def jwks() -> Response:
    response = jsonify(get_runtime().tool_keys.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/canvas.json")
def canvas_json() -> Response:
    return jsonify(conf.canvas_developer_key(get_runtime()))


@bp.route("/register", methods=["GET", "POST"])
def register() -> str:
    return registration_page()


def _with_token(path: str, token: str, **extra: str) -> str:
    return f"{path}?{urlencode({TOKEN_PARAM: token, **extra})}"


def init_app(app: Flask) -> None:
    init_runtime(app)
    app.register_blueprint(bp)
    settings = app.config["SETTINGS"]
    for endpoint in ("lti.login", "lti.launch"):
        limit_endpoint(app, endpoint, settings.rate_limit_lti)
    # Each registration makes the server fetch and post to another server: far fewer per client address.
    limit_endpoint(app, "lti.register", settings.rate_limit_register, shared=True)
