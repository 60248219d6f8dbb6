""" "What the AI provider will see": the exact teacher text that leaves, replacements highlighted.

Routes on the teacher blueprint (instructor launches only):

- POST /teacher/preview            a new request, before anything is saved or sent: the redacted fields,
                                   a box for more words to hide, and "Write the sequence", which keeps the
                                   choice and hands the same form on to /teacher/new (HTTP 307, same body)
- GET|POST /teacher/s/<id>/preview an existing sequence: what its next rewrite or regeneration sends; the
                                   words chosen here are kept for every later job of the sequence
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import Flask, redirect, render_template, request
from pydantic import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from tool.db import session
from tool.generation.model import SequenceRequest
from tool.lti.launch import Launch
from tool.lti.session import launch_url
from tool.privacy import Redactor, Replacement
from tool.privacy.choices import hidden_words, parse_words, remember_pending, set_hidden_words
from tool.privacy.roster import people_for
from tool.teacher import forms, queries
from tool.teacher.access import launch, require_instructor
from tool.teacher.blueprint import bp
from tool.teacher.privacy import request_key
from tool.teacher.roster import course_roster, learners

REASONS = {
    "target": "the student this sequence is for",
    "classmate": "someone on the class list",
    "teacher": "you",
    "staff": "another teacher on the course",
    "name": "looks like a person's name",
    "hidden": "you chose to hide it",
    "email": "an e-mail address",
}


@dataclass(frozen=True)
class Piece:
    text: str
    replaced: Replacement | None = None


@dataclass(frozen=True)
class PreviewField:
    label: str
    pieces: list[Piece]


def pieces(text: str, replacements: list[Replacement]) -> list[Piece]:
    """``text`` cut into plain runs and replacements (each shown as the placeholder that leaves)."""
    out: list[Piece] = []
    position = 0
    for r in replacements:
        if r.start < position:
            continue
        if r.start > position:
            out.append(Piece(text[position : r.start]))
        out.append(Piece(r.placeholder, r))
        position = r.end
    if position < len(text):
        out.append(Piece(text[position:]))
    return out


def preview_fields(redactor: Redactor, values: dict[str, Any]) -> list[PreviewField]:
    shown = []
    for field in forms.REQUEST_FIELDS:
        text = str(values.get(field.name) or "").strip()
        if text:
            shown.append(PreviewField(field.label, pieces(text, redactor.replacements(text))))
    return shown


def _swaps(fields: list[PreviewField]) -> list[Replacement]:
    return [piece.replaced for field in fields for piece in field.pieces if piece.replaced is not None]


def _target_from_form(current: Launch, roster: Any) -> tuple[Any, str | None]:
    """The target student as the new-request form names them (roster pick or typed label)."""
    sub = (request.form.get("target_sub") or "").strip()
    member = next((m for m in learners(roster) if m.user_id == sub), None) if sub else None
    target = None
    if member is not None:
        target = SimpleNamespace(
            sub=member.user_id,
            display_name=member.display_name,
            given_name=member.given_name,
            family_name=member.family_name,
            email=member.email,
        )
    return target, (request.form.get("target_label") or "").strip() or None


@bp.post("/preview")
@require_instructor
def preview_new() -> BaseResponse | str:
    current = launch()
    roster = course_roster(current)
    words = parse_words(request.form.get("hide", ""))
    if request.form.get("send"):
        remember_pending(current.launch_id, request_key(forms.request_values(request.form)), words)
        # 307 keeps the method and body: the same form arrives at the new-sequence route.
        return redirect(launch_url("teacher.new"), code=307)
    target, label = _target_from_form(current, roster)
    redactor = Redactor(people_for(current, target, label, roster), hidden=words)
    carried = [(k, v) for k, v in request.form.items(multi=True) if k not in ("lt", "hide", "send")]
    fields = preview_fields(redactor, forms.request_values(request.form))
    return render_template(
        "teacher/preview.html",
        fields=fields,
        swaps=_swaps(fields),
        hide="\n".join(words),
        carried=carried,
        reasons=REASONS,
        action=launch_url("teacher.preview_new"),
        row=None,
    )


@bp.route("/s/<public_id>/preview", methods=["GET", "POST"])
@require_instructor
def preview_sequence(public_id: str) -> BaseResponse | str:
    db = session()
    current = launch()
    row = queries.get_sequence(db, current, public_id)
    if request.method == "POST":
        set_hidden_words(db, row.id, parse_words(request.form.get("hide", "")))
        db.commit()
        return redirect(launch_url("teacher.preview_sequence", public_id=row.public_id, done="saved"))
    roster = course_roster(current)
    words = hidden_words(db, row.id)
    redactor = Redactor(people_for(current, row.target_user, row.target_label, roster), hidden=words)
    try:
        values = SequenceRequest.model_validate(row.inputs).model_dump(mode="json")
    except ValidationError:  # inputs stored before a field became required: preview what there is
        values = {key: value for key, value in (row.inputs or {}).items() if isinstance(value, str)}
    fields = preview_fields(redactor, values)
    return render_template(
        "teacher/preview.html",
        fields=fields,
        swaps=_swaps(fields),
        hide="\n".join(words),
        carried=[],
        reasons=REASONS,
        action=launch_url("teacher.preview_sequence", public_id=row.public_id),
        row=row,
        saved=request.args.get("done") == "saved",
    )


def init_app(app: Flask) -> None:
    """Routes are on the teacher blueprint, registered by ``tool.teacher.views`` (imported before it)."""
