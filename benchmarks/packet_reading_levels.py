"""Reading level of each page of printed release packets (issue 13 asks for the figure per page).

English: Flesch-Kincaid grade (the course aims at 6, packet text at 8 or lower). Spanish:
Fernández-Huerta reading ease (aim: 70 or higher). Measured with textstat 0.7.4 through
reentry.readability, on the page text without its footer (name, page number, content version)
and without the source lines (author names and report numbers are not prose).

    .venv/bin/python benchmarks/packet_reading_levels.py PACKET.pdf [MORE.pdf ...] --lang en|es
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402

from reentry.readability import reading_score, score_is_ok  # noqa: E402

FOOTER = re.compile(r"^(Page|Página) \d+$|^(Content version|Versión del contenido)|Page \d+$|Página \d+$")
SOURCE_START = re.compile(r"^(Sources?|Fuentes?): ")
MIN_WORDS = 30  # a page with less prose than this (a blank back, a certificate) is not scored


def prose(page_text: str) -> str:
    """The page's prose: footer and source lines dropped (a source line runs on until a line
    that ends its sentence with a period)."""
    kept, in_sources = [], False
    for line in (line.strip() for line in page_text.splitlines()):
        if not line or FOOTER.search(line):
            continue
        if SOURCE_START.match(line):
            in_sources = not line.endswith(".")
            continue
        if in_sources:
            in_sources = not line.endswith(".")
            continue
        kept.append(line)
    return "\n".join(kept)


def page_levels(path: Path, lang: str) -> list[tuple[int, int, float | None]]:
    """(page number, words, score or None when too short to score) for each page."""
    levels = []
    for number, page in enumerate(PdfReader(str(path)).pages, 1):
        text = prose(page.extract_text() or "")
        words = len(text.split())
        levels.append((number, words, reading_score(text, lang) if words >= MIN_WORDS else None))
    return levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="+", type=Path)
    parser.add_argument("--lang", choices=["en", "es"], required=True)
    args = parser.parse_args()
    label = "Fernández-Huerta" if args.lang == "es" else "grade"
    for path in args.pdfs:
        print(f"{path.name}:")
        for number, words, score in page_levels(path, args.lang):
            if score is None:
                print(f"  page {number}: {words} words, not scored")
            else:
                mark = "ok" if score_is_ok(score, args.lang) else "above the course aim"
                print(f"  page {number}: {words} words, {label} {score:.1f} ({mark})")


if __name__ == "__main__":
    main()
