"""A busy LMS when the teacher confirms success: the real worker sends the score again by itself."""

from __future__ import annotations

import subprocess

import pytest

from publish.e2e import FailNth, LmsWorld, wait_for


def score_posts(environ: dict[str, object]) -> bool:
    return environ["REQUEST_METHOD"] == "POST" and "/scores" in str(environ["PATH_INFO"])


@pytest.mark.parametrize("lms_world", ["moodle"], indirect=True)
def test_a_busy_gradebook_gets_the_score_from_the_worker(lms_world: LmsWorld, worker: subprocess.Popen[bytes]) -> None:
    world = lms_world
    world.make_sequence(tasks=3)
    token, links = world.publish_by_deep_link(mode="mastery")
    step1 = links[0].custom["ss_step"]
    world.launch("student1", link=links[0].id)
    busy = world.lms.wrap(lambda app: FailNth(app, score_posts, n=1, status=503))
    answer = world.teacher_post(token, f"steps/{step1}/succeeded")
    assert "done=score-later" in answer.headers["Location"]
    assert world.platform.gradebook() == []  # the first POST met the busy LMS
    rows = wait_for(world.platform.gradebook, timeout=60, what="the worker to send the score")
    assert [(row["user_id"], row["result"]) for row in rows] == [(world.sub("student1"), 1.0)]
    record = world.publication().steps[0].progress
    assert record.score_status == "posted" and record.score_attempts == 2 and busy.seen == 2
