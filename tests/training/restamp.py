"""Test helper: record fresh translation hashes after a test edits the English text, the way a
translator does after updating the Spanish."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from reentry.training.curriculum import quiz_item_source, sha256_text


def restamp(root: Path) -> None:
    for spanish in sorted((root / "modules").glob("*.es.md")):
        english = spanish.with_name(spanish.name.replace(".es.md", ".en.md"))
        digest = sha256_text(english.read_text(encoding="utf-8"))
        spanish.write_text(re.sub(r'^translates = ".*"$', f'translates = "{digest}"',
                                  spanish.read_text(encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")
    raw = (root / "quiz.toml").read_text(encoding="utf-8")
    items = tomllib.loads(raw)["items"]
    parts = raw.split("[[items]]")
    for index, item in enumerate(items, start=1):
        digest = sha256_text(quiz_item_source(item))
        parts[index] = re.sub(r'^es\.translates = ".*"$', f'es.translates = "{digest}"', parts[index], flags=re.M)
    (root / "quiz.toml").write_text("[[items]]".join(parts), encoding="utf-8")
    protocol = root / "protocol.toml"
    if protocol.is_file():
        from reentry.training.protocol import english_fingerprint

        text = protocol.read_text(encoding="utf-8")
        digest = english_fingerprint(tomllib.loads(text))
        protocol.write_text(re.sub(r'^translates = ".*"$', f'translates = "{digest}"', text, count=1, flags=re.M),
                            encoding="utf-8")
