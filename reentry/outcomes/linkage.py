"""`reentry link-deaths`: link death records to released participants with Splink.

Splink (Fellegi-Sunter, trained without labels: u by random sampling, m by expectation
maximisation) on its embedded DuckDB backend; `linkage_settings()` and `train()` are
backend-neutral, so the same model runs on Splink's Spark backend for a state-sized file
(docs/outcomes.md, docs/examples/link_deaths_spark.py): `--write-inputs` writes the prepared
tables, Spark scores them, `--pairs` applies the scored pairs here.
We write no matcher of our own: Splink scores the pairs, this module only decides what a score
means (config REENTRY_LINK_THRESHOLD_HIGH / _LOW) and keeps reviewed decisions.
"""
from __future__ import annotations

import csv
import io
import logging
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, delete, insert, select, update

from reentry import audit
from reentry.csvutil import Problems, decode_upload
from reentry.database import utcnow
from reentry.extensions import db
from reentry.outcomes.models import DeathLink, DeathRecord
from reentry.participants.models import CustodyEpisode, Participant
from reentry.tabular import FileProblems

log = logging.getLogger(__name__)

REVIEWED = ("accepted", "rejected")
FLAG_BEFORE_RELEASE = "death before the release date"
FLAG_TWO_PEOPLE = "death linked to two people"
FLAG_RELEASED_AFTER = "released again after the date of death"
# The two prepared tables `--write-inputs` writes and a Spark job reads (Parquet keeps the
# array column of first-name forms as an array).
INPUT_FILES = {"deaths": "deaths.parquet", "participants": "participants.parquet"}
PAIRS_COLUMNS = ["death_id", "participant_id", "match_probability"]
_CHUNK = 5_000  # ids per IN (...) list, under SQLite's and PostgreSQL's parameter limits


def _name(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces: "Peña-O'Neil" -> "pena o neil"."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("-", " ").replace("'", " ").split())


def _sex(text: str) -> str | None:
    first = (text or "").strip()[:1].upper()
    return first if first in ("M", "F") else None


def _row(uid: int, last: str, first: str, born, sex: str, zip_code: str) -> dict:
    from reentry.outcomes.nicknames import first_name_forms

    last_name, first_name = _name(last), _name(first)
    return {"unique_id": uid, "first_name": first_name or None, "last_name": last_name or None,
            # The first word of a double surname, so "garcia lopez" meets "garcia".
            "surname_first": last_name.split(" ")[0] if last_name else None,
            # The first name and the formal names it may stand for ("bill" -> william, ...), so
            # Bill meets William: a set, because the nickname list is not a tree (nicknames.py).
            "first_name_canonical": first_name_forms(first_name) or None,
            "date_of_birth": born.isoformat() if born else None, "sex": _sex(sex),
            "zip": (zip_code or "")[:5] or None}


def _name_comparison():
    """Splink's ForenameSurnameComparison levels with one more: a nickname of the first name
    ("bill" / "william") and a surname that agrees (Jaro-Winkler 0.92, or the first word of a
    double surname), between the close-spelling levels and "surname only"."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def both(threshold):
        return cll.And(cll.JaroWinklerLevel("first_name", threshold), cll.JaroWinklerLevel("last_name", threshold))

    return cl.CustomComparison(output_column_name="first_name_last_name", comparison_levels=[
        cll.And(cll.NullLevel("first_name"), cll.NullLevel("last_name")),
        cll.And(cll.ExactMatchLevel("first_name"), cll.ExactMatchLevel("last_name")),
        cll.ColumnsReversedLevel("first_name", "last_name", symmetrical=True),
        both(0.92),
        cll.And(cll.ArrayIntersectLevel("first_name_canonical", 1),
                cll.Or(cll.JaroWinklerLevel("last_name", 0.92), cll.ExactMatchLevel("surname_first")))
        .configure(label_for_charts="Nickname of the first name, surname agrees"),
        both(0.88),
        cll.ExactMatchLevel("last_name"),
        cll.ExactMatchLevel("first_name"),
        cll.ElseLevel(),
    ])


def linkage_settings():
    """The Splink model: blocking and comparisons (plain SQL, for DuckDB or Spark)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("date_of_birth"),
            # Same surname and year of birth: a swapped day and month or a wrong day. Surname
            # alone made 45 times the pairs at 200,000 x 50,000 for almost no more true matches.
            block_on("last_name", "substr(date_of_birth, 1, 4)"),
            block_on("surname_first", "first_name"),
            "l.first_name = r.last_name and l.last_name = r.first_name",  # first and last swapped
        ],
        comparisons=[
            _name_comparison(),  # Jaro-Winkler, swapped names, nicknames
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),  # one digit off, day/month
            cl.ExactMatch("sex"),
            cl.ExactMatch("zip"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _is_zero_m_error(error: Exception) -> bool:
    """Splink 5 refuses an m (or u) probability of exactly 0, which EM estimates on a small file
    when a level is seen only among non-matches."""
    return isinstance(error, ValueError) and "below the minimum allowed value" in str(error)


def train(linker) -> list[str]:
    """Train the model on any backend: the prior from exact name and birth-date agreement, u by
    random sampling, m by EM blocked on date of birth and then on first and last name. An EM session that
    fails with Splink's m = 0 error (small files) is skipped: it runs on a copy of the model, so
    the model keeps the values from before it (or Splink's defaults). Returns the skipped sessions."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "date_of_birth")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1_000_000, seed=15)  # the same answer every run
    skipped = []
    # EM blocked on date of birth trains the names, sex and ZIP; blocked on first and last name
    # (few pairs, mostly true ones) it trains the date of birth.
    for columns in (("date_of_birth",), ("first_name", "last_name")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(*columns))
        except ValueError as error:
            if not _is_zero_m_error(error):
                raise
            log.warning("link-deaths: EM blocked on %s skipped (%s)", " and ".join(columns), error)
            skipped.append(" and ".join(columns))
    return skipped


def _predicted_pairs(linker, low: float) -> list[tuple[int, int, float]]:
    pairs = []
    for row in linker.inference.predict(threshold_match_probability=low).as_record_list():
        if row["source_dataset_l"] == "deaths":
            death, person = row["unique_id_l"], row["unique_id_r"]
        else:
            death, person = row["unique_id_r"], row["unique_id_l"]
        pairs.append((int(death), int(person), float(row["match_probability"])))
    return pairs


def score_pairs(deaths: list[dict], people: list[dict], low: float) -> list[tuple[int, int, float]]:
    """(death id, participant id, match probability) for every pair Splink scores at or above `low`."""
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    if not deaths or not people:
        return []
    api = DuckDBAPI()
    left = api.register(deaths, dataset_display_name="deaths")
    right = api.register(people, dataset_display_name="participants")
    # log_level=None: Splink leaves logging to the app (else it prints its training log to the terminal).
    linker = Linker([left, right], linkage_settings(), log_level=None)
    train(linker)
    return _predicted_pairs(linker, low)


@dataclass
class LinkResult:
    linked: int = 0
    review: int = 0
    unlinked: int = 0

    @property
    def summary(self) -> str:
        return f"linked {self.linked}, to review {self.review}, unlinked {self.unlinked}"


def _releases() -> dict[int, list[tuple]]:
    """participant id -> [(release date, facility id)] of their recorded releases."""
    e = CustodyEpisode.__table__.c
    found: dict[int, list[tuple]] = {}
    for pid, released, facility in db.session.execute(
            select(e.participant_id, e.release_date, e.facility_id)
            .where(e.release_date.is_not(None), e.is_voided.is_(False)).order_by(e.release_date)):
        found.setdefault(pid, []).append((released, facility))
    return found


@dataclass
class LinkageInputs:
    """What one run links: the source's deaths and every released participant, as Splink rows
    (`_row`), with what the rules after scoring need (dates of death, releases)."""
    deaths: list[dict]
    people: list[dict]
    died: dict[int, object]
    releases: dict[int, list[tuple]]


def prepare_inputs(source: str | None = None) -> LinkageInputs:
    """The two tables Splink links: the source's death records (all sources by default) and the
    participants with a recorded release."""
    d = DeathRecord.__table__.c
    stmt = select(d.id, d.last_name, d.first_name, d.date_of_birth, d.sex, d.zip, d.date_of_death)
    if source:
        stmt = stmt.where(d.source == source)
    death_rows = list(db.session.execute(stmt))
    releases = _releases()
    p = Participant.__table__.c
    people = [_row(r.id, r.last_name, r.first_name, r.date_of_birth, r.gender, r.destination_zip)
              for r in db.session.execute(select(p.id, p.last_name, p.first_name, p.date_of_birth, p.gender,
                                                 p.destination_zip).where(p.is_voided.is_(False)))
              if r.id in releases]
    deaths = [_row(r.id, r.last_name, r.first_name, r.date_of_birth, r.sex, r.zip) for r in death_rows]
    return LinkageInputs(deaths, people, {r.id: r.date_of_death for r in death_rows}, releases)


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def link_deaths(actor, source: str | None = None, pairs: list[tuple[int, int, float]] | None = None,
                inputs: LinkageInputs | None = None) -> LinkResult:
    """Score every death of the source (all sources by default) against released participants,
    store the candidate pairs and their status, and count the deaths. Reviewed pairs are kept.
    `pairs` given (scored elsewhere, e.g. on Spark: `--pairs`, checked by `parse_pairs` against
    the same `inputs`) replaces Splink's scoring here; the thresholds and rules are the same."""
    high = current_app.config["REENTRY_LINK_THRESHOLD_HIGH"]
    low = current_app.config["REENTRY_LINK_THRESHOLD_LOW"]
    inputs = inputs or prepare_inputs(source)
    died, releases = inputs.died, inputs.releases
    scored_here = pairs is None
    if pairs is None:
        pairs = score_pairs(inputs.deaths, inputs.people, low)
    else:
        pairs = [(death, person, prob) for death, person, prob in pairs if prob >= low]
    by_death: dict[int, list[tuple[int, float]]] = {}
    for death, person, probability in pairs:
        by_death.setdefault(death, []).append((person, probability))

    # Written in bulk (a 50,000-death file makes tens of thousands of pairs): one INSERT and
    # one UPDATE statement, then the audit rows, all in the caller's transaction. The stored
    # pairs are read first: a death already accepted for one person cannot link to another.
    t = DeathLink.__table__
    ids = list(died)
    existing: dict[tuple[int, int], dict] = {}
    for chunk in _chunks(ids):
        for row in db.session.execute(select(t.c.id, t.c.death_record_id, t.c.participant_id, t.c.facility_id,
                                             t.c.match_probability, t.c.status, t.c.flag)
                                      .where(t.c.death_record_id.in_(chunk))):
            existing[(row.death_record_id, row.participant_id)] = row._asdict()
    accepted: dict[int, set[int]] = {}
    for (death, pid), old in existing.items():
        if old["status"] == "accepted":
            accepted.setdefault(death, set()).add(pid)

    wanted: dict[tuple[int, int], dict] = {}
    for death, candidates in by_death.items():
        strong = [pid for pid, prob in candidates if prob >= high]
        for pid, prob in candidates:
            before = [(day, fac) for day, fac in releases[pid] if day <= died[death]]
            facility = (before[-1] if before else releases[pid][0])[1]
            flags = []
            if not before:
                flags.append(FLAG_BEFORE_RELEASE)
            elif any(day > died[death] for day, _ in releases[pid]):
                # A release recorded after the death: one of the two records is wrong.
                flags.append(FLAG_RELEASED_AFTER)
            if (len(strong) > 1 and pid in strong) or accepted.get(death, set()) - {pid}:
                flags.append(FLAG_TWO_PEOPLE)
            status = "linked" if prob >= high and not flags else "review"
            wanted[(death, pid)] = {"facility_id": facility, "match_probability": round(prob, 6),
                                    "status": status, "flag": "; ".join(flags)}

    now = utcnow()
    new_rows, changed = [], []
    for key, values in wanted.items():
        old = existing.get(key)
        if old is None:
            new_rows.append({"death_record_id": key[0], "participant_id": key[1], **values,
                             "review_reason": "", "created_at": now, "updated_at": now})
        elif old["status"] not in REVIEWED:  # a person's decision is never overwritten by a run
            changes = {k: [old[k], v] for k, v in values.items() if old[k] != v}
            if changes:
                changed.append((old["id"], values, changes, values["facility_id"]))
    if new_rows:
        inserted = db.session.execute(insert(t).returning(t.c.id, sort_by_parameter_order=True), new_rows)
        for link_id, row in zip([r[0] for r in inserted], new_rows):
            audit.record(actor, "death_link.create", "death_links", link_id, facility_id=row["facility_id"],
                         changes={"status": row["status"], "match_probability": row["match_probability"]})
    if changed:
        db.session.execute(
            update(t).where(t.c.id == bindparam("_id")).values(
                {**{k: bindparam(f"v_{k}") for k in ("facility_id", "match_probability", "status", "flag")},
                 "updated_at": now}),
            [{"_id": link_id, **{f"v_{k}": v for k, v in values.items()}} for link_id, values, _, _ in changed])
        for link_id, _, changes, facility in changed:
            audit.record(actor, "death_link.update", "death_links", link_id, facility_id=facility, changes=changes)
    # A pairs file scored elsewhere speaks only for the deaths it names: a truncated or empty file
    # must not remove the pairs of every death it left out.
    touched = set(ids) if scored_here else set(by_death)
    stale = [old["id"] for key, old in existing.items()
             if key[0] in touched and key not in wanted and old["status"] not in REVIEWED]
    for chunk in _chunks(stale):
        db.session.execute(delete(t).where(t.c.id.in_(chunk)))
    db.session.flush()
    db.session.expire_all()

    result = LinkResult()
    statuses: dict[int, set[str]] = {key[0]: set() for key in existing}
    for key in existing.keys() | wanted.keys():
        # The status that stands: a person's decision, else this run's score, else (a death
        # this run did not touch) what was stored; an unreviewed pair the run removed counts not.
        old = existing.get(key)
        if old is not None and (old["status"] in REVIEWED or key[0] not in touched):
            statuses[key[0]].add(old["status"])
        elif key in wanted:
            statuses.setdefault(key[0], set()).add(wanted[key]["status"])
    for death in ids:
        found = statuses.get(death, set())
        if found & {"linked", "accepted"}:
            result.linked += 1
        elif "review" in found:
            result.review += 1
        else:
            result.unlinked += 1
    audit.record(actor, "death_links.run", "death_links", None, changes={
        "source": source or "", "summary": result.summary, "threshold_high": high, "threshold_low": low,
        "removed_unreviewed_pairs": len(stale), "scored": "splink duckdb" if scored_here else "pairs file"})
    return result


# --- Spark (or any other backend): the prepared inputs out, the scored pairs back in ----------

def write_inputs(directory: str | Path, source: str | None = None) -> dict[str, int]:
    """Write the two prepared tables (the rows `_row` builds, the same Splink sees here) as Parquet
    files in `directory`, for a Spark job (docs/examples/link_deaths_spark.py). Returns row counts."""
    import duckdb

    inputs = prepare_inputs(source)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    with duckdb.connect() as con:
        for name, rows in (("deaths", inputs.deaths), ("participants", inputs.people)):
            con.execute("CREATE OR REPLACE TABLE t (unique_id BIGINT, first_name VARCHAR, last_name VARCHAR, "
                        "surname_first VARCHAR, first_name_canonical VARCHAR[], date_of_birth VARCHAR, "
                        "sex VARCHAR, zip VARCHAR)")
            if rows:
                con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                [[r["unique_id"], r["first_name"], r["last_name"], r["surname_first"],
                                  r["first_name_canonical"], r["date_of_birth"], r["sex"], r["zip"]] for r in rows])
            path = folder / INPUT_FILES[name]
            con.execute(f"COPY t TO '{str(path).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)")
            counts[name] = len(rows)
    return counts


def read_inputs(directory: str | Path) -> tuple[list[dict], list[dict]]:
    """The two tables `write_inputs` wrote, as Splink rows again (deaths, participants)."""
    import duckdb

    tables = []
    with duckdb.connect() as con:
        for name in ("deaths", "participants"):
            path = str(Path(directory) / INPUT_FILES[name]).replace("'", "''")
            result = con.execute(f"SELECT * FROM read_parquet('{path}') ORDER BY unique_id")
            columns = [c[0] for c in result.description]
            tables.append([dict(zip(columns, row)) for row in result.fetchall()])
    return tables[0], tables[1]


class PairsFileError(FileProblems):
    """The scored-pairs file cannot be applied; `problems` lists every row and column at fault."""


def parse_pairs(data: bytes, inputs: LinkageInputs | None = None) -> list[tuple[int, int, float]]:
    """Scored pairs from a CSV with columns death_id,participant_id,match_probability (other
    columns are ignored); PairsFileError lists every problem (`row N, column NAME: message`)
    and nothing is applied."""
    problems = Problems()
    reader = csv.DictReader(io.StringIO(decode_upload(data)))
    missing = [c for c in PAIRS_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise PairsFileError([f"row 1, column {c}: this required column is missing." for c in missing])
    pairs = []
    for number, row in enumerate(reader, start=2):
        values = []
        for column, kind in (("death_id", int), ("participant_id", int), ("match_probability", float)):
            text = (row.get(column) or "").strip()
            try:
                values.append(kind(text))
            except ValueError:
                problems.append(f"row {number}, column {column}: {text[:20]!r} is not a number.")
        if len(values) < 3:
            continue
        death, person, probability = values
        if math.isnan(probability) or not 0.0 <= probability <= 1.0:
            problems.append(f"row {number}, column match_probability: use a probability from 0 to 1.")
        elif inputs is not None and death not in inputs.died:
            problems.append(f"row {number}, column death_id: no death record {death} in this run's source.")
        elif inputs is not None and person not in inputs.releases:
            problems.append(f"row {number}, column participant_id: no participant {person} with a release.")
        else:
            pairs.append((death, person, probability))
    if problems:
        raise PairsFileError(problems)
    return pairs


EXPORT_COLUMNS = ["case_number", "participant_id", "jms_person_id", "match_probability", "status"]


def export_rows(source: str | None = None) -> list[list]:
    """Every stored candidate pair (each at or above the lower threshold when it was scored), for
    `reentry link-deaths --export`: the jail system's person id is the one on the person's
    latest booking at the release facility."""
    e = CustodyEpisode.__table__.c
    refs: dict[tuple[int, int], str] = {}
    for pid, facility, ref in db.session.execute(
            select(e.participant_id, e.facility_id, e.person_ref).where(e.is_voided.is_(False))
            .order_by(e.custody_start.is_(None), e.custody_start, e.id)):
        if ref:
            refs[(pid, facility)] = ref
    stmt = (select(DeathRecord.case_number, DeathLink.participant_id, DeathLink.facility_id,
                   DeathLink.match_probability, DeathLink.status)
            .join(DeathRecord, DeathRecord.id == DeathLink.death_record_id)
            .order_by(DeathRecord.case_number, DeathLink.participant_id))
    if source:
        stmt = stmt.where(DeathRecord.source == source)
    return [[case, pid, refs.get((pid, facility), ""), f"{probability:.6f}", status]
            for case, pid, facility, probability, status in db.session.execute(stmt)]
