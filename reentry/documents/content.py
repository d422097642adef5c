"""Participant-facing words, kept as data in English and Spanish (data/texts.json and one file per
naloxone product in data/products/), so translators and clinicians edit text, not code."""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date

DATA_DIR = Path(__file__).parent / "data"
LANGUAGES = ("en", "es")
PRODUCT_CODES = (
    "narcan-4mg", "naloxone-4mg-generic", "rivive-3mg", "kloxxado-8mg", "zimhi-5mg",
    "naloxone-0.4mg-vial",
)


def language(lang: str | None) -> str:
    """A supported language code; anything else prints in English rather than failing."""
    return lang if lang in LANGUAGES else "en"


@lru_cache(maxsize=1)
def _texts() -> dict:
    return json.loads((DATA_DIR / "texts.json").read_text(encoding="utf-8"))


def texts(lang: str) -> dict:
    return _texts()[language(lang)]


def resource_type_label(type_: str, lang: str) -> str:
    labels = _texts()["resource_types"].get(type_)
    return labels[language(lang)] if labels else type_


def resource_type_labels() -> dict[str, dict[str, str]]:
    return _texts()["resource_types"]


@lru_cache(maxsize=16)
def product_instructions(code: str) -> dict | None:
    """A product's instruction texts ({"en": {...}, "es": {...}, "source": ...}), or None."""
    if code not in PRODUCT_CODES:
        return None
    return json.loads((DATA_DIR / "products" / f"{code}.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=4096)
def long_date(value: date | None, lang: str) -> str:
    """A date the way people write it: "March 5, 2026" / "5 de marzo de 2026"."""
    if value is None:
        return ""
    return format_date(value, "long", locale=language(lang))
