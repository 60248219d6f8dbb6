"""Error pages that tell a person what happened and what to do next."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


class UserFacingError(Exception):
    """An error whose message is written for the person in front of the screen."""

    def __init__(self, title: str, explanation: str, fix: str, status: int = 400) -> None:
        super().__init__(explanation)
        self.title = title
        self.explanation = explanation
        self.fix = fix
        self.status = status


def init_app(app: Flask) -> None:
    @app.errorhandler(UserFacingError)
    def _user_facing(error: UserFacingError):  # type: ignore[no-untyped-def]
        return (
            render_template("error.html", title=error.title, explanation=error.explanation, fix=error.fix),
            error.status,
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):  # type: ignore[no-untyped-def]
        return (
            render_template(
                "error.html",
                title=f"{error.code} {error.name}",
                explanation=error.description or "",
                fix="",
            ),
            error.code or 500,
        )

    @app.after_request
    def _security_headers(response):  # type: ignore[no-untyped-def]
        # Launch tokens travel in URLs inside the LMS iframe: never leak them in Referer.
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
