"""docs/clinical-content.md: every health and legal claim the course, the kiosk and the PDFs make,
with its source and the date the source was checked, generated from the shipped data (issue 13).

A medical director reviews this file before approving a content version; a test regenerates it
and fails when the committed copy differs, so it cannot drift from the data. Only files are read
(no database, no clock): hotlines and law rows are as shipped, and an admin's later edit shows on
the content sign-off page as a change instead.
"""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from reentry.documents.content import DATA_DIR, PRODUCT_CODES
from reentry.documents.seed import LAW_CONDITIONS, LAW_EXCLUSIONS, hotline_rows, law_rows, parse_law_codes
from reentry.training.curriculum import CITATION, plain_text, split_front_matter
from reentry.training.protocol import DEFAULT_ROOT, DIRECTIVE, TITLED_LISTS, load_protocol

# The risk flags (participants/risk.py) name their sources by keys of their own; these are the
# same works in curriculum.toml, whose entries carry the checked date.
RISK_SOURCE_IDS = {"samhsa_toolkit": "samhsa2023", "vivitrol_label": "vivitrol-label",
                   "fda_boxed_warning_2016": "fda2016", "au_methadone_guidelines": "au-methadone2003"}
LAW_LABELS = {"protects_arrest": "arrest", "protects_charge": "charge", "protects_prosecution": "prosecution",
              "covers_possession": "possession", "covers_paraphernalia": "paraphernalia",
              "protects_probation_parole": "probation or parole violation"}


def _cell(text: object) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _sources(curriculum_root: Path) -> dict[str, dict]:
    meta = tomllib.loads((curriculum_root / "curriculum.toml").read_text(encoding="utf-8"))
    return {s["id"]: s for s in meta.get("sources", []) if isinstance(s, dict) and s.get("id")}


def _cite(ids, sources: dict[str, dict]) -> str:
    """"Binswanger 2007 (binswanger2007, checked 2026-12-04)" for each id; unknown ids say so."""
    parts = []
    for source_id in ids:
        source = sources.get(RISK_SOURCE_IDS.get(source_id, source_id))
        if source is None:
            parts.append(f"{source_id} (not in curriculum.toml: no checked date)")
        else:
            parts.append(f"{source['id']} (checked {source.get('checked', 'never')})")
    return "; ".join(parts) if parts else "no source recorded"


def _course_section(root: Path, sources: dict, slugs: list[str]) -> list[str]:
    lines = ["## Course and kiosk (modules, English; the Spanish files translate them)", "",
             "Each sentence that carries a source marker. Lines such as `{{protocol:steps}}` print the "
             "protocol below; `{{product:...}}` lines print the product facts below.", ""]
    for slug in slugs:
        path = root / "modules" / f"{slug}.en.md"
        front, body, _ = split_front_matter(path.read_text(encoding="utf-8"))
        title = tomllib.loads(front).get("title", slug)
        lines += [f"### {slug}: {title}", ""]
        found = False
        for raw in body.split("\n"):
            if DIRECTIVE.match(raw.strip()):
                lines.append(f"- prints `{raw.strip()}`")
                found = True
            elif CITATION.search(raw):
                lines.append(f"- {_cell(plain_text(raw))} — {_cite(CITATION.findall(raw), sources)}")
                found = True
        if not found:
            lines.append("- (no cited claim)")
        lines.append("")
    quiz = tomllib.loads((root / "quiz.toml").read_text(encoding="utf-8"))
    lines += ["### Knowledge test (quiz.toml)", ""]
    for item in quiz.get("items", []):
        english = item.get("en") or {}
        text = f"{english.get('text', '')} {english.get('explanation', '')}"
        answer = "true" if item.get("answer") else "false"
        lines.append(f"- {item.get('id')}: {_cell(plain_text(text))} (answer: {answer}) — "
                     f"{_cite([*CITATION.findall(text), *item.get('sources', [])], sources)}")
    return lines + [""]


def _protocol_section(root: Path, sources: dict) -> list[str]:
    proto = load_protocol(root)
    lines = ["## Overdose response protocol (protocol.toml; course, kiosk and every PDF)", "",
             f"Second-dose trigger: \"{proto.trigger.get('en', '')}\".", ""]
    for n, entry in enumerate(proto.steps.get("en", []), 1):
        lines.append(f"{n}. **{_cell(entry.title)}** {_cell(entry.text)} — {_cite(entry.sources, sources)}")
    lines.append("")
    for entry in proto.situations.get("en", []):
        lines.append(f"- **{_cell(entry.title)}** {_cell(entry.text)} — {_cite(entry.sources, sources)}")
    for part in TITLED_LISTS:
        block = proto.lists.get(part, {}).get("en")
        if block is None:
            continue
        lines += ["", f"**{_cell(block.title)}** — {_cite(block.sources, sources)}", ""]
        lines += [f"- {_cell(item)}" for item in block.items]
    return lines + [""]


def _risk_section(sources: dict) -> list[str]:
    from reentry.participants.risk import BASELINE_CITATION, BASELINE_TEXT, FLAG_TEXT

    lines = ["## Release risk warnings (packet warning page; participants/risk.py)", "",
             f"- Every packet: {_cell(BASELINE_TEXT['en'])} — {_cite([BASELINE_CITATION], sources)}"]
    for code, (citation, english, _spanish) in FLAG_TEXT.items():
        lines.append(f"- {code}: {_cell(english)} — {_cite([citation], sources)}")
    return lines + [""]


def packet_claim_sources(data: Path = DATA_DIR) -> dict[str, list[str]]:
    """texts.json's claim_sources: the key of each packet text that makes a health or legal claim,
    with the ids of its sources."""
    table = json.loads((data / "texts.json").read_text(encoding="utf-8")).get("claim_sources", {})
    return {key: list(ids) for key, ids in table.items() if not key.startswith("_")}


def _packet_texts_section(data: Path, sources: dict) -> list[str]:
    english = json.loads((data / "texts.json").read_text(encoding="utf-8"))["en"]
    lines = ["## Packet texts (texts.json; the warning page, naloxone page and law section)", "",
             "`{state}` prints the destination state's name.", ""]
    for key, ids in packet_claim_sources(data).items():
        value = english.get(key, "(no such text)")
        text = " ".join(value) if isinstance(value, list) else value
        lines.append(f"- {key}: {_cell(text)} — {_cite(ids, sources)}")
    return lines + [""]


def _products_section(data: Path, sources: dict) -> list[str]:
    lines = ["## Naloxone products (product pages of the packet and module 5)", ""]
    for code in PRODUCT_CODES:
        product = json.loads((data / "products" / f"{code}.json").read_text(encoding="utf-8"))
        english = product["en"]
        checks = ", ".join(f"{key.replace('_checked', '')} checked against it" for key in ("label_checked", "storage_checked")
                           if product.get(key))
        lines += [f"### {english['name']} (`{code}`)", "",
                  f"Source: {_cite(product.get('sources', []), sources)}; product file checked "
                  f"{product.get('checked', 'never')}{'; ' + checks if checks else ''}.", ""]
        lines += [f"- Give: {_cell(step)}" for step in english.get("give", [])]
        lines += [f"- Storage: {_cell(step)}" for step in english.get("storage", [])]
        lines.append("")
    return lines


def _hotlines_section() -> list[str]:
    lines = ["## Hotlines (packet hotline list; hotlines.csv as shipped)", "",
             "| hotline | number | what the packet says | verified | last verified on | source |",
             "|---|---|---|---|---|---|"]
    for row in hotline_rows():
        verified_on = row.get("last_verified_on")
        lines.append(f"| {_cell(row['name_en'])} | {_cell(row['number'])} | {_cell(row['description_en'])} | "
                     f"{'yes' if row.get('is_verified') else 'no: not printed'} | "
                     f"{verified_on.isoformat() if verified_on else 'never'} | {_cell(row.get('source', ''))} |")
    return lines + [""]


def _laws_section() -> list[str]:
    lines = ["## 911 Good Samaritan laws (packet law section; good_samaritan_laws.csv as shipped)", "",
             "Protections print only from a verified row checked within 12 months; otherwise the packet "
             "prints the generic text (\"Call 911. Laws differ by state...\").", "",
             "| state | statute | law | protects from | conditions | exclusions | as of | verified | source |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in law_rows():
        protects = ", ".join(label for field, label in LAW_LABELS.items() if row[field] == "yes") or "none coded"
        conditions = " ".join(code if number is None else f"{code}:{number}"
                              for code, number in parse_law_codes(row["conditions"], LAW_CONDITIONS, "conditions"))
        exclusions = " ".join(code for code, _ in parse_law_codes(row["exclusions"], LAW_EXCLUSIONS, "exclusions"))
        law = row["has_gsl"] + (f" since {row['effective_date']}" if row["effective_date"] else "")
        lines.append(f"| {row['state_code']} | {_cell(row['statute']) or '—'} | {law} | {protects} | "
                     f"{conditions or '—'} | {exclusions or '—'} | {row['as_of'].isoformat()} | "
                     f"{'yes' if row['is_verified'] else 'no'} | {_cell(row['source'])} |")
    return lines + [""]


def _test_strips_section() -> list[str]:
    """The one sentence a packet prints about fentanyl test strips, for each state a source says."""
    sentences = {"legal": "the law does not count fentanyl test strips as drug tools",
                 "not_exempt": "the law can still count fentanyl test strips as drug tools"}
    lines = ["## Fentanyl test strips by destination state (packet law section)", "",
             "A state prints a sentence only when its row has a status from a source read within 12 months; "
             "every other state prints nothing about test strips (the course says some states still count "
             "them as drug tools).", "",
             "| state | prints | as of | source |", "|---|---|---|---|"]
    for row in law_rows():
        if row["test_strip_status"] in sentences:
            lines.append(f"| {row['state_code']} | In {row['state_name']}, {sentences[row['test_strip_status']]}. | "
                         f"{row['test_strip_as_of'].isoformat() if row['test_strip_as_of'] else 'never'} | "
                         f"{_cell(row['test_strip_source'])} |")
    return lines + [""]


def _sources_section(sources: dict, cited_by: dict[str, set[str]]) -> list[str]:
    lines = ["## Sources (curriculum.toml)", "",
             "| id | reference | checked | where it was read | cited by |", "|---|---|---|---|---|"]
    for source_id, source in sources.items():
        users = ", ".join(sorted(cited_by.get(source_id, ()))) or "not cited"
        lines.append(f"| {source_id} | {_cell(source.get('citation', ''))} | {source.get('checked', 'never')} | "
                     f"{_cell(source.get('url', ''))} | {users} |")
    return lines + [""]


def _cited_by(root: Path, data: Path) -> dict[str, set[str]]:
    cited: dict[str, set[str]] = {}
    for path in sorted((root / "modules").glob("*.en.md")) + [root / "quiz.toml"]:
        for source_id in CITATION.findall(path.read_text(encoding="utf-8")):
            cited.setdefault(source_id, set()).add(path.name)
    for item in tomllib.loads((root / "quiz.toml").read_text(encoding="utf-8")).get("items", []):
        for source_id in item.get("sources", []):
            cited.setdefault(source_id, set()).add("quiz.toml")
    proto = load_protocol(root)
    for source_id in proto.sources():
        cited.setdefault(source_id, set()).add("protocol.toml")
    for code in PRODUCT_CODES:
        for source_id in json.loads((data / "products" / f"{code}.json").read_text(encoding="utf-8")).get("sources", []):
            cited.setdefault(source_id, set()).add(f"products/{code}.json")
    from reentry.participants.risk import BASELINE_CITATION, FLAG_TEXT

    for key in {BASELINE_CITATION, *(citation for citation, _, _ in FLAG_TEXT.values())}:
        cited.setdefault(RISK_SOURCE_IDS.get(key, key), set()).add("risk flags")
    for ids in packet_claim_sources(data).values():
        for source_id in ids:
            cited.setdefault(source_id, set()).add("texts.json")
    return cited


def clinical_content_markdown(curriculum_root: Path = DEFAULT_ROOT, data: Path = DATA_DIR) -> str:
    """The whole of docs/clinical-content.md, from the data files only."""
    root = Path(curriculum_root)
    meta = tomllib.loads((root / "curriculum.toml").read_text(encoding="utf-8"))
    sources = _sources(root)
    lines = [
        "# Clinical and legal content: every claim, its source, and when the source was checked", "",
        "Generated by `reentry curriculum claims --out docs/clinical-content.md` from the course "
        f"(`curricula/{meta['id']}`, version {meta['version']}) and the packet data "
        "(`reentry/documents/data/`); do not edit by hand: edit the data and regenerate (a test "
        "fails when this file is out of date). A medical director reads this, then approves the "
        "content version on the Content sign-off page (`/admin/content`); packets then print who "
        "reviewed them. Spanish texts translate the English ones listed here.", "",
        "Each claim ends with its source ids and the date someone read that source for it.", "",
    ]
    lines += _course_section(root, sources, list(meta.get("modules", [])))
    lines += _protocol_section(root, sources)
    lines += _risk_section(sources)
    lines += _packet_texts_section(Path(data), sources)
    lines += _products_section(Path(data), sources)
    lines += _hotlines_section()
    lines += _laws_section()
    lines += _test_strips_section()
    lines += _sources_section(sources, _cited_by(root, Path(data)))
    text = "\n".join(lines).rstrip() + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)
