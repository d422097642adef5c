"""docs/data-dictionary.md, generated from the models so it cannot drift from the schema.

`reentry data-dictionary` rewrites the file; a test fails when the file and the models disagree.
"""
from __future__ import annotations

import inspect
from pathlib import Path

from reentry.extensions import db

DICTIONARY_PATH = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def _summary(doc: str | None) -> str:
    """The first paragraph of a docstring, on one line."""
    if not doc:
        return ""
    first = inspect.cleandoc(doc).split("\n\n")[0]
    return " ".join(first.split())


def _notes(column) -> str:
    notes = []
    if column.primary_key:
        notes.append("primary key")
    for key in sorted(column.foreign_keys, key=lambda k: k.target_fullname):
        notes.append(f"→ {key.target_fullname}")
    if column.unique:
        notes.append("unique")
    return "; ".join(notes)


def data_dictionary() -> str:
    """The Markdown text: one section per table, its purpose and its columns."""
    models = {mapper.local_table.name: mapper.class_ for mapper in db.Model.registry.mappers}
    lines = ["# Data dictionary", "",
             "Generated from the models by `reentry data-dictionary`; do not edit by hand (a test checks",
             "that this file matches the models). Times are UTC; `*_date` and `*_on` columns are local",
             "calendar dates of the facility.", ""]
    for table in sorted(db.metadata.tables.values(), key=lambda t: t.name):
        lines += [f"## {table.name}", ""]
        model = models.get(table.name)
        summary = _summary(model.__doc__) if model is not None else "Association table."
        if summary:
            lines += [summary, ""]
        lines += ["| column | type | null | notes |", "|---|---|---|---|"]
        for column in table.columns:
            lines.append(f"| {column.name} | {str(column.type).lower()} | {'yes' if column.nullable else 'no'} | "
                         f"{_notes(column)} |")
        lines.append("")
    return "\n".join(lines)
