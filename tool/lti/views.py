"""LTI endpoints (routes only; the work is in the modules they call).

GET+POST /lti/login     OIDC login initiation
POST     /lti/launch    resource-link and deep-linking launches
GET      /lti/jwks      the tool's public keys
GET/POST /lti/register  Dynamic Registration (GET shows, POST completes)
GET      /lti/canvas.json  Canvas developer-key JSON
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, jsonify, redirect, render_template, request
from werkzeug.wrappers import Response

from tool.lti import tool_configuration as conf
from tool.lti.dynamic_registration import ToolDynamicRegistration, registration_failed
from tool.lti.message_launch import HardenedMessageLaunch, LaunchRejected
from tool.lti.oidc import KvOIDCLogin
from tool.lti.runtime import get_runtime, init_runtime
from tool.lti.session import TOKEN_PARAM, start_session

bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")

# The teacher and student areas are other features: redirect by path, as the shared contract fixes them.
TEACHER_HOME = "/teacher/"
TEACHER_DEEP_LINK = "/teacher/deep-link"
STUDENT_HOME = "/student/"


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    runtime = get_runtime()
    return KvOIDCLogin(runtime).start(runtime.url("/lti/launch"))


@bp.route("/launch", methods=["POST"])
def launch() -> Response | tuple[str, int]:
    if not request.form.get("id_token"):
        raise LaunchRejected("The platform did not send an id_token with this launch.")
    message = HardenedMessageLaunch(get_runtime()).validate()
    lti_launch = message.to_launch()
    if lti_launch.is_deep_linking:
        if not lti_launch.is_instructor:
            return render_template("lti/ask_teacher.html", launch=lti_launch), 200
        return redirect(_with_token(TEACHER_DEEP_LINK, start_session(lti_launch)), code=303)
    if lti_launch.is_instructor:
        return redirect(_with_token(TEACHER_HOME, start_session(lti_launch)), code=303)
    if lti_launch.is_learner:
        step = message.requested_step()
        extra = {"step": step} if step else {}
        return redirect(_with_token(STUDENT_HOME, start_session(lti_launch), **extra), code=303)
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
    config_url = request.values.get("openid_configuration", "")
    token = request.values.get("registration_token", "")
    if not config_url:
        raise registration_failed("The platform did not send its openid_configuration address.")
    if request.method == "GET":
        return render_template("lti/register.html", config_url=config_url, registration_token=token)
    outcome = ToolDynamicRegistration(get_runtime(), config_url, token).run()
    return render_template("lti/registered.html", outcome=outcome)


def _with_token(path: str, token: str, **extra: str) -> str:
    return f"{path}?{urlencode({TOKEN_PARAM: token, **extra})}"


def init_app(app: Flask) -> None:
    init_runtime(app)
    app.register_blueprint(bp)
