"""The teacher guide as PDF, Word, Markdown, JSON and a print page, and the student handout, opened and read.

PDFs are read with pypdf and the Word file with python-docx; the first page of each PDF is rendered to a
PNG in test-artifacts/export/ (pypdfium2) so a person can look at it.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from docx import Document
from publish.factories import LEARNER, launch_token
from pypdf import PdfReader

from tool.generation import labels as L
from tool.generation.document import parse_markdown
from tool.generation.model import Sequence

from .sample import NAMES, STUDENT_NAME, TASKS, TEACHER_NAME, Exported, content

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "export"
SECTION_HEADINGS = [
    f"{L.TITLE}: Speaking up in class discussion",
    L.DIAGNOSTIC_SECTION,
    L.TASKS_SECTION,
    L.COACHING_SECTION,
    L.PHRASES_USE,
    L.PHRASES_AVOID,
    L.PLAN_SECTION,
    L.CAUTIONS_SECTION,
]
TEACHER_MARKERS = [
    "AVOIDANCE-TEXT", "BARRIER-TEXT", "START-TEXT", "STRATEGY-TEXT", "USE-PHRASE", "USE-WHY", "AVOID-PHRASE",
    "PLAN-TEXT", "CAUTION-TEXT",
    *[f"{kind}-{n}" for n in range(1, TASKS + 1) for kind in ("DOES", "WHY", "SUCCESS", "SCRIPT", "STRUGGLE")],
    *[f"INCREMENT-{n}" for n in range(2, TASKS + 1)],
]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pdf(response: Any) -> PdfReader:
    assert response.status_code == 200, response.get_data(True)[:1000]
    assert response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def _render_first_page(data: bytes, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=1.5).to_pil()
        path = ARTIFACTS / name
        image.save(path)
    finally:
        document.close()
    assert path.stat().st_size > 10_000  # a real page with text on it, not a blank
    return path


def _outline_titles(reader: PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(entries: list[Any]) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            else:
                titles.append(entry.title)

    walk(reader.outline)
    return titles


def test_the_teacher_guide_pdf_holds_every_section_task_and_script_with_names_restored(exported: Exported) -> None:
    response = exported.get("export.pdf")
    reader = _pdf(response)
    text = _flat("\n".join(page.extract_text() for page in reader.pages))
    for heading in SECTION_HEADINGS:
        assert heading in text, heading
    for n in range(1, TASKS + 1):
        assert f"Task {n}: Step name {n}" in text
    for marker in [*TEACHER_MARKERS, *[f"INSTR-{n}" for n in range(1, TASKS + 1)]]:
        assert marker in text, marker
    for label in [*L.HEADER.values(), *L.DIAGNOSTIC.values(), *L.TASK.values()]:
        assert f"{label}:" in text, label
    # Names are back for the teacher, the model's markup is text, sources named as in the document.
    assert f"SCRIPT-1: {STUDENT_NAME}, you planned your point" in text
    assert f"STRUGGLE-2: {TEACHER_NAME} offers" in text and "[Teacher]" not in text
    assert f"Student: {STUDENT_NAME}" in text
    assert "<b>" in text
    assert "Mastery experience (+ verbal persuasion) — WHY-1" in text
    # The headings are the PDF's outline, in the document's order.
    outline = _outline_titles(reader)
    assert [t for t in outline if t in SECTION_HEADINGS] == SECTION_HEADINGS
    assert [t for t in outline if re.match(r"Task \d", t)] == [f"Task {n}: Step name {n}" for n in range(1, TASKS + 1)]
    assert reader.metadata is not None and reader.metadata.title == SECTION_HEADINGS[0]
    disposition = response.headers["Content-Disposition"]
    assert "speaking-up-in-class-discussion" in disposition and "zt" not in disposition.lower()
    assert "no-store" in response.headers["Cache-Control"]
    _render_first_page(response.data, "teacher-guide-page-1.png")


def test_the_word_file_has_real_headings_every_field_and_names(exported: Exported) -> None:
    response = exported.get("export.docx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('.docx"')
    document = Document(io.BytesIO(response.data))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert [text for _, text in headings if text in SECTION_HEADINGS] == SECTION_HEADINGS
    assert ("Heading 1", SECTION_HEADINGS[0]) in headings and ("Heading 2", L.TASKS_SECTION) in headings
    assert [text for style, text in headings if style == "Heading 3" and text.startswith("Task ")] == [
        f"Task {n}: Step name {n}" for n in range(1, TASKS + 1)
    ]
    text = "\n".join(p.text for p in document.paragraphs)
    for marker in [*TEACHER_MARKERS, *[f"INSTR-{n}" for n in range(1, TASKS + 1)]]:
        assert marker in text, marker
    scripts = [p for p in document.paragraphs if p.text.startswith(f"{L.TASK['teacher_script']}:")]
    assert len(scripts) == TASKS and all(p.style.name == "Teacher script" for p in scripts)
    assert f"{STUDENT_NAME}, you planned your point" in scripts[0].text and "<b>" in scripts[0].text
    assert document.core_properties.title == SECTION_HEADINGS[0]


def test_the_student_handout_is_one_step_per_page_with_no_teacher_text_and_no_names(exported: Exported) -> None:
    response = exported.get("handout.pdf")
    reader = _pdf(response)
    assert len(reader.pages) == TASKS
    everything = _flat("\n".join(page.extract_text() for page in reader.pages))
    for n, page in enumerate(reader.pages, start=1):
        text = _flat(page.extract_text())
        assert f"Step {n} of {TASKS}" in text
        assert f"INSTR-{n}: Tell your teacher your first point." in text and "<b>ok</b>" in text
        assert [m for m in range(1, TASKS + 1) if f"INSTR-{m}:" in text] == [n]
    for forbidden in [*TEACHER_MARKERS, *NAMES.values(), "Kıvanç", "Tina", "[Teacher]", "Teacher guide", "Speaking up"]:
        assert forbidden not in everything, forbidden
    assert "zt" not in response.headers["Content-Disposition"].lower()
    _render_first_page(response.data, "student-handout-page-1.png")


def test_markdown_and_json_downloads_are_the_whole_sequence_with_names(exported: Exported) -> None:
    expected = Sequence.model_validate(json.loads(json.dumps(content().model_dump(mode="json")).replace(
        "the student", STUDENT_NAME).replace("[Teacher]", TEACHER_NAME)))
    markdown = exported.get("export.md")
    assert markdown.status_code == 200 and markdown.headers["Content-Type"] == "text/markdown; charset=utf-8"
    parsed = parse_markdown(markdown.get_data(True))
    # The parser infers the barrier's source from its prose (documented in tool.generation.markdown).
    same = {"tasks": True, "diagnostic": {"primary_barrier_source"}}
    assert parsed.model_dump(exclude=same) == expected.model_dump(exclude=same)
    assert [t.teacher_script for t in parsed.tasks] == [t.teacher_script for t in expected.tasks]
    downloaded = exported.get("export.json")
    assert downloaded.status_code == 200
    assert Sequence.model_validate(json.loads(downloaded.get_data(True))) == expected


def test_the_print_page_shows_the_guide_with_a_copy_button_per_script(exported: Exported) -> None:
    page = exported.get("export")
    assert page.status_code == 200
    html = page.get_data(True)
    for heading in SECTION_HEADINGS:
        assert f">{heading}</h" in html, heading
    copy_buttons = re.findall(r'<button type="button" class="copy secondary no-print" data-copy="([^"]+)"', html)
    assert len(copy_buttons) == TASKS + 1  # one per teacher script, one per phrase to use
    for target in copy_buttons:
        assert f'id="{target}"' in html
    assert f"{STUDENT_NAME}, you planned your point and it worked &lt;b&gt;" in html
    for fmt in ("pdf", "docx", "md", "json"):
        assert f"/export.{fmt}?" in html
    assert "/handout.pdf?" in html


@pytest.mark.parametrize(
    ("path", "query", "status", "words"),
    [
        ("export.odt", {}, 404, "That file type is not offered"),
        ("export.pdf", {"version": "two"}, 400, ""),
        ("export.pdf", {"version": "9"}, 404, ""),
    ],
)
def test_bad_export_requests_get_a_clear_page(
    exported: Exported, path: str, query: dict[str, str], status: int, words: str
) -> None:
    response = exported.get(path, **query)
    assert response.status_code == status
    assert response.mimetype == "text/html" and words in response.get_data(True)


def test_a_student_launch_cannot_export_anything(exported: Exported) -> None:
    student = launch_token(exported.app, "4", roles=(LEARNER,))
    for path in ("export", "export.pdf", "export.docx", "export.md", "export.json", "handout.pdf"):
        url = f"/teacher/s/{exported.public_id}/{path}"
        response = exported.app.test_client().get(url, query_string={"lt": student})
        assert response.status_code == 403, path
        assert "INSTR-1" not in response.get_data(True) and "SCRIPT-1" not in response.get_data(True)
