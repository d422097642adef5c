"""The PDF foundation every document shares: fonts, safe text, styles, page layout, metadata.

All documents are US Letter with 0.6 in margins, set in DejaVu Sans (shipped in fonts/, embedded
as a subset), black on white only so a jail's monochrome laser printer loses nothing. Builds run
in reportlab's invariant mode, so the same input always gives the same bytes.

Text from people (names, trainer names, resource entries) goes through `safe()` before it reaches
a Paragraph: reportlab parses Paragraph text as markup, and before 3.6.13 that markup could run
code (CVE-2023-33733). Escaping also keeps `<font color=...>` in a name from changing the page.
"""
from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    ActionFlowable,
    BaseDocTemplate,
    Frame,
    PageBreak,
    PageTemplate,
)
from reportlab.platypus import Paragraph as _ReportlabParagraph
from reportlab.platypus.flowables import DocIf

# Binary (zlib only) streams: ASCII85 on top made files 25% larger and cost time, and served
# only 7-bit transports. reportlab reads this global; documents/ is its only user.
rl_config.useA85 = 0



class Paragraph(_ReportlabParagraph):
    """reportlab's Paragraph, laid out once per width: a KeepTogether measures its content and
    the frame then lays each paragraph out again at the same width, which made line breaking
    close to half of a packet's build time. The height does not depend on the space left, and a
    split makes new paragraphs, so the first layout holds."""

    def wrap(self, availWidth, availHeight):
        # reportlab drops blPara in places (a table cell's paragraph is re-laid out): then again.
        if getattr(self, "_wrapped_at", None) == availWidth and "blPara" in self.__dict__:
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._wrapped_at = availWidth
        return size


FONT_DIR = Path(__file__).parent / "fonts"
FONT = "ReentrySans"
FONT_BOLD = "ReentrySans-Bold"
PAGE_SIZE = letter  # 612 x 792 pt; reportlab's own default is A4
MARGIN = 0.6 * inch
BOTTOM_MARGIN = MARGIN + 14  # room for the footer line
NOTE_LIMIT = 110  # the content review line under the footer (issue 13)
FRAME_WIDTH = PAGE_SIZE[0] - 2 * MARGIN
FRAME_HEIGHT = PAGE_SIZE[1] - MARGIN - BOTTOM_MARGIN
AUTHOR = "reentry"
REPLACEMENT = "?"
# Characters that change text direction or are invisible: a name could use them to reorder or
# hide what is printed around it ("Trojan Source"), so they are dropped.
_DROP_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn"}


@lru_cache(maxsize=1)
def register_fonts() -> frozenset[int]:
    """Register the shipped fonts once; returns the code points the regular font can draw."""
    regular = TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf"))
    bold = TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    bold_chars = set(bold.face.charToGlyph)
    return frozenset(c for c in regular.face.charToGlyph if c in bold_chars)


@lru_cache(maxsize=1)
def _plain_chars() -> frozenset[str]:
    """Characters printable() keeps as they are: drawn by the font, visible, left to right."""
    return frozenset(
        chr(code) for code in register_fonts()
        if code <= 0xFFFF and unicodedata.category(chr(code)) not in _DROP_CATEGORIES
        and unicodedata.bidirectional(chr(code)) not in ("R", "AL"))


def printable(text: object, limit: int | None = None) -> str:
    """Plain text the font can draw: invisible and direction-changing characters dropped, letters
    it lacks replaced by their unaccented form or '?' (never an error), at most `limit` chars."""
    text = unicodedata.normalize("NFC", "" if text is None else str(text))
    if _plain_chars().issuperset(text):
        # Nearly all text is made of such characters: the loop below would keep every one.
        # (A packet is ~150 strings; checking each character in Python was ~10% of its build.)
        return _limited(" ".join(text.split()), limit)
    covered = register_fonts()
    out = []
    for char in text:
        if char in "\r\n\t":
            out.append(" ")
            continue
        if unicodedata.category(char) in _DROP_CATEGORIES:
            continue
        # Characters beyond the Basic Multilingual Plane (emoji...) lose their text mapping in
        # reportlab's subset fonts, so the PDF would read back as other letters: replace them.
        if ord(char) in covered and ord(char) <= 0xFFFF:
            out.append(char)
            continue
        # Fall back: a compatibility or accent-free form the font has (e.g. full-width letters).
        parts = [c for c in unicodedata.normalize("NFKD", char) if unicodedata.category(c) != "Mn"]
        if parts and all(ord(c) in covered and ord(c) <= 0xFFFF for c in parts):
            out.extend(parts)
        else:
            out.append(REPLACEMENT)
    return visual_order(_limited(" ".join("".join(out).split()), limit))


def _limited(text: str, limit: int | None) -> str:
    if limit is not None and len(text) > limit:
        return text[: limit - 1].rstrip() + "…"
    return text


def visual_order(text: str) -> str:
    """Right-to-left runs (Hebrew, Arabic) reversed into the order they are seen.

    reportlab lays text out left to right and has no bidi algorithm without extra packages, so
    a Hebrew name would print backwards. Reversing each run of right-to-left letters (with the
    spaces between them) is the whole algorithm for a name; Arabic letters still print in their
    unjoined forms, which stays readable.
    """
    if not any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return text
    out, run = [], []
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL", "NSM") or (kind == "WS" and run):
            run.append(char)
            continue
        out.append(_flush(run))
        run = []
        out.append(char)
    out.append(_flush(run))
    return "".join(out)


def _flush(run: list[str]) -> str:
    trailing = len(run) - len("".join(run).rstrip())
    core = run[: len(run) - trailing]
    return "".join(reversed(core)) + " " * trailing


def safe(text: object, limit: int | None = None) -> str:
    """Text ready for a Paragraph: printable() and then XML-escaped (CVE-2023-33733)."""
    return escape(printable(text, limit))


@dataclass(frozen=True)
class Styles:
    """Paragraph styles for one size: body 12 pt, or 18 pt in large print."""

    body: ParagraphStyle
    bullet: ParagraphStyle
    title: ParagraphStyle
    heading: ParagraphStyle
    lead: ParagraphStyle
    small: ParagraphStyle
    center: ParagraphStyle
    big_center: ParagraphStyle
    body_size: float


@lru_cache(maxsize=2)
def styles(large_print: bool = False) -> Styles:
    register_fonts()
    size = 18 if large_print else 12
    scale = size / 12

    def style(name: str, font_size: float, **kw) -> ParagraphStyle:
        kw.setdefault("fontName", FONT)
        kw.setdefault("leading", round(font_size * 1.3, 1))
        kw.setdefault("textColor", colors.black)
        return ParagraphStyle(name, fontSize=font_size, **kw)

    body = style("body", size, spaceAfter=6 * scale)
    return Styles(
        body=body,
        bullet=style("bullet", size, leftIndent=2 * size, bulletIndent=2 * scale,
                     bulletFontName=FONT_BOLD, bulletFontSize=size, spaceAfter=4 * scale),
        title=style("title", 24 * scale, fontName=FONT_BOLD, spaceAfter=10 * scale),
        # A heading never ends a page: in large print "What to do" was left alone at the bottom.
        heading=style("heading", 16 * scale, fontName=FONT_BOLD, spaceBefore=8 * scale,
                      spaceAfter=4 * scale, keepWithNext=1),
        lead=style("lead", 14 * scale, fontName=FONT_BOLD, borderWidth=2, borderColor=colors.black,
                   borderPadding=8 * scale, spaceBefore=8 * scale, spaceAfter=14 * scale),
        small=style("small", 9 * scale, textColor=colors.black, spaceBefore=6 * scale),
        center=style("center", size, alignment=TA_CENTER, spaceAfter=6 * scale),
        big_center=style("big_center", 26 * scale, fontName=FONT_BOLD, alignment=TA_CENTER,
                         spaceBefore=6 * scale, spaceAfter=12 * scale),
        body_size=size,
    )


def bullets(items: Iterable[str], style: ParagraphStyle, marker: str = "•") -> list[Paragraph]:
    """One bulleted Paragraph per item (items are already safe markup)."""
    return [Paragraph(item, style, bulletText=marker) for item in items]


def numbered(items: Iterable[str], style: ParagraphStyle) -> list[Paragraph]:
    return [Paragraph(item, style, bulletText=f"{n}.") for n, item in enumerate(items, 1)]


class OddPageBreak(DocIf):
    """Start the next flowable on an odd page, so each packet starts on a front side when the
    printer prints both sides. The blank back page says it is blank on purpose."""

    def __init__(self, blank_note: Paragraph):
        super().__init__("", [PageBreak(), blank_note, PageBreak()], [PageBreak()])

    def funcWrap(self, aW, aH):  # noqa: N802 (reportlab's name)
        return self._doctemplateAttr("page") % 2 == 1


class SectionStart(ActionFlowable):
    """Marks where one document of a batch starts, for its page numbers and footer."""

    def __init__(self, footer: str, index: int = 0, on_start: Callable[[int], None] | None = None,
                 note: str = ""):
        super().__init__(("sectionStart", footer, index, on_start, note))


class Document(BaseDocTemplate):
    """A Letter page with margins and a footer that numbers pages within each section."""

    def __init__(self, buffer, *, title: str, language: str, footer: str, page_label: str,
                 subject: str = "", footer_size: float = 9, note: str = ""):
        super().__init__(
            buffer, pagesize=PAGE_SIZE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
            bottomMargin=BOTTOM_MARGIN, title=title, author=AUTHOR, subject=subject, creator=AUTHOR,
            producer=AUTHOR, lang=language, displayDocTitle=True, invariant=1, pageCompression=1,
            initialFontName=FONT, initialFontSize=12,
        )
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=self._footer)])
        self._section_start = 1
        self._section_footer = footer
        self._section_note = note
        self._page_label = page_label
        self._footer_size = footer_size

    def handle_sectionStart(self, footer: str, index: int, on_start, note: str = ""):  # noqa: N802 (reportlab's naming)
        self._section_start = self.page
        self._section_footer = footer
        self._section_note = printable(note, NOTE_LIMIT)
        if on_start is not None:
            on_start(index)

    def _footer(self, canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, self._footer_size)
        canvas.setFillColor(colors.black)
        number = self.page - self._section_start + 1
        canvas.drawString(MARGIN, MARGIN - 2, self._section_footer)
        canvas.drawRightString(PAGE_SIZE[0] - MARGIN, MARGIN - 2, f"{self._page_label} {number}")
        if self._section_note:  # who reviewed this content version: a line of its own, below
            size = self._footer_size - 1
            while size > 7 and canvas.stringWidth(self._section_note, FONT, size) > FRAME_WIDTH:
                size -= 0.5  # a long title in large print: smaller, never cut off the page
            canvas.setFont(FONT, size)
            canvas.drawString(MARGIN, MARGIN - 3 - self._footer_size, self._section_note)
        canvas.restoreState()


def render(story: list, *, title: str, language: str, footer: str = "", page_label: str = "",
           subject: str = "", large_print: bool = False,
           on_progress: Callable[[str, int], None] | None = None, note: str = "") -> bytes:
    """Lay out a story and return the PDF bytes (`note`: a second footer line on every page)."""
    buffer = io.BytesIO()
    document = Document(buffer, title=printable(title, 200), language=language,
                        footer=printable(footer, 40 if large_print else 60), page_label=page_label,
                        subject=subject, footer_size=12 if large_print else 9,
                        note=printable(note, NOTE_LIMIT))
    if on_progress is not None:
        document.setProgressCallBack(on_progress)
    document.build(story)
    return buffer.getvalue()


# --- report tables (issue 8: reports/ hands over plain text, this lays it out) ----------------

def _data_table(columns: list[str], rows: list[list], empty_text: str):
    """A gridded table, header repeated on every page, widths following the longest values."""
    from reportlab.platypus import LongTable, TableStyle

    size = 7 if len(columns) > 8 else 8
    cell = ParagraphStyle("report_cell", fontName=FONT, fontSize=size, leading=size * 1.2)
    head = ParagraphStyle("report_head", parent=cell, fontName=FONT_BOLD)
    # Column names print with spaces for underscores so long ones wrap inside narrow cells.
    data = [[Paragraph(safe(c.replace("_", " ")), head) for c in columns]]
    data += [[Paragraph(safe(value), cell) for value in row] for row in rows]
    if not rows:
        data.append([Paragraph(safe(empty_text), cell)] + [""] * (len(columns) - 1))
    # Each column as wide as its longest value or header word (so no word breaks), within limits.
    weights = [min(max([4, *(len(w) for w in columns[i].split("_"))] + [len(str(row[i])) for row in rows]), 22)
               for i in range(len(columns))]
    table = LongTable(data, colWidths=[FRAME_WIDTH * w / sum(weights) for w in weights], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def build_report(*, title: str, filters: list[tuple[str, str]], columns: list[str], rows: list[list],
                 definitions: list[str], generated: str = "") -> bytes:
    """A report as a PDF: the title, the filters it was run with, the table (header repeated on
    every page) and the definitions, in that order, so the printout explains its own numbers."""
    from reportlab.platypus import Spacer

    st = styles(False)
    story: list = [Paragraph(safe(title), st.title)]
    story += [Paragraph(f"<b>{safe(label)}:</b> {safe(value)}", st.body) for label, value in filters]
    if generated:
        story.append(Paragraph(safe(generated), st.small))
    story += [Spacer(1, 6), _data_table(columns, rows, "No records in this period."),
              Paragraph(safe("Definitions"), st.heading)]
    story += bullets([safe(text) for text in definitions], st.bullet)
    return render(story, title=title, language="en", footer=title, page_label="Page")


def _bar_chart(labels: list[str], values: list, unit: str):
    """A small monochrome bar chart (reportlab graphics): bars for months, blanks drawn as zero."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing

    numbers = []
    for value in values:
        try:
            numbers.append(float(value))
        except (TypeError, ValueError):
            numbers.append(0.0)
    drawing = Drawing(FRAME_WIDTH, 110)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 36, 20, FRAME_WIDTH - 50, 80
    chart.data = [numbers or [0]]
    chart.categoryAxis.categoryNames = [label[2:] for label in labels] or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.black
    drawing.add(chart)
    return drawing


def build_summary(*, title: str, filters: list[tuple[str, str]], definitions: list[str],
                  sections: list[tuple]) -> bytes:
    """A multi-table summary (the quarterly report): filters, then each section's charts (by
    month, of the columns it names), table and notes, then the definitions. A section is
    (heading, columns, rows, charts) or (heading, columns, rows, charts, notes)."""
    from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

    st = styles(False)
    story: list = [Paragraph(safe(title), st.title)]
    story += [Paragraph(f"<b>{safe(label)}:</b> {safe(value)}", st.body) for label, value in filters]
    # CondPageBreak keeps a heading off the foot of a page; keep-with-next on top of it moved a
    # table longer than a page (with its heading) whole onto the next page, leaving a blank one.
    section_heading = ParagraphStyle("section_heading", parent=st.heading, keepWithNext=0)
    for heading, columns, rows, charts, *more in sections:
        story += [CondPageBreak(160), Paragraph(safe(heading), section_heading)]
        for chart_column, unit in charts if rows else []:
            index = columns.index(chart_column)
            caption = f"{chart_column.replace('_', ' ')}{f' ({unit})' if unit else ''} by month"
            story.append(KeepTogether([Paragraph(safe(caption), st.small),
                                       _bar_chart([str(r[0]) for r in rows], [r[index] for r in rows], unit)]))
        table = _data_table(columns, rows, "None in this period.")
        story += [table, Spacer(1, 6)]
        story += [Paragraph(safe(note), st.small) for note in (more[0] if more else [])]
    story += [CondPageBreak(120), Paragraph(safe("Definitions"), st.heading)]
    story += bullets([safe(text) for text in definitions], st.bullet)
    return render(story, title=title, language="en", footer=title, page_label="Page")
