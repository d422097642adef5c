"""`reentry link-deaths`: link death records to released participants with Splink.

Splink (Fellegi-Sunter, trained without labels: u by random sampling, m by expectation
maximisation) on its embedded DuckDB backend; `linkage_settings()` is backend-neutral SQL, so
the same settings run on Splink's Spark backend for a state-sized file (docs/outcomes.md).
We write no matcher of our own: Splink scores the pairs, this module only decides what a score
means (config REENTRY_LINK_THRESHOLD_HIGH / _LOW) and keeps reviewed decisions.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select

from reentry import audit
from reentry.database import utcnow
from reentry.extensions import db
from reentry.outcomes.models import DeathLink, DeathRecord
from reentry.participants.models import CustodyEpisode, Participant

REVIEWED = ("accepted", "rejected")
FLAG_BEFORE_RELEASE = "death before the release date"
FLAG_TWO_PEOPLE = "death linked to two people"


def _name(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces: "Peña-O'Neil" -> "pena o neil"."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("-", " ").replace("'", " ").split())


def _sex(text: str) -> str | None:
    first = (text or "").strip()[:1].upper()
    return first if first in ("M", "F") else None


def _row(uid: int, last: str, first: str, born, sex: str, zip_code: str) -> dict:
    last_name = _name(last)
    return {"unique_id": uid, "first_name": _name(first) or None, "last_name": last_name or None,
            # The first word of a double surname, so "garcia lopez" meets "garcia".
            "surname_first": last_name.split(" ")[0] if last_name else None,
            "date_of_birth": born.isoformat() if born else None, "sex": _sex(sex),
            "zip": (zip_code or "")[:5] or None}


def linkage_settings():
    """The Splink model: blocking and comparisons (plain SQL, for DuckDB or Spark)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("date_of_birth"),
            block_on("last_name"),
            block_on("surname_first", "first_name"),
            "l.first_name = r.last_name and l.last_name = r.first_name",  # first and last swapped
        ],
        comparisons=[
            cl.ForenameSurnameComparison("first_name", "last_name"),  # Jaro-Winkler, swapped names
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),  # one digit off, day/month
            cl.ExactMatch("sex"),
            cl.ExactMatch("zip"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def score_pairs(deaths: list[dict], people: list[dict], low: float) -> list[tuple[int, int, float]]:
    """(death id, participant id, match probability) for every pair Splink scores at or above `low`."""
    from splink import Linker, block_on
    from splink.backends.duckdb import DuckDBAPI

    if not deaths or not people:
        return []
    api = DuckDBAPI()
    left = api.register(deaths, dataset_display_name="deaths")
    right = api.register(people, dataset_display_name="participants")
    # log_level=None: Splink leaves logging to the app (else it prints its training log to the terminal).
    linker = Linker([left, right], linkage_settings(), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "date_of_birth")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1_000_000)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("last_name"))
    pairs = []
    for row in linker.inference.predict(threshold_match_probability=low).as_record_list():
        if row["source_dataset_l"] == "deaths":
            death, person = row["unique_id_l"], row["unique_id_r"]
        else:
            death, person = row["unique_id_r"], row["unique_id_l"]
        pairs.append((int(death), int(person), float(row["match_probability"])))
    return pairs


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


def link_deaths(actor, source: str | None = None) -> LinkResult:
    """Score every death of the source (all sources by default) against released participants,
    store the candidate pairs and their status, and count the deaths. Reviewed pairs are kept."""
    high = current_app.config["REENTRY_LINK_THRESHOLD_HIGH"]
    low = current_app.config["REENTRY_LINK_THRESHOLD_LOW"]
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
    died = {r.id: r.date_of_death for r in death_rows}
    by_death: dict[int, list[tuple[int, float]]] = {}
    for death, person, probability in score_pairs(deaths, people, low):
        by_death.setdefault(death, []).append((person, probability))

    wanted: dict[tuple[int, int], dict] = {}
    for death, candidates in by_death.items():
        strong = [pid for pid, prob in candidates if prob >= high]
        for pid, prob in candidates:
            before = [(day, fac) for day, fac in releases[pid] if day <= died[death]]
            facility = (before[-1] if before else releases[pid][0])[1]
            flags = []
            if not before:
                flags.append(FLAG_BEFORE_RELEASE)
            if len(strong) > 1 and pid in strong:
                flags.append(FLAG_TWO_PEOPLE)
            status = "linked" if prob >= high and not flags else "review"
            wanted[(death, pid)] = {"facility_id": facility, "match_probability": round(prob, 6),
                                    "status": status, "flag": "; ".join(flags)}

    ids = [r.id for r in death_rows]
    existing = {(link.death_record_id, link.participant_id): link for link in db.session.scalars(
        select(DeathLink).where(DeathLink.death_record_id.in_(ids)))} if ids else {}
    now = utcnow()
    for key, values in wanted.items():
        link = existing.get(key)
        if link is None:
            link = DeathLink(death_record_id=key[0], participant_id=key[1], **values)
            db.session.add(link)
            db.session.flush()
            audit.record(actor, "death_link.create", "death_links", link.id, facility_id=link.facility_id,
                         changes={"status": values["status"], "match_probability": values["match_probability"]})
        elif link.status not in REVIEWED:  # a person's decision is never overwritten by a run
            changes = {k: [getattr(link, k), v] for k, v in values.items() if getattr(link, k) != v}
            if changes:
                for k, v in values.items():
                    setattr(link, k, v)
                link.updated_at = now
                db.session.flush()
                audit.record(actor, "death_link.update", "death_links", link.id, facility_id=link.facility_id,
                             changes=changes)
    stale = [link.id for key, link in existing.items() if key not in wanted and link.status not in REVIEWED]
    if stale:
        db.session.execute(delete(DeathLink).where(DeathLink.id.in_(stale)))
    db.session.flush()

    result = LinkResult()
    statuses: dict[int, set[str]] = {}
    if ids:
        for death, status in db.session.execute(select(DeathLink.death_record_id, DeathLink.status)
                                                .where(DeathLink.death_record_id.in_(ids))):
            statuses.setdefault(death, set()).add(status)
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
        "removed_unreviewed_pairs": len(stale)})
    return result


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
