"""Course Markdown to HTML for the kiosk and the staff preview (formatting only, no queries)."""
from __future__ import annotations

import re

import markdown as markdown_lib
from markupsafe import Markup, escape

from reentry.training.curriculum import CITATION


def source_numbers(doc: dict) -> dict[str, int]:
    return {source["id"]: number for number, source in enumerate(doc["sources"], start=1)}


def module_html(body: str, doc: dict) -> Markup:
    """Render a module body: the leading '# title' is dropped (the page's h1 shows it), raw HTML
    is escaped (content is data, never markup), citation markers become numbered links."""
    lines = body.strip().split("\n")
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    html = markdown_lib.markdown(str(escape("\n".join(lines))).replace("&#39;", "'").replace("&#34;", '"'))
    numbers = source_numbers(doc)

    def marker(match: re.Match) -> str:
        number = numbers.get(match.group(1))
        return f'<sup><a href="#source-{number}">[{number}]</a></sup>' if number else ""

    return Markup(CITATION.sub(marker, html))


def source_label(source: dict, language: str) -> str:
    """What a learner sees for a source: its `shown` label (author or agency, journal, year; a
    string, or a table per language), else the full citation."""
    shown = source.get("shown")
    if isinstance(shown, dict):
        shown = shown.get(language) or shown.get("en")
    return shown or source["citation"]


def cited_sources(body: str, doc: dict, language: str = "en") -> list[tuple[int, str]]:
    """The sources a text cites, as (number, label a learner sees), in number order."""
    numbers = source_numbers(doc)
    wanted = {numbers[m] for m in CITATION.findall(body) if m in numbers}
    return [(n, source_label(s, language)) for n, s in enumerate(doc["sources"], start=1) if n in wanted]


def strip_markers(text: str) -> str:
    return CITATION.sub("", text).strip()
