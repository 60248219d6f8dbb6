"""Taking a sequence out of the browser: print page, PDF, Word, Markdown, JSON, and the student handout.

Routes on the teacher blueprint (instructor launches only, the sequence scoped to the launch's course):

- GET /teacher/s/<id>/export            the print page (Print button, a copy button per script)
- GET /teacher/s/<id>/export.pdf|.docx|.md|.json   the whole teacher guide, names restored
- GET /teacher/s/<id>/handout.pdf       the student handout: student instructions only, one step per
                                        page, never teacher text, never a name

``?version=N`` exports an earlier version; the default is the current one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import BadRequest

from tool.db import session
from tool.export import guide as outline
from tool.generation.document import render_markdown
from tool.generation.model import Sequence
from tool.pages import UserFacingError
from tool.privacy import audit
from tool.teacher import queries
from tool.teacher.access import launch, require_instructor
from tool.teacher.blueprint import bp
from tool.teacher.models import Sequence as SequenceRow
from tool.teacher.models import SequenceVersion

FORMATS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
}


@dataclass(frozen=True)
class Export:
    row: SequenceRow
    version: SequenceVersion
    sequence: Sequence  # as stored: placeholders, no names
    names: dict[str, str]

    @property
    def for_teacher(self) -> Sequence:
        return outline.restored(self.sequence, self.names)

    @property
    def guide(self) -> outline.Guide:
        return outline.teacher_guide(self.for_teacher, f"Student: {self.row.target_name}")

    def filename(self, suffix: str) -> str:
        """No name in the file name: downloads folders and shared drives list file names openly."""
        slug = re.sub(r"[^a-z0-9]+", "-", self.sequence.title_skill.lower()).strip("-")[:60] or "sequence"
        return f"stepping-stones-{slug}-v{self.version.number}{suffix}"


def _export(public_id: str) -> Export:
    db = session()
    row = queries.get_sequence(db, launch(), public_id)
    number = request.args.get("version", "")
    if number:
        if not number.isdigit():
            raise BadRequest("The version must be a number.")
        version: SequenceVersion | None = queries.get_version(db, row, int(number))
    else:
        version = queries.current_version(db, row)
    if version is None:
        raise UserFacingError(
            "There is nothing to export yet",
            "This sequence has no text yet: it is still being written, or writing it failed.",
            "Open the sequence, wait until it is ready (or try again), then export it.",
            status=409,
        )
    sequence = Sequence.model_validate(version.content)
    audit.record(
        db,
        "exported",
        actor_id=queries.launch_user(db, launch()).id,
        deployment_pk=row.course.deployment_pk,
        sequence_id=row.id,
        student_id=row.target_user_id,
    )
    db.commit()
    return Export(row, version, sequence, queries.teacher_names(db, row, version))


def _download(body: bytes | str, fmt: str, filename: str) -> Response:
    response = Response(body, mimetype=FORMATS[fmt].split(";")[0])
    response.headers["Content-Type"] = FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A teacher's document with names in it: never kept by a shared proxy or the browser cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/s/<public_id>/export")
@require_instructor
def export_page(public_id: str) -> str:
    export = _export(public_id)
    return render_template(
        "export/print.html",
        guide=export.guide,
        row=export.row,
        version=export.version,
        task_count=len(export.sequence.tasks),
    )


@bp.get("/s/<public_id>/export.<fmt>")
@require_instructor
def export_file(public_id: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        raise UserFacingError(
            "That file type is not offered",
            f"Stepping Stones exports the guide as {', '.join(sorted(FORMATS))}.",
            "Go back and choose one of the download links.",
            status=404,
        )
    export = _export(public_id)
    if fmt == "pdf":
        from tool.export.pdf import guide_pdf

        return _download(guide_pdf(export.guide), fmt, export.filename(".pdf"))
    if fmt == "docx":
        from tool.export.word import guide_docx

        return _download(guide_docx(export.guide), fmt, export.filename(".docx"))
    if fmt == "md":
        return _download(render_markdown(export.for_teacher), fmt, export.filename(".md"))
    body = json.dumps(export.for_teacher.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    return _download(body, fmt, export.filename(".json"))


@bp.get("/s/<public_id>/handout.pdf")
@require_instructor
def handout(public_id: str) -> Response:
    from tool.export.pdf import handout_pdf

    export = _export(public_id)
    # Built from the stored text (placeholders), never the restored one: no name can reach it.
    steps = outline.handout_steps(export.sequence)
    return _download(handout_pdf(steps), "pdf", f"practice-steps-v{export.version.number}.pdf")


def init_app(app: Flask) -> None:
    """Routes are on the teacher blueprint, registered by ``tool.teacher.views`` (imported before it)."""
