"""The teacher guide as a Word file (python-docx), for editing in Word, Google Docs or LibreOffice.

Real heading styles (Heading 1-3) so the navigation pane and Google Docs' outline show the sections;
labels in bold; the words the teacher says in a shaded "Quote" paragraph. python-docx writes text
as text (never markup), so model output cannot inject anything.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from tool.export.guide import Guide, Item

SCRIPT_STYLE = "Teacher script"


def _shade(paragraph: Paragraph, fill: str = "EEF3F8") -> None:
    properties = paragraph._p.get_or_add_pPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _add_item(document: Document, item: Item) -> None:  # type: ignore[valid-type]
    style = "List Bullet" if item.kind == "bullet" else None
    paragraph = document.add_paragraph(style=style)  # type: ignore[attr-defined]
    if item.label:
        paragraph.add_run(f"{item.label}: ").bold = True
    lines = item.text.split("\n")
    for index, line in enumerate(lines):
        run = paragraph.add_run(line)
        if index < len(lines) - 1:
            run.add_break()
    if item.script:
        paragraph.style = document.styles[SCRIPT_STYLE]  # type: ignore[attr-defined]
        if item.kind == "bullet":
            paragraph.style = document.styles["List Bullet"]  # type: ignore[attr-defined]
        _shade(paragraph)


def guide_docx(guide: Guide) -> bytes:
    document = Document()
    document.core_properties.title = guide.title
    document.core_properties.author = "Stepping Stones"
    document.core_properties.subject = "Teacher guide"
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    script = document.styles.add_style(SCRIPT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    script.base_style = normal
    for section in guide.sections:
        document.add_heading(section.heading, level=section.level)
        if section.level == 1:
            document.add_paragraph().add_run(guide.student).italic = True
        for item in section.items:
            _add_item(document, item)
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = "Teacher guide · Stepping Stones · for the teacher, not for students"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
