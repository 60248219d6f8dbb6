from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from .platform import INSTRUCTOR, LTI, launch


def test_learner_launch_redirects_to_student_area(client, registered):
    response = launch(client, registered)
    assert response.status_code == 303, response.get_data(as_text=True)
    location = urlsplit(response.headers["Location"])
    assert location.path == "/student/"
    assert "lt" in parse_qs(location.query)


def test_instructor_launch_redirects_to_teacher_area(client, registered):
    response = launch(client, registered, **{LTI + "roles": [INSTRUCTOR]})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/teacher/"
