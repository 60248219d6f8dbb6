"""Teacher pages in plain teacher words, with the research terms one click away.

The source document's headings ("Efficacy Diagnostic", "(a)–(f)", Bandura's
four sources) stay the output contract: exports and the Markdown keep them.
On the pages a teacher reads between lessons we say what each part is for,
and a "Show the research terms" switch puts the original names beside them.

Also here: how times are shown (the teacher's time zone from the platform when
it sends one, else the browser's) and the one-line notices after an action.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from markupsafe import Markup, escape

from tool.generation import labels
from tool.generation.model import Source
from tool.lti.launch import Launch
from tool.teacher.blueprint import bp

# (plain heading, the source document's heading)
SECTIONS: dict[str, tuple[str, str]] = {
    "overview": ("The student and the skill", labels.TITLE),
    "diagnostic": ("Why they avoid it", labels.DIAGNOSTIC_SECTION),
    "tasks": ("The steps", labels.TASKS_SECTION),
    "coaching": ("What to say, and what not to", labels.COACHING_SECTION),
    "plan": ("After the last step", labels.PLAN_SECTION),
}
FIELDS: dict[str, tuple[str, str]] = {
    "primary_barrier": ("What holds them back", labels.DIAGNOSTIC["primary_barrier"]),
    "starting_point": ("What they can already do", labels.DIAGNOSTIC["starting_point"]),
    "sequence_strategy": ("How the steps build confidence", labels.DIAGNOSTIC["sequence_strategy"]),
    "student_does": ("What the student does", labels.TASK["student_does"]),
    "why_it_builds_efficacy": ("Why it builds confidence", labels.TASK["why_it_builds_efficacy"]),
    "success_looks_like": ("Success looks like", labels.TASK["success_looks_like"]),
    "teacher_script": ("What to say when it goes well", labels.TASK["teacher_script"]),
    "if_struggles": ("If the student struggles", labels.TASK["if_struggles"]),
    "increment": ("One step up from the last", labels.TASK["increment"]),
    "phrases_to_use": ("Say", labels.PHRASES_USE),
    "phrases_to_avoid": ("Don't say", labels.PHRASES_AVOID),
}
SOURCES: dict[str, tuple[str, str]] = {
    Source.MASTERY.value: ("doing it themselves", labels.SOURCE_LABELS[Source.MASTERY]),
    Source.VICARIOUS.value: ("seeing someone like them do it", labels.SOURCE_LABELS[Source.VICARIOUS]),
    Source.PERSUASION.value: ("being told, believably, that they can", labels.SOURCE_LABELS[Source.PERSUASION]),
    Source.PHYSIOLOGICAL.value: ("feeling calm enough to try", labels.SOURCE_LABELS[Source.PHYSIOLOGICAL]),
}
CHECKS: dict[str, tuple[str, str]] = {
    "format": ("Every part is filled in", "Follows the expected structure"),
    "a": (
        "The first step is one they will almost certainly manage",
        "(a) The first task is virtually certain to succeed",
    ),
    "b": ("Each step is one small step up", "(b) Each step adds one small increment"),
    "c": ("Mostly the student doing it themselves", "(c) Mastery experiences are the primary intervention"),
    "d": (
        "What you say credits their effort and method, specifically",
        "(d) Attribution coaching is specific and credible",
    ),
    "e": ("No empty praise and no rewards", "(e) No generic praise or extrinsic rewards"),
    "f": ("The last step reaches the skill itself", "(f) The sequence ends at or near the target skill"),
    "judge": ("A second reader's notes", "Second reader's review"),
}
SHORT_CHECKS: dict[str, str] = {
    "a": "an easy first step",
    "b": "small steps",
    "c": "doing it themselves",
    "d": "credits effort and method",
    "e": "no empty praise or rewards",
    "f": "ends at the skill",
}
SOURCE_OF_VERSION: dict[str, str] = {
    "generated": "Written",
    "regenerated_task": "One task rewritten",
    "edited": "Edited",
    "restored": "Restored",
}

# After a redirect: ?done=<key> names one of these (never free text, so nothing can be injected).
NOTICES: dict[str, str] = {
    "saved": "Saved as a new version. The quality checks ran again; see the summary below.",
    "restored": "Restored: the older text is now the newest version. Nothing was lost; every version is kept.",
    "restored-same": "That version is already the current one, so nothing changed.",
    "rewriting": "Rewriting has started; this page follows it.",
    "writing": "Writing has started; this page follows it.",
    "published": "Published: the steps are being put into your course.",
    "score-sent": "Score sent to the course gradebook.",
    "deleted": "Deleted. The sequence is gone from your list.",
}

# Custom parameters a platform may fill with the user's time zone when the tool asks:
# Canvas and Moodle both substitute $Person.address.timezone.
ZONE_PARAMETERS = ("timezone", "person_address_timezone", "user_timezone", "tz")


def term(plain: str, research: str) -> Markup:
    """The plain words, with the research term beside them for the "show the research terms" switch."""
    if plain == research:
        return escape(plain)
    return Markup('{}<span class="term"> ({})</span>').format(plain, research)


def section(key: str) -> Markup:
    return term(*SECTIONS[key])


def field_label(key: str) -> Markup:
    return term(*FIELDS[key])


def check_label(key: str) -> Markup:
    plain, research = CHECKS.get(key, (key, key))
    return term(plain, research)


def source_label(value: str) -> Markup:
    plain, research = SOURCES.get(value, (value, value))
    return term(plain, research)


def plain_location(location: str) -> str:
    """A finding's place ("Efficacy Diagnostic › Primary barrier", "Task 2 › …") in the page's words."""
    extra = (
        ("What the student sees", labels.TASK["student_instructions"]),
        ("What they do instead", labels.HEADER["current_avoidance"]),
    )
    for plain, research in (*SECTIONS.values(), *FIELDS.values(), *extra):
        if research != plain:
            location = location.replace(research, plain)
    return re.sub(r"\bTask (\d+)", r"Step \1", location)


# Where schools count "Grade 3" rather than "Year 4" (an English locale's region decides).
GRADE_REGIONS = frozenset({"US", "CA", "ZA", "PH"})
LEVEL_EXAMPLES = {"grade": "Grade 7", "year": "Year 8"}


def school_levels(launch: Launch | None) -> str:
    """ "grade" or "year": from the launch's locale region; without one, Canvas's "en" is American
    English and Moodle's "en" British, so the platform decides."""
    locale = (launch.locale or "") if launch else ""
    parts = re.split(r"[-_]", locale.strip())
    if len(parts) > 1 and len(parts[1]) == 2:
        return "grade" if parts[1].upper() in GRADE_REGIONS else "year"
    return "grade" if launch is not None and launch.platform_family == "canvas" else "year"


def field_examples(launch: Launch | None) -> dict[str, str]:
    """Examples on the request form that follow the school's own terms."""
    return {"student_level": LEVEL_EXAMPLES[school_levels(launch)]}


def platform_zone(launch: Launch | None) -> ZoneInfo | None:
    """The teacher's zone when the platform sent one in a custom parameter, else None (use the browser's)."""
    if launch is None:
        return None
    for key in ZONE_PARAMETERS:
        value = (launch.custom or {}).get(key, "").strip()
        if not value or value.startswith("$"):  # "$Person.address.timezone": the platform did not substitute it
            continue
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return None


def when(value: datetime | None, zone: ZoneInfo | None = None) -> Markup:
    """A ``<time>`` element: in the platform's zone if known; else UTC text that
    static/teacher/local-time.js rewrites into the browser's zone."""
    if value is None:
        return Markup('<span class="muted">never</span>')
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    iso = aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if zone is not None:
        local = aware.astimezone(zone)
        text = f"{local.day} {local:%b %Y, %H:%M}"
        return Markup('<time datetime="{}" title="{}">{}</time>').format(iso, str(zone), text)
    text = f"{aware.astimezone(UTC).day} {aware.astimezone(UTC):%b %Y, %H:%M} UTC"
    return Markup('<time datetime="{}" data-local>{}</time>').format(iso, text)


def needs_count() -> int:
    """How many things wait for the teacher (the nav badge); computed once per request."""
    from flask import g

    from tool.db import session, utcnow
    from tool.teacher import attention

    if "needs_count" not in g:
        current = getattr(g, "launch", None)
        g.needs_count = attention.count_needed(session(), current, utcnow()) if current is not None else 0
    return int(g.needs_count)


@bp.context_processor
def _wording() -> dict[str, Any]:
    from flask import g, request

    zone = platform_zone(getattr(g, "launch", None))
    done = request.args.get("done", "")
    return {
        "section": section,
        "field_label": field_label,
        "check_label": check_label,
        "source_label": source_label,
        "plain_location": plain_location,
        "plain_sections": {key: plain for key, (plain, _) in SECTIONS.items()},
        "short_checks": SHORT_CHECKS,
        "version_sources": SOURCE_OF_VERSION,
        "when": lambda value: when(value, zone),
        "notice": NOTICES.get(done),
        "needs_count": needs_count,
        "field_examples": field_examples(getattr(g, "launch", None)),
    }
