"""The deep-linking picker at /teacher/deep-link: choose a ready sequence, send its new steps to the LMS.

An instructor's LtiDeepLinkingRequest lands here (the LTI core redirects with
``lt``). The teacher picks a sequence, a release plan and a neutral set name; we
return one ``ltiResourceLink`` per step the course does not have yet, in a
signed LtiDeepLinkingResponse auto-posted to the platform's ``deep_link_return_url``.

Publishing again never duplicates: before answering we list the course's grade
items (AGS, when the launch offers it) and leave out every step already there;
without AGS, a set the LMS has confirmed keeps the steps it was sent. The
publication becomes ``sent``, not ``confirmed``: the LMS tells the tool nothing,
and Moodle's Cancel creates nothing (see ``tool.publish.lifecycle``).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, render_template, request

from tool import db
from tool.generation.model import Sequence as SequenceContent
from tool.lti.ags import AgsClient, AgsError
from tool.lti.deep_linking import response_jwt
from tool.lti.launch import Launch
from tool.lti.runtime import get_runtime
from tool.privacy import audit
from tool.publish import lifecycle, neutral, progress, staging
from tool.publish.ags_publisher import step_launch_url
from tool.publish.blueprint import bp
from tool.publish.models import METHOD_DEEP_LINK, Publication, PublishedStep
from tool.teacher import queries
from tool.teacher.access import launch as current_instructor
from tool.teacher.access import require_instructor
from tool.teacher.models import Sequence

log = logging.getLogger(__name__)


def _require_deep_linking(launch: Launch) -> dict[str, Any]:
    settings = launch.deep_linking_settings or {}
    if not launch.is_deep_linking or not settings.get("deep_link_return_url"):
        abort(400, "Open this page from your course's “add activity” or “select content” menu.")
    return settings


def deep_link_item(
    publication: Publication, step: PublishedStep, sequence_public_id: str, base_url: str
) -> dict[str, Any]:
    """One neutral ltiResourceLink for a step, with its line item and dates."""
    plan = publication.plan
    title = neutral.step_title(step.number, publication.set_name)
    item: dict[str, Any] = {
        "type": "ltiResourceLink",
        "title": title,
        "text": neutral.DESCRIPTION,
        "url": step_launch_url(base_url, step),
        # Platforms that drop the URL's query still send these back: a copy of the activity
        # (duplicated by the teacher) resolves to the same step.
        "custom": {"ss_sequence": sequence_public_id, "ss_step": step.public_id},
        "lineItem": {"scoreMaximum": 1, "label": title, "resourceId": step.resource_id, "tag": neutral.TAG},
    }
    unlock = staging.unlock_at(plan, step.index)
    due = staging.due_at(plan, step.index)
    if unlock is not None:
        item["available"] = {"startDateTime": staging.iso_utc(unlock)}
    if due is not None:
        item["submission"] = {"endDateTime": staging.iso_utc(due)}
    return item


def deep_link_items(
    publication: Publication, content: SequenceContent | None, sequence_public_id: str, base_url: str
) -> list[dict[str, Any]]:
    """Items for every step of the published version (the first publish)."""
    steps = progress.live_steps(publication, content) if content is not None else []
    return [deep_link_item(publication, step, sequence_public_id, base_url) for step in steps]


def course_line_items(launch: Launch, publication_id: int) -> dict[str, str] | None:
    """resourceId -> grade item URL of our items the course lists; None when the launch offers no AGS."""
    if not launch.ags_lineitems_url or not launch.ags_scopes:
        return None
    try:
        client = AgsClient.for_registration(get_runtime(current_app), launch.registration_id, launch.ags_lineitems_url)
        listed = client.list_line_items(tag=neutral.TAG)
    except AgsError as exc:
        log.info(
            "publication %s: could not list grade items before deep linking: %s", publication_id, exc.detail or exc
        )
        return None
    by_resource: dict[str, str] = {}
    for item in listed:
        if item.get("id"):
            by_resource.setdefault(str(item.get("resourceId", "")), str(item["id"]))
    return by_resource


def record_found(
    publication: Publication, steps: list[PublishedStep], listed: dict[str, str] | None
) -> set[int] | None:
    """Ids of the steps the course already has (their grade items recorded; the set confirmed)."""
    if listed is None:
        return None
    found: set[int] = set()
    for step in steps:
        url = listed.get(step.resource_id)
        if url is not None:
            lifecycle.record_line_item(step, url)
            found.add(step.id)
    if found:
        lifecycle.confirm(publication, lifecycle.Confirmation.LINE_ITEMS)
    return found


def steps_to_send(publication: Publication, steps: list[PublishedStep], found: set[int] | None) -> list[PublishedStep]:
    """The steps the course does not have yet.

    With the course's grade item list, that list decides. Without it, a set the LMS
    confirmed keeps what it was sent; an unconfirmed one (perhaps cancelled) is sent whole.
    """
    if found is not None:
        return [step for step in steps if step.id not in found]
    if lifecycle.state_of(publication).in_course:
        return [step for step in steps if step.sent_at is None]
    return steps


def _candidates(launch: Launch) -> list[tuple[Sequence, str | None, Publication | None]]:
    """The course's sequences with why each cannot be published (None when it can) and its publication."""
    session = db.session()
    rows: list[tuple[Sequence, str | None, Publication | None]] = []
    for sequence in queries.list_sequences(session, launch):
        publication = progress.get_publication(session, sequence.id)
        try:
            progress.check_publishable(sequence, progress.current_content(session, sequence))
            rows.append((sequence, None, publication))
        except progress.NotPublishable as exc:
            rows.append((sequence, str(exc), publication))
    return rows


def _picker(launch: Launch, settings: dict[str, Any], *, error: str | None, form: dict[str, str]) -> str:
    session = db.session()
    return render_template(
        "publish/deep_link.html",
        candidates=_candidates(launch),
        multiple=bool(settings.get("accept_multiple", True)),
        error=error,
        form=form,
        suggested_set=neutral.next_set_name(progress.course_set_names(session, launch.scope_key, -1)),
    )


@bp.get("/deep-link")
@require_instructor
def deep_link() -> str:
    launch = current_instructor()
    settings = _require_deep_linking(launch)
    return _picker(launch, settings, error=None, form={})


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
        with db.transaction() as tx:
            merged = tx.merge(sequence)
            before = progress.get_publication(tx, merged.id)
            old_name = before.set_name if before is not None else None
            set_name = progress.choose_set_name(tx, merged, launch.scope_key, form.get("set_name"))
            publication = progress.ensure_publication(
                tx,
                merged,
                content,
                plan,
                method=METHOD_DEEP_LINK,
                registration_id=launch.registration_id,
                deployment_pk=launch.deployment_pk,
                context_id=launch.context_id or "",
                platform_family=launch.platform_family,
                lineitems_url=launch.ags_lineitems_url,
                set_name=set_name,
            )
            publication_id = publication.id
        # The course's grade items are read with no transaction open: the HTTP calls take
        # time and store access tokens through other connections.
        listed = course_line_items(launch, publication_id)
        with db.transaction() as tx:
            reread = tx.get(Publication, publication_id)
            assert reread is not None and content is not None  # ensure_publication checked both
            publication = reread
            steps = progress.live_steps(publication, content)
            sending = steps_to_send(publication, steps, record_found(publication, steps, listed))
            if len(sending) > 1 and not settings.get("accept_multiple", True):
                raise progress.NotPublishable(
                    "This menu of your course takes one item only. Use a menu that adds several items "
                    "(in Canvas: Modules → Add item → External tool)."
                )
            staying = [step for step in steps if step not in sending]
            if sending:
                lifecycle.sent_by_deep_link(publication, sending)
                audit.record(
                    tx,
                    "published",
                    actor_id=queries.launch_user(tx, launch).id,
                    deployment_pk=launch.deployment_pk,
                    sequence_id=publication.sequence_id,
                    student_id=sequence.target_user_id,
                )
            base_url = current_app.config["SETTINGS"].base_url
            items = [deep_link_item(publication, step, sequence.public_id, base_url) for step in sending]
            # The LMS keeps the titles it was given: existing activities are listed by their old name.
            titles_staying = [neutral.step_title(step.number, old_name or publication.set_name) for step in staying]
            renamed = bool(staying) and old_name is not None and old_name != publication.set_name
            titles_sending = [item["title"] for item in items]
    except (staging.ReleasePlanError, progress.NotPublishable, neutral.SetNameError) as exc:
        return _picker(launch, settings, error=str(exc), form=form), 400
    message = (
        f"Added {len(items)} practice step(s)."
        if items
        else "Nothing new to add: the steps already in the course stay valid."
    )
    return render_template(
        "publish/deep_link_return.html",
        return_url=settings["deep_link_return_url"],
        jwt=response_jwt(get_runtime(current_app), launch, items, message),
        count=len(items),
        sending=titles_sending,
        staying=titles_staying,
        renamed_to=publication.set_name if renamed else None,
        platform_family=launch.platform_family,
    )
