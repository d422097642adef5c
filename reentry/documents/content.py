"""Participant-facing words, kept as data in English and Spanish (data/texts.json and one file per
naloxone product in data/products/), so translators and clinicians edit text, not code."""
from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from babel import Locale
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


@lru_cache(maxsize=1)
def _language_codes() -> dict[str, str]:
    """English language name (lower case) -> code, from the CLDR data babel ships."""
    return {name.lower(): code for code, name in Locale("en").languages.items()}


@lru_cache(maxsize=1024)
def language_names(text: str, lang: str) -> str:
    """A resource's "English, Spanish, Navajo" in the reader's language ("inglés, español,
    navajo"); empty when a name is not a language CLDR knows, rather than print it in English."""
    lang = language(lang)
    names = [part.strip() for part in (text or "").split(",") if part.strip()]
    if lang == "en" or not names:
        return ", ".join(names)
    codes = [_language_codes().get(name.lower()) for name in names]
    if None in codes:
        return ""
    localized = Locale(lang).languages
    return ", ".join(localized.get(code, "") for code in codes) if all(localized.get(c) for c in codes) else ""
