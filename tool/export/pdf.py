"""PDF files with ReportLab (pure Python wheels; no browser or system library needed at run time).

Text comes from the model and the teacher, so every string is escaped before ReportLab's paragraph
markup sees it. A Unicode TrueType font (DejaVu Sans, from Debian's fonts-dejavu-core, which the setup
scripts and the image install) keeps names such as "Kıvanç" and curly quotes intact; without it the
Vera font bundled with ReportLab is used.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from tool.export.guide import Guide, HandoutStep, Item

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/local/share/fonts/dejavu"))
FONT_FILES = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
FALLBACK_FILES = {"regular": "Vera.ttf", "bold": "VeraBd.ttf"}
SCRIPT_SHADE = colors.HexColor("#eef3f8")
MUTED = colors.HexColor("#444444")

_fonts: tuple[str, str] | None = None


def fonts() -> tuple[str, str]:
    """(regular, bold) font names, registered once per process."""
    global _fonts
    if _fonts is None:
        files = next(
            ({k: d / f for k, f in FONT_FILES.items()} for d in FONT_DIRS if (d / FONT_FILES["regular"]).exists()),
            None,
        )
        if files is None:
            import reportlab

            bundled = Path(reportlab.__file__).parent / "fonts"
            files = {k: bundled / f for k, f in FALLBACK_FILES.items()}
        pdfmetrics.registerFont(TTFont("SS-Regular", str(files["regular"])))
        pdfmetrics.registerFont(TTFont("SS-Bold", str(files["bold"])))
        # <b> in paragraph markup picks the bold face through the family.
        pdfmetrics.registerFontFamily("SS-Regular", normal="SS-Regular", bold="SS-Bold", italic="SS-Regular",
                                      boldItalic="SS-Bold")
        _fonts = ("SS-Regular", "SS-Bold")
    return _fonts


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    base = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=14.5, alignment=TA_LEFT, spaceAfter=5)
    return {
        "body": base,
        "h1": ParagraphStyle("h1", parent=base, fontName=bold, fontSize=17, leading=21, spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontName=bold, fontSize=14, leading=18, spaceBefore=10, spaceAfter=6),
        "h3": ParagraphStyle("h3", parent=base, fontName=bold, fontSize=12, leading=15, spaceBefore=8, spaceAfter=4),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=12, bulletIndent=2),
        "muted": ParagraphStyle("muted", parent=base, textColor=MUTED, fontSize=9.5),
        "big": ParagraphStyle("big", parent=base, fontSize=14, leading=20),
    }


def _text(value: str) -> str:
    """Plain text as paragraph markup: escaped, line breaks kept."""
    return escape(value).replace("\n", "<br/>")


class _Bookmark(Flowable):
    """An invisible mark that adds a heading to the PDF outline (the reader's sidebar)."""

    def __init__(self, title: str, level: int) -> None:
        super().__init__()
        self.title, self.level = title, level
        self.width = self.height = 0

    def draw(self) -> None:
        key = f"h{id(self)}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(self.title, key, level=self.level)


def _field(item: Item, styles: dict[str, ParagraphStyle]) -> Flowable:
    label = f"<b>{_text(item.label)}:</b> " if item.label else ""
    if item.kind == "bullet":
        paragraph = Paragraph(_text(item.text), styles["bullet"], bulletText="•")
    else:
        paragraph = Paragraph(label + _text(item.text), styles["body"])
    if not item.script:
        return paragraph
    box = Table([[paragraph]], colWidths=["100%"])
    box.setStyle(
        TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), SCRIPT_SHADE),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ])
    )
    return box


def _footer(text: str) -> Any:
    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        regular, _ = fonts()
        canvas.saveState()
        canvas.setFont(regular, 8.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(doc.leftMargin, 10 * mm, text)
        canvas.drawRightString(A4[0] - doc.rightMargin, 10 * mm, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    return draw


def _document(buffer: io.BytesIO, title: str, subject: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Stepping Stones",
        subject=subject,
        lang="en",
    )


def guide_pdf(guide: Guide) -> bytes:
    """The teacher guide: every section of the sequence, headings in the PDF outline, scripts shaded."""
    styles = _styles()
    story: list[Flowable] = []
    for section in guide.sections:
        heading_style = styles[f"h{section.level}"]
        heading = [_Bookmark(section.heading, section.level - 1), Paragraph(_text(section.heading), heading_style)]
        if section.level == 1:
            heading.append(Paragraph(_text(guide.student), styles["muted"]))
        body = [_field(item, styles) for item in section.items]
        # A heading never ends a page alone: it stays with its first item.
        story += [KeepTogether(heading + body[:1]), *body[1:]]
        if section.level == 1:
            story.append(Spacer(1, 4))
    buffer = io.BytesIO()
    footer = _footer("Teacher guide · Stepping Stones · for the teacher, not for students")
    _document(buffer, guide.title, "Teacher guide").build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def handout_pdf(steps: list[HandoutStep]) -> bytes:
    """The student handout: one step per page, the student's instructions only."""
    styles = _styles()
    story: list[Flowable] = []
    for step in steps:
        if story:
            story.append(PageBreak())
        title = f"Step {step.number} of {step.total}"
        story += [
            _Bookmark(title, 0),
            Paragraph(_text(title), styles["h1"]),
            Paragraph("Your practice. A rough try is fine.", styles["muted"]),
            Spacer(1, 6),
            Paragraph(_text(step.instructions), styles["big"]),
            Spacer(1, 14),
            Paragraph("My notes:", styles["muted"]),
        ]
    buffer = io.BytesIO()
    footer = _footer("Stepping Stones practice")
    _document(buffer, "Your practice steps", "Practice steps").build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
