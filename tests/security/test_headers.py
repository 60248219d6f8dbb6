"""Security headers, the cross-site POST check, size limits and rate limits, through the app."""

from __future__ import annotations

from typing import Any

import pytest

from tests.lti.platform import INSTRUCTOR, LTI, launch, register


def _teacher_token(client: Any, platform: Any) -> str:
    from urllib.parse import parse_qs, urlsplit

    response = launch(client, platform, **{LTI + "roles": [INSTRUCTOR]})
    assert response.status_code == 303
    return parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]


def test_pages_carry_csp_with_registered_platforms_as_frame_ancestors(client, registered):
    token = _teacher_token(client, registered)
    response = client.get("/teacher/", query_string={"lt": token})
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    ancestors = next(d for d in csp.split(";") if d.strip().startswith("frame-ancestors")).split()[1:]
    assert "'self'" in ancestors and registered.url in ancestors  # the platform's login origin
    assert "https://platform.example" in ancestors  # its issuer
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "nonce-" not in csp
    assert "X-Frame-Options" not in response.headers  # it cannot list several origins
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain http: HSTS would be ignored


def test_static_files_and_the_jwks_stay_cacheable(client):
    assert "no-store" not in client.get("/lti/jwks").headers.get("Cache-Control", "")
    with client.get("/static/app.css") as css:
        assert "no-store" not in css.headers.get("Cache-Control", "")


def test_extra_frame_ancestors_come_from_settings(settings):
    from tool import create_app
    from tool.db import upgrade_schema

    app = create_app(settings.model_copy(update={"frame_ancestors": "https://*.instructure.com"}), TESTING=True)
    upgrade_schema(app)
    csp = app.test_client().get("/lti/jwks").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://*.instructure.com" in csp
    app.extensions["db_engine"].dispose()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": "null"}, 403),
        ({"Referer": "https://evil.example/page"}, 403),
        ({"Origin": "http://127.0.0.1:5000"}, 200),  # our own origin (SS_BASE_URL)
        ({"Origin": "http://localhost"}, 200),  # the host the request came to
        ({"Referer": "http://127.0.0.1:5000/teacher/"}, 200),
        ({}, 200),  # not a browser: browsers always send Origin on cross-origin POSTs
    ],
    ids=["other-origin", "null-origin", "other-referer", "own-origin", "request-host", "own-referer", "no-headers"],
)
def test_state_changing_posts_must_come_from_our_pages(client, registered, headers, status):
    token = _teacher_token(client, registered)
    response = client.post("/teacher/new", data={"lt": token}, headers=headers)
    if status == 403:
        assert response.status_code == 403
        assert "another site" in response.get_data(as_text=True)
    else:
        assert response.status_code == 422  # accepted for checking: the form comes back, fields missing


def test_registered_platform_origin_may_post(client, registered):
    token = _teacher_token(client, registered)
    response = client.post("/teacher/new", data={"lt": token}, headers={"Origin": registered.url})
    assert response.status_code == 422


def test_launches_are_exempt_from_the_origin_check(client, registered):
    # The platform posts the id_token from its own origin (any, for an unregistered issuer's error page).
    from tests.lti.platform import login

    auth = login(client, registered)
    token = registered.sign(registered.claims(auth["nonce"]))
    response = client.post("/lti/launch", data={"id_token": token, "state": auth["state"]},
                           headers={"Origin": "https://lms.school.example"})
    assert response.status_code == 303


def test_an_oversized_post_gets_a_clear_413_page_on_every_area(client, registered):
    token = _teacher_token(client, registered)
    big = "x" * (300 * 1024)
    for path in ("/teacher/new", "/lti/launch", "/student/respond", "/teacher/deep-link",
                 "/teacher/s/sq-unknown/edit/diagnostic", "/lti/register", "/admin/login"):
        response = client.post(path, query_string={"lt": token}, data={"lt": token, "text": big})
        body = response.get_data(as_text=True)
        assert response.status_code == 413, (path, body[:300])
        assert "too large" in body and 'role="alert"' in body


def test_rate_limit_answers_429_with_a_page(settings, platform):
    from tool import create_app
    from tool.db import upgrade_schema

    app = create_app(settings.model_copy(update={"rate_limit_lti": "3 per minute"}), TESTING=True)
    upgrade_schema(app)
    register(app, platform)
    client = app.test_client()
    query = {"iss": platform.issuer, "client_id": platform.client_id, "login_hint": "u"}
    statuses = [client.get("/lti/login", query_string=query).status_code for _ in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    page = client.get("/lti/login", query_string=query)
    assert "Too many requests" in page.get_data(as_text=True)
    # Other endpoints are not counted against it.
    assert client.get("/lti/jwks").status_code == 200
    app.extensions["db_engine"].dispose()


def test_process_counters_count_per_client_and_forget_a_finished_window(monkeypatch):
    from limits import parse

    from tool import ratelimit

    now = [1_000_020.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    counters = ratelimit.ProcessCounters()
    rule = parse("2 per minute")
    assert [counters.hit(rule, "lti.launch", "10.0.0.1") for _ in range(3)] == [True, True, False]
    assert counters.hit(rule, "lti.launch", "10.0.0.2")  # another school's address has its own count
    assert counters.hit(rule, "lti.login", "10.0.0.1")  # and so has another endpoint
    now[0] += 60  # the next minute
    assert counters.hit(rule, "lti.launch", "10.0.0.1")


@pytest.mark.production
def test_the_shared_tier_counts_across_processes_in_redis_when_configured(settings):
    # Two apps stand for two web processes: a shared rule (registration) is counted once for both.
    import redis

    from tool import create_app
    from tool.db import upgrade_schema

    url = "redis://127.0.0.1:6379/12"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.ConnectionError:
        pytest.fail("Redis on 127.0.0.1:6379 is needed (CI starts it)")
    changed = settings.model_copy(update={"cache_url": url, "rate_limit_register": "2 per hour"})
    apps = [create_app(changed, TESTING=True) for _ in range(2)]
    upgrade_schema(apps[0])
    statuses = [apps[n % 2].test_client().get("/lti/register").status_code for n in range(4)]
    assert 429 not in statuses[:2] and statuses[2:] == [429, 429]
    for app in apps:
        app.extensions["db_engine"].dispose()
    redis.Redis.from_url(url).flushdb()
