"""A sequence's versions as a teacher reads them: who changed what and when, field by field, and restore.

Versions are never edited or deleted. Restoring an older version adds a new
version with its text (checked again), so the version being replaced stays in
the list and can itself be restored.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from flask import redirect, render_template, request
from markupsafe import Markup, escape
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from tool.db import session
from tool.generation.model import Sequence
from tool.lti.session import launch_url
from tool.teacher import queries
from tool.teacher.access import launch, require_instructor
from tool.teacher.blueprint import bp
from tool.teacher.models import User
from tool.teacher.privacy import restore
from tool.teacher.review import save_version
from tool.teacher.wording import FIELDS, SECTIONS, SOURCES


@dataclass(frozen=True)
class Change:
    place: str  # e.g. "Step 2" or "Why they avoid it"
    field: str  # e.g. "What to say when it goes well"
    before: str
    after: str

    @property
    def marked(self) -> tuple[Markup, Markup]:
        """(before, after) with the words that changed wrapped in <del> / <ins>."""
        return mark_words(self.before, self.after)


def _plain(key: str) -> str:
    return FIELDS[key][0] if key in FIELDS else key


def fields_of(seq: Sequence, names: dict[str, str]) -> dict[tuple[str, str], str]:
    """Every field a teacher edits, keyed by (place, field), in page order, names restored."""

    def text(value: str | None) -> str:
        return restore(value or "", names)

    out: dict[tuple[str, str], str] = {}
    overview = SECTIONS["overview"][0]
    out[(overview, "Heading skill")] = text(seq.title_skill)
    out[(overview, "Target skill")] = text(seq.target_skill)
    out[(overview, "What they do instead")] = text(seq.current_avoidance)
    out[(overview, "For")] = text(seq.student_level)
    why = SECTIONS["diagnostic"][0]
    for key in ("primary_barrier", "starting_point", "sequence_strategy"):
        out[(why, _plain(key))] = text(getattr(seq.diagnostic, key))
    for n, task in enumerate(seq.tasks, start=1):
        place = f"Step {n}"
        out[(place, "Task name")] = text(task.name)
        for key in ("student_does", "why_it_builds_efficacy", "success_looks_like", "teacher_script", "if_struggles"):
            out[(place, _plain(key))] = text(getattr(task, key))
        out[(place, "What the student sees")] = text(task.student_instructions)
        out[(place, _plain("increment"))] = text(task.increment)
        out[(place, "Builds confidence by")] = ", ".join(SOURCES.get(s.value, (s.value, ""))[0] for s in task.sources)
    say = SECTIONS["coaching"][0]
    out[(say, _plain("phrases_to_use"))] = "\n".join(text(p.text) for p in seq.phrases_to_use)
    out[(say, _plain("phrases_to_avoid"))] = "\n".join(text(p.text) for p in seq.phrases_to_avoid)
    after = SECTIONS["plan"][0]
    out[(after, "Plan")] = text(seq.long_term_plan)
    out[(after, "Cautions")] = "\n".join(text(c) for c in seq.cautions)
    return out


def compare(old: Sequence, new: Sequence, names: dict[str, str]) -> list[Change]:
    """The fields that differ, in page order; a step only one version has shows as added or removed."""
    before, after = fields_of(old, names), fields_of(new, names)
    keys = list(after) + [key for key in before if key not in after]
    return [
        Change(place, field, before.get((place, field), ""), after.get((place, field), ""))
        for place, field in keys
        if before.get((place, field), "") != after.get((place, field), "")
    ]


_WORDS = re.compile(r"\s*\S+\s*|\s+")  # a word with its spaces, so spaces alone never "match"


def mark_words(before: str, after: str) -> tuple[Markup, Markup]:
    """Word-level marking of what changed (escaped; only <del>/<ins> are ours)."""
    a, b = _WORDS.findall(before), _WORDS.findall(after)
    old: list[Markup] = []
    new: list[Markup] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        left, right = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            old.append(left)
            new.append(right)
            continue
        if left:
            old.append(Markup("<del>{}</del>").format(left))
        if right:
            new.append(Markup("<ins>{}</ins>").format(right))
    return Markup("").join(old), Markup("").join(new)


@bp.get("/s/<public_id>/history")
@require_instructor
def history(public_id: str) -> str:
    """Versions with who and when, and the field-by-field changes between two (default: the last two)."""
    db = session()
    row = queries.get_sequence(db, launch(), public_id)
    versions = queries.list_versions(db, row)
    author_ids = {v.created_by_id for v in versions if v.created_by_id is not None}
    authors = (
        {u.id: u.display_name for u in db.scalars(select(User).where(User.id.in_(author_ids)))} if author_ids else {}
    )
    changes: list[Change] = []
    old = new = None
    if versions:
        new = queries.get_version(db, row, request.args.get("b", type=int) or versions[0].number)
        default_old = versions[1].number if len(versions) > 1 else new.number
        old = queries.get_version(db, row, request.args.get("a", type=int) or default_old)
        names = queries.teacher_names(db, row, new)
        changes = compare(Sequence.model_validate(old.content), Sequence.model_validate(new.content), names)
    return render_template(
        "teacher/history.html",
        row=row,
        versions=versions,
        authors=authors,
        changes=changes,
        old=old,
        new=new,
    )


@bp.post("/s/<public_id>/history/<int:number>/restore")
@require_instructor
def restore_version(public_id: str, number: int) -> BaseResponse:
    """Make version ``number``'s text the newest version; every version stays."""
    db = session()
    row = queries.get_sequence(db, launch(), public_id)
    chosen = queries.get_version(db, row, number)
    if row.current_version == number:
        return redirect(launch_url("teacher.history", public_id=row.public_id, done="restored-same"))
    meta: dict[str, Any] = {"restored_from": number}
    if chosen.meta and chosen.meta.get("ladder"):
        meta["ladder"] = chosen.meta["ladder"]
    save_version(db, row, Sequence.model_validate(chosen.content), "restored", meta)
    return redirect(launch_url("teacher.review", public_id=row.public_id, done="restored"))
