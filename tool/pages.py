"""Error pages that tell a person what happened and what to do next.

One path renders every error page, and it cannot raise: the template is
rendered straight from the Jinja environment, WITHOUT the blueprints' context
processors (they read the request's form, which is exactly what fails on a body
that is too large), and if even that fails a fixed page is sent.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app
from markupsafe import escape
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

log = logging.getLogger(__name__)


class UserFacingError(Exception):
    """An error whose message is written for the person in front of the screen."""

    def __init__(self, title: str, explanation: str, fix: str, status: int = 400) -> None:
        super().__init__(explanation)
        self.title = title
        self.explanation = explanation
        self.fix = fix
        self.status = status


# Plain words for the HTTP errors a person can meet: (title, explanation, what to do).
HTTP_WORDS: dict[int, tuple[str, str, str]] = {
    400: ("This request could not be used", "Something in what was sent is not in the form Stepping Stones expects.",
          "Go back, check what you typed and try again."),
    404: ("This page does not exist", "Nothing here matches the address you followed.",
          "Go back to your course and open Stepping Stones again."),
    405: ("This page cannot be used that way", "The address exists, but not for this kind of request.",
          "Go back to your course and open Stepping Stones again."),
    413: ("What you sent is too large", "Stepping Stones accepts up to 256 kB in one form; this was more.",
          "Shorten the text (or send it in parts) and try again. Nothing was saved from this attempt."),
    429: ("Too many requests at once", "This address sent more requests than Stepping Stones accepts in a minute.",
          "Wait a minute, then try again."),
}

FALLBACK = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} · Stepping Stones</title></head>'
    '<body><main><section class="error" role="alert"><h1>{title}</h1><p>{explanation}</p>'
    '<p class="fix"><strong>What to do:</strong> {fix}</p></section></main></body></html>'
)


def error_page(title: str, explanation: str, fix: str, status: int) -> Response:
    """The error page; never raises."""
    try:
        html = current_app.jinja_env.get_template("error.html").render(title=title, explanation=explanation, fix=fix)
    except Exception:  # a template or url_for failure must still give the person a page
        log.exception("error page template failed; sending the fixed page")
        html = FALLBACK.format(title=escape(title), explanation=escape(explanation), fix=escape(fix))
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    from tool import security

    security.init_app(app)

    @app.errorhandler(UserFacingError)
    def _user_facing(error: UserFacingError) -> Response:
        return error_page(error.title, error.explanation, error.fix, error.status)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        code = error.code or 500
        title, explanation, fix = HTTP_WORDS.get(code, (f"{code} {error.name}", error.description or "", ""))
        response = error_page(title, explanation, fix, code)
        if code == 405 and error.response is None:
            allowed = getattr(error, "valid_methods", None)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error", exc_info=error)
        return error_page(
            "Something went wrong on our side",
            "Stepping Stones hit an unexpected problem with this request. Nothing you typed is lost from the "
            "page you came from.",
            "Go back and try again in a moment. If it keeps happening, tell your school's Stepping Stones "
            "administrator.",
            500,
        )
