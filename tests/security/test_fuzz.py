"""Fuzz every route and form of the app with hostile values: never an HTTP 500.

Hypothesis draws a route from ``app.url_map`` (every rule, every method), fills
its path arguments, query string and form fields with hostile values (huge and
negative numbers, markup, template and SQL syntax, control characters, very
long and non-ASCII text, known field names with wrong values), and sends the
same request as a teacher, a student, and with a forged launch token. Every
answer must be below 500. The request count is printed and must reach
``MIN_REQUESTS``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.lti.platform import INSTRUCTOR, LEARNER, LTI, launch

MIN_REQUESTS = 5000
EXAMPLES = 1800  # x 3 launch contexts per example
HOSTILE = [
    "", "0", "-1", "1", "2147483648", "9223372036854775808", "99999999999999999999999999999",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "{{7*7}}", "{% raw %}", "${7*7}",
    "' OR 1=1 --", "1; DROP TABLE sequences", "../../etc/passwd", "%00", "\x00", "\r\nSet-Cookie: x=1",
    "é" * 200, "a" * 5000, "null", "[]", "{}", "NaN", "1e309", "true", "sq-unknown", "st_abc", "🙂" * 50,
]
# Form fields the tool's forms read (so hostile values reach the parsing code, not just unknown keys).
FIELDS = [
    "lt", "target_skill", "student_level", "current_avoidance", "subject_area", "student_profile",
    "previous_attempts", "student_strengths", "student", "student_label", "ladder", "text", "content",
    "response", "note", "mode", "first_date", "spacing_days", "timezone", "sequence", "step", "section",
    "version", "number", "index", "task", "confirm", "id_token", "state", "iss", "login_hint",
    "target_link_uri", "client_id", "lti_message_hint", "lti_storage_target", "openid_configuration",
    "registration_token", "password", "username", "platform_storage_value", "platform_storage_tried",
    "did_in_class", "reason", "title", "items", "release", "target_label", "target_sub", "name",
    "student_does", "why_it_builds_efficacy", "success_looks_like", "teacher_script", "if_struggles",
    "student_instructions", "increment",
]

ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40),
                   st.integers(min_value=-(2**70), max_value=2**70).map(str))


def _token(response: Any) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return parse_qs(urlsplit(response.headers["Location"]).query)["lt"][0]


def test_no_route_answers_500_to_hostile_input(app, registered):
    client = app.test_client()
    teacher = _token(launch(client, registered, **{LTI + "roles": [INSTRUCTOR]}))
    student = _token(launch(client, registered, **{LTI + "roles": [LEARNER], "sub": "student-1"}))
    contexts = [teacher, student, teacher[:-4] + "AAAA"]
    created = client.post("/teacher/new", data={
        "lt": teacher, "target_label": "Student A", "target_skill": "Reading aloud in class",
        "student_level": "Year 4", "current_avoidance": "Asks to leave when it is nearly their turn"})
    assert created.status_code in (302, 303), created.get_data(as_text=True)[:500]
    real_id = urlsplit(created.headers["Location"]).path.split("/")[3]  # /teacher/s/<public_id>
    ids = st.one_of(st.just(real_id), values)
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)
    routes = [(rule, method) for rule in rules for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    sent: list[tuple[str, str, int]] = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        rule, method = data.draw(st.sampled_from(routes))
        drawn = {name: data.draw(ids) or "x" for name in rule.arguments}

        def fill(match: re.Match[str]) -> str:
            converter, name = match.group(1) or "string", match.group(2)
            return quote(drawn[name], safe="/" if converter == "path" else "")

        path = ARGUMENT.sub(fill, rule.rule)
        fields = data.draw(st.dictionaries(st.sampled_from(FIELDS), values, max_size=6))
        for token in contexts:
            query = {"lt": token}
            if method == "GET":
                response = client.get(path, query_string={**fields, **query})
            else:
                response = client.open(path, method=method, query_string=query, data={**fields, "lt": token})
            sent.append((method, path, response.status_code))
            assert response.status_code < 500, (method, path, fields, response.get_data(as_text=True)[:500])

    fuzz()
    statuses: dict[int, int] = {}
    for _method, _path, status in sent:
        statuses[status] = statuses.get(status, 0) + 1
    print(f"\nfuzz: {len(sent)} requests over {len(routes)} route/method pairs; statuses {sorted(statuses.items())}")
    assert len(sent) >= MIN_REQUESTS
    assert all(status < 500 for _m, _p, status in sent)


def test_a_number_no_column_can_hold_is_a_404_not_a_database_error(app, registered):
    client = app.test_client()
    teacher = _token(launch(client, registered, **{LTI + "roles": [INSTRUCTOR]}))
    created = client.post("/teacher/new", data={
        "lt": teacher, "target_label": "Student A", "target_skill": "Reading aloud in class",
        "student_level": "Year 4", "current_avoidance": "Asks to leave when it is nearly their turn"})
    public_id = urlsplit(created.headers["Location"]).path.split("/")[3]
    for number in ("2147483648", "99999999999999999999999999"):
        response = client.post(f"/teacher/s/{public_id}/history/{number}/restore", data={"lt": teacher})
        assert response.status_code == 404, response.get_data(as_text=True)[:300]
    response = client.get(f"/teacher/s/{'x' * 500}", query_string={"lt": teacher})
    assert response.status_code == 404
