"""The one overdose response protocol (curricula/<id>/protocol.toml), and how a course module or a
PDF prints it.

A module asks for it with a line such as `{{protocol:steps}}` or `{{product:narcan-4mg}}`; the
loader replaces the line with Markdown built here, so the course, the kiosk and the staff preview
show the same words the packet prints (documents.builders reads the same data through
`default_protocol()`). Nobody keeps a second copy of the steps.
"""
from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reentry.config import PROJECT_ROOT

DEFAULT_ROOT = PROJECT_ROOT / "curricula" / "oend"
LANGUAGES = ("en", "es")
# `{{protocol:steps}}`, `{{product:zimhi-5mg}}`, `{{storage:narcan-4mg}}`: one per line.
DIRECTIVE = re.compile(r"^\{\{\s*(protocol|product|storage)\s*:\s*([a-z0-9_.-]+)\s*\}\}\s*$")
TITLED_LISTS = ("no_naloxone", "donts", "storage", "test_strips", "strips_notes", "wound_care", "keep_treatment")
# Lists the packet's "Staying safer" page prints, in this order (modules 7 and 8 print them too).
SAFER_LISTS = ("test_strips", "strips_notes", "wound_care", "keep_treatment")
PROTOCOL_PARTS = ("steps", "situations", *TITLED_LISTS)


@dataclass(frozen=True)
class Entry:
    """A step or a situation: a short bold title and a text, in one language."""

    key: str
    title: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class TitledList:
    title: str
    items: tuple[str, ...]
    sources: tuple[str, ...]
    numbered: bool = False  # steps to follow in order (testing a drug), not points

@dataclass
class Protocol:
    """The protocol in both languages; `problems` lists (line, message) the checker reports."""

    path: Path
    trigger: dict[str, str] = field(default_factory=dict)
    steps: dict[str, list[Entry]] = field(default_factory=dict)
    situations: dict[str, list[Entry]] = field(default_factory=dict)
    lists: dict[str, dict[str, TitledList]] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)
    # The fingerprint of the English the Spanish was written from, and of the English now.
    translates: str = ""
    english_hash: str = ""

    def sources(self, parts=PROTOCOL_PARTS) -> set[str]:
        """The source ids the given parts rest on (all of them by default)."""
        used = set()
        for part in parts:
            if part in ("steps", "situations"):
                for entries in getattr(self, part).values():
                    for entry in entries:
                        used.update(entry.sources)
            else:
                for block in self.lists.get(part, {}).values():
                    used.update(block.sources)
        return used


def _line_of(raw: str, needle: str) -> int:
    for number, line in enumerate(raw.split("\n"), start=1):
        if needle in line:
            return number
    return 1


def english_fingerprint(data: dict) -> str:
    """SHA-256 of every English word in protocol.toml: the Spanish records the one it translates,
    so a changed English step shows up as an out-of-date translation, as for a module."""
    def english(value):
        if isinstance(value, dict):
            return {k: english(v) for k, v in value.items() if k not in ("es", "translates")}
        if isinstance(value, list):
            return [english(v) for v in value]
        return value
    text = json.dumps(english(data), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_protocol(root: Path | str = DEFAULT_ROOT) -> Protocol:
    """Read protocol.toml; what is missing or malformed is collected in `problems`, not raised."""
    path = Path(root) / "protocol.toml"
    proto = Protocol(path=path)
    if not path.is_file():
        proto.problems.append((1, "protocol.toml is missing"))
        return proto
    raw = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as error:
        proto.problems.append((1, f"not valid TOML: {error}"))
        return proto
    proto.translates = str(data.get("translates", ""))
    proto.english_hash = english_fingerprint(data)
    proto.trigger = {lang: str((data.get("trigger") or {}).get(lang, "")) for lang in LANGUAGES}
    for lang in LANGUAGES:
        if not proto.trigger[lang]:
            proto.problems.append((_line_of(raw, "[trigger]"), f"the second-dose trigger has no '{lang}' words"))
    for part in ("steps", "situations"):
        rows = data.get(part) or []
        if not rows:
            proto.problems.append((1, f"'{part}' is missing or empty"))
        for lang in LANGUAGES:
            entries = []
            for row in rows:
                words = row.get(lang) or {}
                key = str(row.get("key", ""))
                if not key or not words.get("title") or not words.get("text"):
                    proto.problems.append((_line_of(raw, f'key = "{key}"') if key else 1,
                                           f"{part} {key or '?'}: needs a key and a '{lang}' title and text"))
                    continue
                entries.append(Entry(key, str(words["title"]), str(words["text"]),
                                     tuple(row.get("sources") or ())))
            getattr(proto, part)[lang] = entries
    for part in TITLED_LISTS:
        block = data.get(part) or {}
        proto.lists[part] = {}
        for lang in LANGUAGES:
            words = block.get(lang) or {}
            if not words.get("title") or not words.get("items"):
                proto.problems.append((_line_of(raw, f"[{part}]"), f"{part}: needs a '{lang}' title and items"))
                continue
            proto.lists[part][lang] = TitledList(str(words["title"]), tuple(map(str, words["items"])),
                                                 tuple(block.get("sources") or ()), bool(block.get("numbered")))
    for row in data.get("steps") or []:
        if not row.get("sources"):
            proto.problems.append((_line_of(raw, f'key = "{row.get("key")}"'), f"step {row.get('key')}: needs sources"))
    second = {lang: [e for e in proto.steps.get(lang, []) if e.key == "second_dose"] for lang in LANGUAGES}
    for lang in LANGUAGES:
        if not second[lang]:
            proto.problems.append((1, f"there is no 'second_dose' step in '{lang}'"))
        elif proto.trigger[lang] and proto.trigger[lang] not in second[lang][0].text:
            proto.problems.append((_line_of(raw, 'key = "second_dose"'),
                                   f"the second_dose step ({lang}) must say the trigger words exactly: "
                                   f"'{proto.trigger[lang]}'"))
    return proto


@lru_cache(maxsize=1)
def default_protocol() -> Protocol:
    """The shipped protocol, read once per process (the packet builders use it)."""
    return load_protocol(DEFAULT_ROOT)


@lru_cache(maxsize=1)
def _default_sources() -> dict[str, dict]:
    meta = tomllib.loads((DEFAULT_ROOT / "curriculum.toml").read_text(encoding="utf-8"))
    return {s["id"]: s for s in meta.get("sources", []) if isinstance(s, dict) and s.get("id")}


def source_line(ids, lang: str, packet: bool = False) -> str:
    """The printable names of the sources (their `shown` label, per language where it has one;
    on a packet page their shorter `printed` label where they have one), never their ids. A
    source without a label is left out rather than printed as a key."""
    sources, seen, names = _default_sources(), set(), []
    for source_id in ids:
        source = sources.get(source_id) or {}
        shown = source.get("printed") if packet and source.get("printed") else source.get("shown")
        name = shown.get(lang) if isinstance(shown, dict) else shown
        if name and name not in seen:
            seen.add(name)
            names.append(name)
    return "; ".join(names)


def _markers(ids) -> str:
    return "".join(f"[@{source_id}]" for source_id in ids)


def protocol_markdown(proto: Protocol, part: str, lang: str) -> str:
    """One part of the protocol as Markdown for a course module."""
    if part == "steps":
        return "\n".join(f"{n}. **{e.title}** {e.text} {_markers(e.sources)}"
                         for n, e in enumerate(proto.steps.get(lang, []), start=1))
    if part == "situations":
        return "\n\n".join(f"**{e.title}** {e.text} {_markers(e.sources)}" for e in proto.situations.get(lang, []))
    block = proto.lists.get(part, {}).get(lang)
    if block is None:
        return ""
    items = "\n".join(f"{n}. {item}" if block.numbered else f"- {item}" for n, item in enumerate(block.items, 1))
    return f"## {block.title}\n\n{items} {_markers(block.sources)}"


def product_markdown(product: dict, part: str, lang: str) -> str:
    """A product's steps (`product`) or storage (`storage`) as Markdown, from its label data."""
    words = product[lang]
    markers = _markers(product.get("sources", ()))
    if part == "product":
        return "\n".join(f"{n}. {step}" for n, step in enumerate(words["give"], start=1)) + f" {markers}"
    return "\n".join(f"- {item}" for item in words["storage"]) + f" {markers}"


def expand(body: str, lang: str, proto: Protocol, products) -> tuple[str, list[tuple[int, str]]]:
    """A module body with each directive line replaced; (body, [(line offset, problem)]).

    `products(code)` returns a product's label data or None (documents.content.product_instructions).
    """
    out, problems = [], []
    for offset, line in enumerate(body.split("\n")):
        match = DIRECTIVE.match(line.strip())
        if not match:
            if "{{" in line:
                problems.append((offset, f"unknown directive {line.strip()!r}: use {{{{protocol:steps}}}} "
                                         f"or {{{{product:CODE}}}}"))
            out.append(line)
            continue
        kind, name = match.groups()
        if kind == "protocol":
            if name not in PROTOCOL_PARTS:
                problems.append((offset, f"protocol has no part {name!r} ({', '.join(PROTOCOL_PARTS)})"))
                continue
            out.append(protocol_markdown(proto, name, lang))
        else:
            product = products(name)
            if product is None:
                problems.append((offset, f"there is no product {name!r} in documents/data/products"))
                continue
            out.append(product_markdown(product, kind, lang))
    return "\n".join(out), problems
