"""Small response helpers shared by the devlms views."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from markupsafe import escape


def error_page(status: int, error: str, description: str) -> Response:
    """An HTML error page a person can read, with the OAuth-style error code first."""
    body = f"<!doctype html><title>{escape(error)}</title><h1>{escape(error)}</h1><p>{escape(description)}</p>"
    return Response(body, status=status, mimetype="text/html")


def json_error(status: int, error: str, description: str = "", **headers: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    response.headers.update(headers)
    return response


def json_response(data: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    import json

    return Response(json.dumps(data), status=status, mimetype=mimetype)
