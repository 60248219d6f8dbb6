"""Assignment and Grade Services: the one AGS client and the one AGS error.

Line items travel as the platform's JSON (plain dicts) from the HTTP answer to
the caller; scores keep the timestamp the caller gives (the moment of success)::

    ags = AgsClient.for_registration(runtime, registration_id, lineitems_url)
    items = ags.list_line_items(resource_id="ss:sq_1:1", tag="stepping-stones")
    item = ags.create_line_item({"label": "Practice A · step 1", "scoreMaximum": 1, ...})
    ags.update_line_item(item["id"], {**item, "label": "Practice B · step 1"})
    ags.post_score(item["id"], user_id=sub, score_given=1, score_maximum=1, timestamp=succeeded_at)

Every failure is an ``AgsError``: its message is written for a teacher (no raw
JSON, one full stop), ``transient`` says whether the same call may succeed later
(no answer, 408/425/429/5xx), ``gone`` that the single line item addressed no
longer exists (404/410), ``stale`` that the platform already holds a score at
least as new (409, Moodle). The platform's own words are kept in ``detail`` for
the log only.

Service URLs may carry a query (Moodle: ``?type_id=N``): ``/scores`` goes on
the path, before the query.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tool.lti.launch import Launch
from tool.lti.line_items import ToolLineItem
from tool.lti.runtime import LtiRuntime
from tool.lti.services import MissingScope, ServiceError, ServiceSession
from tool.lti.tool_configuration import SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_SCORE

LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
GONE_STATUSES = frozenset({404, 410})


class AgsError(ServiceError):
    """An AGS call failed. ``str(error)`` is for the teacher; ``detail`` is for the log."""

    def __init__(self, message: str, status: int | None = None, *, transient: bool = False, detail: str = "") -> None:
        super().__init__(message, status)
        self.transient = transient
        self.detail = detail

    @property
    def gone(self) -> bool:
        return self.status in GONE_STATUSES

    @property
    def stale(self) -> bool:
        return self.status == 409


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def teacher_error(status: int | None, what: str, detail: str = "") -> AgsError:
    """The ``AgsError`` for a failed call, in words a teacher can act on."""
    if status is None:
        return AgsError(f"The course platform could not be reached while {what}.", None, transient=True, detail=detail)
    if status in TRANSIENT_STATUSES:
        return AgsError(
            f"The course platform was busy or unavailable while {what} (HTTP {status}).",
            status,
            transient=True,
            detail=detail,
        )
    if status in (401, 403):
        return AgsError(
            f"The course platform refused Stepping Stones while {what} (HTTP {status}). An administrator may "
            "need to grant the tool its grade and assignment permissions again.",
            status,
            detail=detail,
        )
    if status in GONE_STATUSES:
        return AgsError(
            f"The course no longer has this grade item (HTTP {status}) while {what}.", status, detail=detail
        )
    if status == 409:
        return AgsError("The gradebook already holds this score.", status, detail=detail)
    return AgsError(
        f"The course platform rejected Stepping Stones while {what} (HTTP {status}).", status, detail=detail
    )


@contextmanager
def _calls(what: str) -> Iterator[None]:
    try:
        yield
    except AgsError:
        raise
    except MissingScope as exc:
        raise AgsError(_sentence(str(exc)), detail=str(exc)) from exc
    except ServiceError as exc:
        raise teacher_error(exc.status, what, str(exc)) from exc


def service_url(base: str, suffix: str) -> str:
    """``base`` with ``suffix`` appended to its path, keeping its query (Moodle's ``?type_id=``)."""
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def _body_of(item: ToolLineItem | Mapping[str, Any]) -> dict[str, Any]:
    return item.to_dict() if isinstance(item, ToolLineItem) else dict(item)


class AgsClient:
    """One platform's AGS for one course (its line items container)."""

    def __init__(self, session: ServiceSession, lineitems_url: str, read_scopes: list[str] | None = None) -> None:
        """``read_scopes`` fixes the scopes asked for on reads, so a job that also writes
        can use one token throughout (default: the narrowest granted read scope)."""
        self.session = session
        self.lineitems_url = lineitems_url
        self.read_scopes = read_scopes

    @classmethod
    def for_launch(cls, runtime: LtiRuntime, launch: Launch) -> AgsClient:
        if not launch.ags_lineitems_url:
            raise AgsError("This launch did not offer the Assignment and Grade Services (no lineitems URL).")
        return cls.for_registration(runtime, launch.registration_id, launch.ags_lineitems_url)

    @classmethod
    def for_registration(
        cls, runtime: LtiRuntime, registration_id: int, lineitems_url: str | None, *, writing: bool = False
    ) -> AgsClient:
        """A client for one job; ``writing`` reads with the ``lineitem`` scope it also writes with."""
        try:
            session = ServiceSession.for_registration(runtime, registration_id)
        except ServiceError as exc:
            raise AgsError(
                "The course platform this sequence was published to is no longer registered with Stepping "
                "Stones: ask your administrator.",
                detail=str(exc),
            ) from exc
        return cls(session, lineitems_url or "", [SCOPE_LINEITEM] if writing else None)

    def _read_scope(self) -> list[str]:
        if self.read_scopes:
            return self.read_scopes
        granted = self.session.platform.granted_scopes
        return [SCOPE_LINEITEM_READONLY] if SCOPE_LINEITEM_READONLY in granted else [SCOPE_LINEITEM]

    def list_line_items(
        self, resource_id: str | None = None, tag: str | None = None, resource_link_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Every line item (all pages), filtered as the platform supports."""
        if not self.lineitems_url:
            raise AgsError("The course did not give Stepping Stones access to its grade items.")
        params = {
            k: v for k, v in (("resource_id", resource_id), ("tag", tag), ("resource_link_id", resource_link_id)) if v
        }
        items: list[dict[str, Any]] = []
        with _calls("listing the course's grade items"):
            for response in self.session.pages(self.lineitems_url, self._read_scope(), LINEITEMS_MEDIA, params):
                page = response.json()
                if not isinstance(page, list):
                    raise AgsError("The course platform sent a grade item list Stepping Stones cannot read.")
                items.extend(item for item in page if isinstance(item, dict))
        # Not every platform filters: apply the filters ourselves too.
        return [
            item
            for item in items
            if (resource_id is None or item.get("resourceId") == resource_id)
            and (tag is None or item.get("tag") == tag)
            and (resource_link_id is None or item.get("resourceLinkId") == resource_link_id)
        ]

    def create_line_item(self, item: ToolLineItem | Mapping[str, Any]) -> dict[str, Any]:
        """Create a line item; returns the platform's JSON (with its ``id``)."""
        body = _body_of(item)
        if not body.get("label") or not body.get("scoreMaximum"):
            raise ValueError("a line item needs a label and a positive scoreMaximum")
        with _calls("creating an assignment"):
            response = self.session.request(
                "POST",
                self.lineitems_url,
                [SCOPE_LINEITEM],
                accept=LINEITEM_MEDIA,
                json_body=body,
                content_type=LINEITEM_MEDIA,
            )
            created = response.json()
        if not isinstance(created, dict) or not created.get("id"):
            raise AgsError("The course platform did not say where it created the assignment.")
        return created

    def update_line_item(self, lineitem_url: str, item: ToolLineItem | Mapping[str, Any]) -> dict[str, Any]:
        """PUT a line item's new label, maximum and dates; returns the platform's JSON."""
        body = {key: value for key, value in _body_of(item).items() if key != "id"}
        with _calls("updating an assignment"):
            response = self.session.request(
                "PUT",
                lineitem_url,
                [SCOPE_LINEITEM],
                accept=LINEITEM_MEDIA,
                json_body=body,
                content_type=LINEITEM_MEDIA,
            )
            answer = response.json() if response.content else {}
        return answer if isinstance(answer, dict) else {}

    def post_score(
        self,
        lineitem_url: str,
        user_id: str,
        score_given: float | None = None,
        score_maximum: float | None = None,
        activity_progress: str = "Completed",
        grading_progress: str = "FullyGraded",
        comment: str | None = None,
        timestamp: datetime | None = None,
    ) -> None:
        """Post one score, stamped ``timestamp`` (default now).

        Moodle answers 409 to a timestamp not newer than the stored one: ``AgsError.stale``.
        """
        moment = timestamp or datetime.now(UTC)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        body: dict[str, Any] = {
            "userId": user_id,
            "activityProgress": activity_progress,
            "gradingProgress": grading_progress,
            # Microseconds: platforms refuse a timestamp not newer than the stored one.
            "timestamp": moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        }
        if score_given is not None:
            if score_maximum is None:
                raise ValueError("scoreGiven needs scoreMaximum")
            body.update(scoreGiven=score_given, scoreMaximum=score_maximum)
        if comment:
            body["comment"] = comment
        with _calls("sending the score"):
            self.session.request(
                "POST",
                service_url(lineitem_url, "/scores"),
                [SCOPE_SCORE],
                json_body=body,
                content_type=SCORE_MEDIA,
            )
