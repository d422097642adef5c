"""Lint of the packet content a participant reads outside the course: the packet texts, each
product's steps, the hotlines (issue 13). The same word rules as the curriculum check: no
stigmatizing words, Spanish in *usted* and with no English left in it, no citation key printed.

Law rows are reported separately (`laws_due_for_review`): their age is a fact about the data, not
a mistake in the text, and the packet already prints the generic text for them.
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from reentry.readability import reading_score
from reentry.training.curriculum import STIGMA_WORDS, Problem, plain_text, title_stigma_words

DATA = Path(__file__).parent / "data"

# Packet English is read by people leaving custody, often under stress: above this grade a block
# of text is reported (the course itself aims at grade 6, see reentry.readability).
MAX_PACKET_GRADE = 8.0
# The Spanish counterpart (Fernández-Huerta reading ease; higher is easier): 60 reads as plain
# ("normal") Spanish, as grade 8 does in English; the course itself aims at 70.
MIN_PACKET_EASE = 60.0
# Labels and headings ("Verification code") are not scored: with so few words the formula gives
# nonsense (grade 20 for two long words).
MIN_SCORED_WORDS = 10

# Second-person familiar forms: any of them on a Spanish page breaks the one register (usted).
TU_FORMS = ("tú", "tu", "tus", "te", "ti", "contigo", "puedes", "tienes", "eres", "estás", "debes",
            "quieres", "sabes", "necesitas", "sostén", "acuéstala", "acuéstalo", "llámale", "dile",
            # imperatives and tenses only "tú" takes (forms usted shares, such as "revisa", are left out)
            "quédate", "dale", "ponla", "ponlo", "guárdala", "guárdalo", "mantenla", "mantenlo",
            "consíguela", "ayúdale", "ayúdala", "ayúdalo", "haz", "vete", "tenla", "tenlo", "llámalo",
            "pruebes", "uses", "llames", "dejes", "recibiste", "usaste", "llamas", "usabas", "tomas", "vas")
# English words that have no business on a Spanish page (product names and "naloxone" in a brand
# name are not in the list).
ENGLISH_WORDS = ("the", "and", "call", "text", "county", "walk", "with", "your", "you", "hold",
                 "mon", "fri", "sat", "sun", "toolkit", "open", "free", "help", "spray")
# A citation key as the curriculum writes them (binswanger2007, samhsa_toolkit, keen2020a).
CITATION_KEY = re.compile(r"\b[a-z]+(?:[_-][a-z]+)*\d{4}[a-z]?\b|\bsamhsa_toolkit\b")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\wáéíóúñü]+", text.lower()))


def text_problems(where: str, text: str, language: str) -> Iterator[str]:
    """What is wrong with one printable string, as sentences naming the word."""
    text = re.sub(r"\{[a-z_]+\}", " ", text)  # placeholders such as {county} are filled later
    lowered, words = text.lower(), _words(text)
    for word in STIGMA_WORDS[language]:
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", lowered):
            yield f"{where}: stigmatizing word '{word}': use person-first words"
    if CITATION_KEY.search(text):
        yield f"{where}: citation key '{CITATION_KEY.search(text).group(0)}' in printable text"
    if language == "es":
        for word in TU_FORMS:
            if word in words:
                yield f"{where}: '{word}' is the tú register; use usted"
        for word in ENGLISH_WORDS:
            if word in words:
                yield f"{where}: English word '{word}' in Spanish text"


def _strings(value, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for n, item in enumerate(value, 1):
            yield from _strings(item, f"{path}[{n}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")


def printable_texts(data: Path = DATA) -> Iterator[tuple[str, str, str]]:
    """(where, language, text) for every shipped string a packet prints."""
    texts = json.loads((data / "texts.json").read_text(encoding="utf-8"))
    for language in ("en", "es"):
        for where, text in _strings(texts[language], f"texts.json {language}"):
            yield where, language, text
    for product in sorted((data / "products").glob("*.json")):
        content = json.loads(product.read_text(encoding="utf-8"))
        for language in ("en", "es"):
            for where, text in _strings(content.get(language, {}), f"products/{product.name} {language}"):
                yield where, language, text
    with (data / "hotlines.csv").open(encoding="utf-8", newline="") as handle:
        for n, row in enumerate(csv.DictReader(handle), 2):
            for column in ("name_en", "description_en", "name_es", "description_es"):
                yield f"hotlines.csv row {n} {column}", column[-2:], row[column]


def risk_flag_texts() -> Iterator[tuple[str, str, str]]:
    """(where, language, text) for every risk warning the packet can print (participants/risk.py):
    they are packet text too, only kept in code beside the rules that choose them."""
    from reentry.participants.risk import BASELINE_TEXT, FLAG_TEXT, FLAG_VARIANTS

    for language, text in BASELINE_TEXT.items():
        yield "risk.py BASELINE_TEXT", language, text
    for code, (_citation, english, spanish) in FLAG_TEXT.items():
        yield f"risk.py FLAG_TEXT {code}", "en", english
        yield f"risk.py FLAG_TEXT {code}", "es", spanish
    for (code, variant), (english, spanish) in FLAG_VARIANTS.items():
        yield f"risk.py FLAG_VARIANTS {code}/{variant}", "en", english
        yield f"risk.py FLAG_VARIANTS {code}/{variant}", "es", spanish


def source_problems(data: Path = DATA, curriculum_root: Path | None = None) -> list[Problem]:
    """Every source a packet text or risk warning names must be an entry of curriculum.toml
    (which carries the date it was checked), and every texts.json key it names must exist."""
    import tomllib

    from reentry.documents.claims import RISK_SOURCE_IDS, packet_claim_sources
    from reentry.participants.risk import BASELINE_CITATION, FLAG_TEXT
    from reentry.training.protocol import DEFAULT_ROOT

    root = Path(curriculum_root or DEFAULT_ROOT)
    meta = tomllib.loads((root / "curriculum.toml").read_text(encoding="utf-8"))
    known = {source.get("id") for source in meta.get("sources", []) if isinstance(source, dict)}
    english = json.loads((data / "texts.json").read_text(encoding="utf-8"))["en"]
    problems = []
    texts_file = "reentry/documents/data/texts.json"
    for key, ids in packet_claim_sources(data).items():
        line = _line_of(data / "texts.json", key)
        if key not in english:
            problems.append(Problem(texts_file, line, "citation", f"claim_sources names '{key}', which is not a text"))
        for source_id in ids:
            if source_id not in known:
                problems.append(Problem(texts_file, line, "citation",
                                        f"claim_sources {key}: source '{source_id}' is not in curriculum.toml"))
    for code, citation in [("BASELINE", BASELINE_CITATION), *((c, v[0]) for c, v in FLAG_TEXT.items())]:
        if RISK_SOURCE_IDS.get(citation, citation) not in known:
            problems.append(Problem("reentry/participants/risk.py", 1, "citation",
                                    f"risk flag {code}: source '{citation}' is not in curriculum.toml "
                                    "(add it there, with the date it was checked, or map it in claims.RISK_SOURCE_IDS)"))
    return problems


def _line_of(path: Path, text: str) -> int:
    """The line of a file that holds the start of a string, so an editor can find it (1 if unsure)."""
    needle = json.dumps(text, ensure_ascii=False)[1:31] if path.suffix == ".json" else text[:30]
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    return 1


# Keys of titles a reader sees heading a page or a section (the stricter title words apply).
TITLE_KEY = re.compile(r"\.(section_\w+|\w+_title|name)$")


def title_problems(where: str, text: str, language: str) -> Iterator[str]:
    if TITLE_KEY.search(where):
        for word in title_stigma_words(text, language):
            if word not in STIGMA_WORDS[language]:  # those are already named by text_problems
                yield f"{where}: title '{text}': '{word}' labels the reader; use person-first words"


def packet_content_problems(data: Path = DATA) -> list[Problem]:
    problems = []
    for where, language, text in printable_texts(data):
        for message in [*text_problems(where, text, language), *title_problems(where, text, language)]:
            path = data / where.split(" ")[0]
            problems.append(Problem(f"reentry/documents/data/{where.split(' ')[0]}", _line_of(path, text),
                                    "packet text", message))
    for where, language, text in risk_flag_texts():
        for message in text_problems(where, text, language):
            problems.append(Problem("reentry/participants/risk.py", 1, "packet text", message))
    return sorted([*problems, *source_problems(data)])


def laws_due_for_review(rows: list[dict], on: date) -> list[str]:
    """Shipped or stored law rows whose as-of date is over 12 months before `on`."""
    from reentry.documents.services import STALE_AFTER

    return [row["state_code"] for row in rows if row["as_of"] < on - STALE_AFTER]


def packet_blocks(data: Path = DATA, language: str = "en") -> Iterator[tuple[str, str]]:
    """(where, text) for each block a packet prints in `language`: one texts.json key, one product
    list (its give or storage steps), one hotline description, one risk warning. A list reads as
    sentences."""
    texts = json.loads((data / "texts.json").read_text(encoding="utf-8"))
    for key, value in texts[language].items():
        yield f"texts.json {language}.{key}", _block(value)
    for product in sorted((data / "products").glob("*.json")):
        content = json.loads(product.read_text(encoding="utf-8"))
        for key, value in content.get(language, {}).items():
            yield f"products/{product.name} {language}.{key}", _block(value)
    with (data / "hotlines.csv").open(encoding="utf-8", newline="") as handle:
        for n, row in enumerate(csv.DictReader(handle), 2):
            yield f"hotlines.csv row {n} ({row['key']}) description_{language}", row[f"description_{language}"]
    for where, text_language, text in risk_flag_texts():
        if text_language == language:
            yield where, _block(text)


def _block(value) -> str:
    lines = value if isinstance(value, list) else [value]
    return "\n".join(re.sub(r"\{[a-z_]+\}", "it", str(line)) for line in lines)


def reading_level_warnings(data: Path = DATA, max_grade: float = MAX_PACKET_GRADE,
                           min_ease: float = MIN_PACKET_EASE) -> list[Problem]:
    """Packet blocks harder than the packet aims (textstat 0.7.4), by key: English above
    `max_grade` (Flesch-Kincaid), Spanish below `min_ease` (Fernández-Huerta)."""
    warnings = []
    for language in ("en", "es"):
        for where, text in packet_blocks(data, language):
            plain = plain_text(text)
            if len(plain.split()) < MIN_SCORED_WORDS:
                continue
            score = reading_score(plain, language)
            if language == "en" and score > max_grade:
                message = f"{where}: grade {score:.1f}; aim for {max_grade:g} or lower"
            elif language == "es" and score < min_ease:
                message = f"{where}: Fernández-Huerta {score:.1f}; aim for {min_ease:g} or higher"
            else:
                continue
            if where.startswith("risk.py"):
                warnings.append(Problem("reentry/participants/risk.py", 1, "reading level", message))
            else:
                file = where.split(" ")[0]
                warnings.append(Problem(f"reentry/documents/data/{file}", _line_of(data / file, text.split("\n")[0]),
                                        "reading level", message))
    return sorted(warnings)
