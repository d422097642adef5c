"""Nicknames for linkage: which formal first names a given first name may stand for.

The English list is carltonnorthern/nicknames (PyPI `nicknames`, Apache-2.0, hand-curated:
https://github.com/carltonnorthern/nicknames), installed with the `linkage` extra. It has almost
no Spanish hypocoristics, so `data/spanish_nicknames.csv` (same three columns, written for this
app, docs/outcomes.md) adds the common ones: Beto, Pepe, Chuy, Lupe, Paco, Nacho, Lalo, Memo...

The list links a name both ways and is not a tree ("bill" lists "william" and "william" lists
"bill"), so no single canonical spelling exists; each name gets the set of its forms (itself and
every name it is listed as a nickname of) and two names agree when their sets meet.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

SPANISH = Path(__file__).parent / "data" / "spanish_nicknames.csv"


@lru_cache(maxsize=1)
def _canonicals() -> dict[str, frozenset[str]]:
    """nickname -> the formal names it is a nickname of (English list plus the Spanish table)."""
    from nicknames import NickNamer

    lookup = NickNamer.default_lookup()
    with SPANISH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lookup.setdefault(row["name1"], set()).add(row["name2"])
    found: dict[str, set[str]] = {}
    for formal, nicks in lookup.items():
        for nick in nicks:
            found.setdefault(nick, set()).add(formal)
    return {nick: frozenset(formals) for nick, formals in found.items()}


def first_name_forms(first_name: str) -> list[str]:
    """The normalised first name (see linkage._name), its first word, and every formal name either
    is a nickname of, sorted: "bill" -> [bill, robert, william, will, willis]."""
    if not first_name:
        return []
    canonicals = _canonicals()
    word = first_name.split(" ")[0]
    forms = {first_name, word} | canonicals.get(first_name, frozenset()) | canonicals.get(word, frozenset())
    return sorted(forms)
