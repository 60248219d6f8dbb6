"""The floor: an empty Flask app answering the two steps of a launch without any work."""

from __future__ import annotations

import secrets

from flask import Flask, redirect, request
from werkzeug.wrappers import Response

app = Flask(__name__)


@app.get("/lti/login")
def login() -> Response:
    launch_url = request.args["target_link_uri"]
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    return redirect(f"http://platform.invalid/auth?state={state}&nonce={nonce}&redirect_uri={launch_url}", code=302)


@app.post("/lti/launch")
def launch() -> str:
    return "<!doctype html><title>Launched</title><p>Launched.</p>"
