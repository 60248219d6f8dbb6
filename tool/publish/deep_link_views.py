"""The deep-linking picker at /teacher/deep-link: choose a ready sequence, send its steps to the LMS.

An instructor's LtiDeepLinkingRequest lands here (the LTI core redirects with
``lt``). The teacher picks a sequence and a release plan; we return one
``ltiResourceLink`` per task in a signed LtiDeepLinkingResponse, auto-posted to
the platform's ``deep_link_return_url``. Every item is neutral (title "Practice
step N", a fixed description) and points at our launch URL with the opaque
step id; its custom parameters repeat the ids for platforms that drop the query.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request

from tool import db
from tool.db import utcnow
from tool.generation.model import Sequence as SequenceContent
from tool.lti.deep_linking import response_jwt
from tool.lti.launch import Launch
from tool.lti.runtime import get_runtime
from tool.publish import neutral, progress, staging
from tool.publish.ags_publisher import step_launch_url
from tool.publish.blueprint import bp
from tool.publish.models import METHOD_DEEP_LINK, Publication
from tool.teacher import queries
from tool.teacher.access import launch as current_instructor
from tool.teacher.access import require_instructor
from tool.teacher.models import Sequence


def _require_deep_linking(launch: Launch) -> dict[str, Any]:
    settings = launch.deep_linking_settings or {}
    if not launch.is_deep_linking or not settings.get("deep_link_return_url"):
        abort(400, "Open this page from your course's “add activity” or “select content” menu.")
    return settings


def deep_link_items(
    publication: Publication, content: SequenceContent | None, sequence_public_id: str, base_url: str
) -> list[dict[str, Any]]:
    """One neutral ltiResourceLink per step of the published version, with its line item and dates."""
    plan = publication.plan
    items = []
    steps = progress.live_steps(publication, content) if content is not None else []
    for step in steps:
        item: dict[str, Any] = {
            "type": "ltiResourceLink",
            "title": neutral.step_title(step.number),
            "text": neutral.DESCRIPTION,
            "url": step_launch_url(base_url, step),
            "custom": {"ss_sequence": sequence_public_id, "ss_step": step.public_id},
            "lineItem": {
                "scoreMaximum": 1,
                "label": neutral.step_title(step.number),
                "resourceId": step.resource_id,
                "tag": neutral.TAG,
            },
        }
        unlock = staging.unlock_at(plan, step.index)
        due = staging.due_at(plan, step.index)
        if unlock is not None:
            item["available"] = {"startDateTime": staging.iso_utc(unlock)}
        if due is not None:
            item["submission"] = {"endDateTime": staging.iso_utc(due)}
        items.append(item)
    return items


def _candidates(launch: Launch) -> list[tuple[Sequence, str | None]]:
    """The course's sequences with, for each, why it cannot be published (None when it can)."""
    session = db.session()
    rows: list[tuple[Sequence, str | None]] = []
    for sequence in queries.list_sequences(session, launch):
        try:
            progress.check_publishable(sequence, progress.current_content(session, sequence))
            rows.append((sequence, None))
        except progress.NotPublishable as exc:
            rows.append((sequence, str(exc)))
    return rows


@bp.get("/deep-link")
@require_instructor
def deep_link() -> str:
    launch = current_instructor()
    settings = _require_deep_linking(launch)
    return render_template(
        "publish/deep_link.html",
        candidates=_candidates(launch),
        multiple=bool(settings.get("accept_multiple", True)),
        error=None,
        form={},
    )


@bp.post("/deep-link")
@require_instructor
def deep_link_submit() -> str | tuple[str, int]:
    launch = current_instructor()
    settings = _require_deep_linking(launch)
    form = request.form.to_dict()
    session = db.session()
    sequence = queries.get_sequence(session, launch, form.get("sequence", ""))
    content = progress.current_content(session, sequence)
    try:
        plan = staging.parse_plan(
            form.get("mode", ""), form.get("start"), form.get("spacing_days"), form.get("timezone")
        )
        if not settings.get("accept_multiple", True) and content is not None and len(content.tasks) > 1:
            raise progress.NotPublishable(
                "This menu of your course takes one item only. Use a menu that adds several items "
                "(in Canvas: Modules → Add item → External tool)."
            )
        with db.transaction() as tx:
            publication = progress.ensure_publication(
                tx,
                tx.merge(sequence),
                content,
                plan,
                method=METHOD_DEEP_LINK,
                registration_id=launch.registration_id,
                deployment_pk=launch.deployment_pk,
                context_id=launch.context_id or "",
                platform_family=launch.platform_family,
                lineitems_url=launch.ags_lineitems_url,
            )
            # The LMS creates the items when it receives the form below; nothing more for us to do.
            publication.status = "published"
            publication.published_at = utcnow()
            items = deep_link_items(publication, content, sequence.public_id, current_app.config["SETTINGS"].base_url)
    except (staging.ReleasePlanError, progress.NotPublishable) as exc:
        page = render_template(
            "publish/deep_link.html",
            candidates=_candidates(launch),
            multiple=bool(settings.get("accept_multiple", True)),
            error=str(exc),
            form=form,
        )
        return page, 400
    return render_template(
        "publish/deep_link_return.html",
        return_url=settings["deep_link_return_url"],
        jwt=response_jwt(get_runtime(current_app), launch, items),
        count=len(items),
    )
