"""Report queries: read-only, scoped to the facilities the person may see.

Each report fetches rows already grouped by the database (two-step aggregation: group the big
table first, then join the small result to products and facilities) and hands them to the pure
functions in metrics.py, so the screen, the CSV and the PDF print the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, bindparam, case, column, exists, func, or_, select, true, values

from reentry import audit
from reentry.auth.access import visible_facility_ids
from reentry.csvutil import csv_text
from reentry.database import UTCDateTime
from reentry.errors import DomainError, NotFound
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.naloxone.models import FundingSource, KitEvent, Lot, Product, ReversalReport, StockMovement
from reentry.participants.models import CustodyEpisode, Participant, ReleaseScreening
from reentry.outcomes.report import outcomes_report
from reentry.reports import metrics
from reentry.training.models import (
    CurriculumVersion, TrainingAnswer, TrainingAttendee, TrainingSession, completed_attendance,
)

MAX_DAYS = 3 * 366 + 1  # three years: the longest window a report may cover


@dataclass
class ReportParams:
    """What a person asked for: the period, facilities (empty: all they may see), funding source."""

    start: date
    end: date
    facility_codes: list[str] = field(default_factory=list)
    funding_code: str = ""
    count_self: bool = True
    lot: str = ""
    # outcomes: the last date of death the death file is known to be complete through; a window
    # reaching past it is not yet complete (None: the file is taken as complete up to yesterday).
    deaths_through: date | None = None


@dataclass
class ReportResult:
    """A finished report: everything the screen, the CSV and the PDF print."""

    name: str
    title: str
    columns: list[str]
    rows: list[list]
    definitions: list[str]
    filters: list[tuple[str, str]]
    # The quarterly summary's tables and charts (the CSV flattens them into `rows`).
    sections: list[Section] = field(default_factory=list)


@dataclass
class Section:
    """One table of a multi-table report, with an optional bar chart of one of its columns."""

    title: str
    columns: list[str]
    rows: list[list]
    charts: list[tuple[str, str]] = field(default_factory=list)  # (column, unit) drawn by month
    key_columns: int = 1  # the leading columns that name a row (the CSV's `key`)
    notes: list[str] = field(default_factory=list)  # printed under the table (page and PDF)


@dataclass
class _Scope:
    facilities: list[Facility]
    funding: FundingSource | None

    @property
    def facility_ids(self) -> list[int]:
        return [f.id for f in self.facilities]

    @property
    def codes(self) -> dict[int, str]:
        return {f.id: f.code for f in self.facilities}


def _rows(stmt, params: dict | None = None) -> list:
    """Run a report query as Core and fetch all its rows at once. Through the ORM session each
    row also went through entity processing, and iterating fetched one row per driver call:
    together a third of the recall report's time. Pending changes are flushed first, as the
    session would."""
    db.session.flush()
    return db.session.connection().execute(stmt, params or {}).all()


def month_expr(column):
    """The `YYYY-MM` of a date column, in the form the month indexes are built on."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)


def _resolve(actor, params: ReportParams) -> _Scope:
    if params.end < params.start:
        raise DomainError("The period ends before it starts.", field="end")
    if (params.end - params.start).days > MAX_DAYS:
        raise DomainError("Choose a period of at most three years.", field="start")
    visible = visible_facility_ids(actor) if actor is not None else None
    stmt = select(Facility).order_by(Facility.code)
    if params.facility_codes:
        codes = [c.strip().upper() for c in params.facility_codes]
        stmt = stmt.where(Facility.code.in_(codes))
    facilities = [f for f in db.session.scalars(stmt) if visible is None or f.id in visible]
    if params.facility_codes:
        missing = sorted(set(c.strip().upper() for c in params.facility_codes) - {f.code for f in facilities})
        if missing:
            raise NotFound(f"No facility with code {', '.join(missing)}.", field="facility")
    funding = None
    if params.funding_code:
        funding = db.session.scalar(select(FundingSource).where(FundingSource.code == params.funding_code.strip()))
        if funding is None:
            raise NotFound(f"No funding source with code {params.funding_code.strip()}.", field="funding")
    return _Scope(facilities, funding)


def _filters(params: ReportParams, scope: _Scope, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        ("Period", f"{params.start.isoformat()} to {params.end.isoformat()}"),
        ("Facilities", ", ".join(f.code for f in scope.facilities) or "none"),
        ("Funding source", scope.funding.code if scope.funding else "all"),
        *extra,
    ]


def _utc_bounds(facility: Facility, start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants where the facility's local `start` begins and the day after `end` begins."""
    zone = ZoneInfo(facility.timezone)
    begin = datetime.combine(start, time.min, zone).astimezone(timezone.utc)
    after = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(timezone.utc)
    return begin, after


def _definitions(*keys: str) -> list[str]:
    lines = [metrics.DEFINITIONS[k] for k in keys if k in metrics.DEFINITIONS]
    lines += [metrics.RULES[k] for k in keys if k in metrics.RULES]
    return lines


def _funded_lots(funding_id):
    """The lots a funding source paid for (a report filtered by funding counts only their kits)."""
    return select(Lot.id).where(Lot.funding_source_id == funding_id)


def _given_kits_filter(scope: _Scope):
    """Conditions for non-voided kit events in scope (funding: only that source's lots)."""
    conditions = [KitEvent.is_voided.is_(False), KitEvent.facility_id.in_(scope.facility_ids)]
    if scope.funding is not None:
        conditions.append(KitEvent.lot_id.in_(_funded_lots(scope.funding.id)))
    return conditions


# --------------------------------------------------------------------------- distribution

def distribution_groups(params: ReportParams, scope: _Scope) -> list[metrics.DistributionGroup]:
    """Kits by month, facility and product, pivoted by outcome and supply in the database: a few
    hundred rows a year instead of thousands to fold (and the covering index answers it)."""
    month = month_expr(KitEvent.event_date).label("month")
    given = KitEvent.outcome.in_(metrics.GIVEN)

    def kits_where(*conditions):
        return func.sum(case((and_(*conditions), KitEvent.kits), else_=0))

    grouped = (select(month, KitEvent.facility_id, KitEvent.product_id,
                      kits_where(KitEvent.outcome == "handed"), kits_where(KitEvent.outcome == "property"),
                      kits_where(KitEvent.outcome == "declined"), kits_where(given),
                      kits_where(given, KitEvent.supply == "first"), kits_where(given, KitEvent.supply == "repeat"))
               .where(KitEvent.event_date >= params.start, KitEvent.event_date <= params.end,
                      *_given_kits_filter(scope))
               .group_by(month, KitEvent.facility_id, KitEvent.product_id)
               .subquery())
    stmt = (select(grouped, Product.code, Product.devices_per_kit)
            .outerjoin(Product, Product.id == grouped.c.product_id))
    codes = scope.codes
    return [metrics.DistributionGroup(month, codes[facility_id], product or "", int(handed), int(kept), int(declined),
                                      int(kits), int(kits) * (devices or 0), int(first), int(repeat))
            for month, facility_id, _, handed, kept, declined, kits, first, repeat, product, devices in _rows(stmt)]


def distribution(actor, params: ReportParams) -> ReportResult:
    """Kits handed, in property and declined, kits and doses, first and repeat supply."""
    scope = _resolve(actor, params)
    rows = metrics.distribution_rows(distribution_groups(params, scope)) if scope.facilities else []
    return ReportResult("distribution", "Naloxone distribution", metrics.DISTRIBUTION_COLUMNS, rows,
                        _definitions("kit", "acceptance", "month", "funding"), _filters(params, scope))


# --------------------------------------------------------------------------- coverage

# The coverage report's rules for one release, as SQL expressions on a CustodyEpisode (correlated
# subqueries through covering indexes); the outcomes report (reentry.outcomes.report) groups
# releases by the same rules, so "a kit at release" means one thing everywhere.

def release_kits(episode, scope: _Scope):
    """The kits given on the release's episode (any context, not voided; funding: that source's)."""
    given = [KitEvent.episode_id == episode.id, KitEvent.is_voided.is_(False), KitEvent.outcome.in_(metrics.GIVEN)]
    if scope.funding is not None:
        given.append(KitEvent.lot_id.in_(_funded_lots(scope.funding.id)))
    return func.coalesce(select(func.sum(KitEvent.kits)).where(*given).scalar_subquery(), 0)


def trained_before_release(episode):
    """A completed training on or before the release date (metrics.DEFINITIONS["trained"])."""
    return exists().where(
        TrainingAttendee.participant_id == episode.participant_id, TrainingSession.id == TrainingAttendee.session_id,
        *completed_attendance(), TrainingSession.held_on <= episode.release_date)


def release_screening_answer(episode, answer):
    """`answer` (a 1/0 expression on ReleaseScreening) read from the release's screening, 0 without one.

    The screening (metrics.RULES["high_need"]) is the episode's latest; for an episode with none,
    the person's latest screening not linked to any episode, taken during this custody."""
    latest = (ReleaseScreening.screened_on.desc(), ReleaseScreening.id.desc())
    linked = (select(answer).where(ReleaseScreening.episode_id == episode.id)
              .order_by(*latest).limit(1).scalar_subquery())
    unlinked = (select(answer)
                .where(ReleaseScreening.episode_id.is_(None), ReleaseScreening.participant_id == episode.participant_id,
                       ReleaseScreening.screened_on <= episode.release_date,
                       or_(episode.custody_start.is_(None), ReleaseScreening.screened_on >= episode.custody_start))
                .order_by(*latest).limit(1).scalar_subquery())
    return func.coalesce(linked, unlinked, 0)


def coverage_groups(params: ReportParams, scope: _Scope) -> list[metrics.CoverageGroup]:
    """Releases of the period by month and facility: trained, with a kit, and high-need.

    One statement: each release looks up its own kits, latest screening and trainings through
    covering indexes (correlated subqueries), and the database sums them by month. Measured at
    1,000,000 kit events this is as fast as the same aggregate written by hand, where fetching
    every release to Python was three times slower (benchmarks/reports.py).
    """
    if not scope.facilities:
        return []
    episode = CustodyEpisode
    kits = release_kits(episode, scope)
    trained = trained_before_release(episode)
    # High need (metrics.RULES["high_need"]): 1 or 0 for the latest screening's answer (unknown
    # is 0), 0 for a release without a screening.
    answer = case((ReleaseScreening.opioid_use_before_custody == true(), 1), else_=0)
    high_need = release_screening_answer(episode, answer)
    releases = (select(episode.release_date, episode.facility_id, kits.label("kits"),
                       case((trained, 1), else_=0).label("trained"), high_need.label("high_need"))
                .where(episode.is_voided.is_(False), episode.release_date >= params.start,
                       episode.release_date <= params.end, episode.facility_id.in_(scope.facility_ids)))
    if db.engine.dialect.name == "postgresql":
        # In id order PostgreSQL reads the releases in table order, and each lookup lands next to
        # the last one in the indexes: 20% faster at 1,000,000 kit events (SQLite: 7% slower).
        releases = releases.order_by(episode.id)
    # Materialized, or both engines copy the lookups into each sum that names them and run them
    # up to four times a release.
    releases = releases.cte("releases").prefix_with("MATERIALIZED")
    r = releases.c
    month = month_expr(r.release_date).label("month")
    has_kit = case((r.kits > 0, 1), else_=0)
    stmt = (select(month, r.facility_id, func.count().label("releases"), func.sum(r.trained), func.sum(has_kit),
                   func.sum(r.kits), func.sum(r.high_need), func.sum(r.high_need * r.trained),
                   func.sum(r.high_need * has_kit), func.sum(r.high_need * r.kits))
            .group_by(month, r.facility_id))
    codes = scope.codes
    return [metrics.CoverageGroup(month, codes[facility_id], *(int(n or 0) for n in counts))
            for month, facility_id, *counts in _rows(stmt)]


def coverage(actor, params: ReportParams) -> ReportResult:
    """Releases, trained and with a kit, overall and for high-need releases."""
    scope = _resolve(actor, params)
    rows = metrics.coverage_rows(coverage_groups(params, scope))
    return ReportResult("coverage", "Release coverage", metrics.COVERAGE_COLUMNS, rows,
                        _definitions("release", "kit", "coverage", "trained", "high_need", "month", "funding"),
                        _filters(params, scope))


# --------------------------------------------------------------------------- training

def _items_by_domain(version_ids: set[int]) -> tuple[dict[int, dict[str, list[str]]], list[str]]:
    """Per curriculum version, domain id -> its item keys; and every domain id, in course order."""
    from reentry.training.services import document

    by_version, domains = {}, []
    for version in db.session.scalars(select(CurriculumVersion).where(CurriculumVersion.id.in_(version_ids))):
        doc = document(version)
        keys: dict[str, list[str]] = {}
        for item in doc["items"]:
            keys.setdefault(item["domain"], []).append(item["id"])
        by_version[version.id] = keys
        domains += [d["id"] for d in doc["domains"] if d["id"] not in domains]
    return by_version, domains


def _training_facts(params: ReportParams, scope: _Scope):
    """(attendee facts, sessions as (month, facility, id), domain ids) for the period.

    Sessions are dated by their facility's local day (held_on). Rows are read as plain columns,
    and attendees and answers through the period's sessions as a subquery: ORM objects and IN
    lists of thousands of ids made this the slowest part of the quarterly report."""
    sessions, facts, domains = [], [], []
    if not scope.facilities:
        return facts, sessions, domains
    in_period_where = (TrainingSession.is_voided.is_(False), TrainingSession.facility_id.in_(scope.facility_ids),
                       TrainingSession.held_on >= params.start, TrainingSession.held_on <= params.end)
    in_period = {}
    for sid, facility_id, held_on, status, version_id in db.session.execute(
            select(TrainingSession.id, TrainingSession.facility_id, TrainingSession.held_on, TrainingSession.status,
                   TrainingSession.curriculum_version_id).where(*in_period_where)):
        in_period[sid] = (metrics.month_of(held_on), scope.codes[facility_id], status == "completed", version_id)
    sessions = [(month, code, sid) for sid, (month, code, _, _) in in_period.items()]
    items_by_version, domains = _items_by_domain({version for *_, version in in_period.values()})
    period_sessions = select(TrainingSession.id).where(*in_period_where)
    attending = (TrainingAttendee.session_id.in_(period_sessions), TrainingAttendee.is_voided.is_(False))
    # Answers are counted by the database per attendee and domain (the domain of each item comes
    # from the curriculum file, as a CASE): a few rows per person instead of thirty.
    domain_of = [(and_(TrainingSession.curriculum_version_id == version_id, TrainingAnswer.item_key.in_(keys)), domain)
                 for version_id, by_domain in items_by_version.items() for domain, keys in by_domain.items()]
    counted: dict[int, dict] = {}
    if domain_of:
        domain = case(*domain_of, else_=None).label("domain")
        right = TrainingAnswer.is_correct.is_(True)
        stmt = (select(TrainingAnswer.attendee_id, domain,
                       func.sum(case((and_(TrainingAnswer.phase == "pre", right), 1), else_=0)),
                       func.sum(case((and_(TrainingAnswer.phase == "post", right), 1), else_=0)),
                       func.max(case((TrainingAnswer.phase == "pre", 1), else_=0)),
                       func.max(case((TrainingAnswer.phase == "post", 1), else_=0)))
                .join(TrainingAttendee, TrainingAttendee.id == TrainingAnswer.attendee_id)
                .join(TrainingSession, TrainingSession.id == TrainingAttendee.session_id)
                .where(*attending).group_by(TrainingAnswer.attendee_id, domain))
        for attendee_id, item_domain, pre, post, has_pre, has_post in _rows(stmt):
            seen = counted.setdefault(attendee_id, {"pre": False, "post": False, "correct": {}})
            seen["pre"], seen["post"] = seen["pre"] or bool(has_pre), seen["post"] or bool(has_post)
            if item_domain is not None:
                seen["correct"][item_domain] = (int(pre), int(post))
    for attendee_id, session_id, is_complete in _rows(
            select(TrainingAttendee.id, TrainingAttendee.session_id, TrainingAttendee.is_complete).where(*attending)):
        month, code, completed, version_id = in_period[session_id]
        seen = counted.get(attendee_id)
        scores = {}
        if seen and seen["pre"] and seen["post"]:  # both tests taken; an unanswered item counts as wrong
            scores = {d: (len(keys), *seen["correct"].get(d, (0, 0)))
                      for d, keys in items_by_version[version_id].items()}
        facts.append(metrics.AttendeeFact(month, code, session_id, is_complete and completed, scores))
    return facts, sessions, domains


def training(actor, params: ReportParams) -> ReportResult:
    """Sessions, people trained, completion rate and knowledge gain per domain."""
    scope = _resolve(actor, params)
    facts, sessions, domains = _training_facts(params, scope)
    rows = metrics.training_rows(facts, sessions, domains)
    return ReportResult("training", "Trainings and knowledge gain", metrics.TRAINING_COLUMNS, rows,
                        _definitions("trained", "training", "month"), _filters(params, scope))


# --------------------------------------------------------------------------- inventory

def inventory(actor, params: ReportParams) -> ReportResult:
    """Stock by facility, product and lot with expiry; received, distributed and wasted in the period."""
    scope = _resolve(actor, params)
    rows = []
    if scope.facilities:
        # One grouped pass over the movements, joined to each facility's period in UTC (a
        # VALUES list: a CASE per aggregate cost PostgreSQL a third more).
        bounds = (values(column("facility_id", Integer), column("begin", UTCDateTime()),
                         column("after", UTCDateTime()), name="bounds")
                  .data([(f.id, *_utc_bounds(f, params.start, params.end)) for f in scope.facilities])
                  .cte("bounds"))
        begin, after = bounds.c.begin, bounds.c.after
        in_period = and_(StockMovement.occurred_at >= begin, StockMovement.occurred_at < after)

        def period_sum(*kinds):
            return func.coalesce(func.sum(StockMovement.quantity).filter(in_period, StockMovement.kind.in_(kinds)), 0)

        moves = (select(StockMovement.lot_id,
                        func.coalesce(func.sum(StockMovement.quantity).filter(StockMovement.occurred_at < after), 0)
                        .label("on_hand"),
                        period_sum("receive", "transfer_in").label("received"),
                        period_sum("distribute", "return").label("distributed"),
                        period_sum("waste").label("wasted"))
                 .join(Lot, Lot.id == StockMovement.lot_id).join(bounds, bounds.c.facility_id == Lot.facility_id)
                 .group_by(StockMovement.lot_id).subquery())
        stmt = (select(Lot.facility_id, Lot.lot_number, Lot.expiry_date, Product.code, FundingSource.code.label("funding"),
                       moves)
                .join(moves, moves.c.lot_id == Lot.id).join(Product, Product.id == Lot.product_id)
                .join(FundingSource, FundingSource.id == Lot.funding_source_id))
        if scope.funding is not None:
            stmt = stmt.where(Lot.funding_source_id == scope.funding.id)
        horizon = params.end + timedelta(days=90)
        codes = scope.codes
        for r in db.session.execute(stmt):
            if not (r.on_hand or r.received or r.distributed or r.wasted):
                continue
            expiring = r.on_hand > 0 and r.expiry_date <= horizon
            rows.append([codes[r.facility_id], r.code, r.lot_number, r.funding, r.expiry_date.isoformat(),
                         int(r.on_hand), int(r.received), -int(r.distributed), -int(r.wasted),
                         "yes" if expiring else "no"])
        rows.sort(key=lambda row: (row[0], row[1], row[4], row[2]))  # facility, product, expiry, lot
    return ReportResult("inventory", "Naloxone inventory", metrics.INVENTORY_COLUMNS, rows,
                        _definitions("inventory", "funding"), _filters(params, scope))


# --------------------------------------------------------------------------- reversals

@lru_cache(maxsize=4)
def _reversals_statement(dialect: str, by_funding: bool):
    """Built once per engine and filter: this report counts a few thousand rows, so building the
    statement on every run was a third of its time."""
    month = month_expr(ReversalReport.occurred_on).label("month")
    stmt = (select(month, ReversalReport.facility_id, ReversalReport.is_self_administered, ReversalReport.outcome,
                   func.count().label("reports"), func.sum(ReversalReport.doses_used).label("doses"))
            .where(ReversalReport.is_voided.is_(False),
                   ReversalReport.facility_id.in_(bindparam("facilities", expanding=True)),
                   ReversalReport.occurred_on >= bindparam("start"), ReversalReport.occurred_on <= bindparam("end"))
            .group_by(month, ReversalReport.facility_id, ReversalReport.is_self_administered, ReversalReport.outcome))
    if by_funding:
        stmt = stmt.where(ReversalReport.lot_id.in_(_funded_lots(bindparam("funding"))))
    return stmt


def reversals(actor, params: ReportParams) -> ReportResult:
    """Use reports by month, self or other, and outcome, under the manager's counting rules."""
    scope = _resolve(actor, params)
    values = {"facilities": scope.facility_ids, "start": params.start, "end": params.end,
              "funding": scope.funding.id if scope.funding else None}
    codes = scope.codes
    groups = [(month, codes[facility_id], *counts) for month, facility_id, *counts in _rows(
        _reversals_statement(db.engine.dialect.name, scope.funding is not None), values)]
    rule = ("Self-administration", "counted" if params.count_self else "not counted")
    return ReportResult("reversals", "Naloxone use reports", metrics.REVERSAL_COLUMNS,
                        metrics.reversal_rows(groups, params.count_self),
                        _definitions("reversals", "month") + [metrics.RULES["reversals"]],
                        _filters(params, scope, rule))


# --------------------------------------------------------------------------- recall

def recall(actor, params: ReportParams) -> ReportResult:
    """Everyone who got a kit from a lot number, to contact them after a recall."""
    lot_number = params.lot.strip()
    if not lot_number:
        raise DomainError("Lot number: enter the lot to look up.", field="lot")
    scope = _resolve(actor, params)
    # Plain columns, not objects: a recalled lot can reach thousands of people.
    stmt = (select(KitEvent.id, KitEvent.event_date, KitEvent.facility_id, KitEvent.recipient_type,
                   KitEvent.outcome, KitEvent.kits, KitEvent.property_picked_up, Participant.id.label("participant_id"),
                   Participant.last_name, Participant.first_name, Participant.date_of_birth,
                   CustodyEpisode.booking_id, Product.code, Lot.lot_number)
            .join(Lot, KitEvent.lot_id == Lot.id).join(Product, Product.id == Lot.product_id)
            .outerjoin(Participant, KitEvent.participant_id == Participant.id)
            .outerjoin(CustodyEpisode, KitEvent.episode_id == CustodyEpisode.id)
            # Scoped through the lot: a lot row belongs to one facility and only its kits are
            # given from it, so this is the facility's kits; and the database starts from the
            # few lots with that number instead of the period's every kit (2x faster on PostgreSQL).
            .where(Lot.lot_number == lot_number, Lot.facility_id.in_(scope.facility_ids),
                   KitEvent.outcome.in_(metrics.GIVEN), KitEvent.is_voided.is_(False),
                   KitEvent.event_date >= params.start, KitEvent.event_date <= params.end)
            .order_by(KitEvent.event_date, KitEvent.id))
    if scope.funding is not None:
        stmt = stmt.where(Lot.funding_source_id == scope.funding.id)
    codes = scope.codes
    picked_up = {None: "", True: "yes", False: "no"}
    # Unpacked, not read by name: at thousands of rows, named access on result rows took half the time.
    rows = [[event_id, day.isoformat(), codes[facility_id], booking or "", person or "", last or "", first or "",
             born.isoformat() if born else "", recipient, outcome, kits, product, lot, picked_up[picked]]
            for (event_id, day, facility_id, recipient, outcome, kits, picked, person, last, first, born, booking,
                 product, lot) in _rows(stmt)]
    return ReportResult("recall", f"Recall contacts for lot {lot_number}", metrics.RECALL_COLUMNS, rows,
                        _definitions("recall"), _filters(params, scope, ("Lot", lot_number)))


# --------------------------------------------------------------------------- quarterly

QUARTERLY_COLUMNS = ["table", "key", "measure", "value"]
STOCK_SUMMARY_COLUMNS = ["facility", "product", "on_hand", "received", "distributed", "wasted",
                         "on_hand_expiring_within_90_days"]


def _reversal_summary(rows: list[list]) -> list[list]:
    """Reversal rows added up over months and facilities: self or other, and outcome."""
    totals: dict[tuple, list[int]] = {}
    for _month, _facility, is_self, outcome, reports, doses in rows:
        cell = totals.setdefault((is_self, outcome), [0, 0])
        cell[0], cell[1] = cell[0] + reports, cell[1] + doses
    return [[*key, *values] for key, values in sorted(totals.items())]


def _stock_summary(inventory_rows: list[list]) -> list[list]:
    """Inventory rows (one per lot) added up per facility and product, so the summary stays short."""
    totals: dict[tuple, list[int]] = {}
    for facility, product, _lot, _funding, _expiry, on_hand, received, distributed, wasted, expiring in inventory_rows:
        cell = totals.setdefault((facility, product), [0, 0, 0, 0, 0])
        for i, value in enumerate((on_hand, received, distributed, wasted, on_hand if expiring == "yes" else 0)):
            cell[i] += value
    return [[*key, *values] for key, values in sorted(totals.items())]


def _decline_reasons(params: ReportParams, scope: _Scope, limit: int = 5) -> list[list]:
    stmt = (select(KitEvent.decline_reason, func.sum(KitEvent.kits).label("kits"))
            .where(KitEvent.outcome == "declined", KitEvent.is_voided.is_(False),
                   KitEvent.facility_id.in_(scope.facility_ids),
                   KitEvent.event_date >= params.start, KitEvent.event_date <= params.end)
            .group_by(KitEvent.decline_reason).order_by(func.sum(KitEvent.kits).desc(), KitEvent.decline_reason))
    return [[reason or "not recorded", int(kits)] for reason, kits in db.session.execute(stmt).all()[:limit]]


def quarterly(actor, params: ReportParams) -> ReportResult:
    """The funder summary: releases, coverage, kits and doses, acceptance and decline reasons,
    trainings and knowledge gain, reversals, stock and expiries, with the definitions."""
    from reentry.reports.dashboard import MONTH_COLUMNS, month_rows

    scope = _resolve(actor, params)
    groups = distribution_groups(params, scope) if scope.facilities else []
    coverage_by_month = coverage_groups(params, scope)
    months = month_rows(params, scope, coverage=coverage_by_month, distribution=groups) if scope.facilities else []
    c = metrics.total_coverage(coverage_by_month)
    kits, doses, offered = sum(g.kits for g in groups), sum(g.doses for g in groups), sum(g.offered for g in groups)
    col = {name: i for i, name in enumerate(MONTH_COLUMNS)}
    counted_reversals = reversals(actor, params)
    totals = [
        ["releases", c.releases], ["releases_with_kit", c.with_kit], ["pct_with_kit", metrics.ratio(c.with_kit, c.releases)],
        ["kits_per_1000_releases", metrics.ratio(c.kits, c.releases, 1000)],
        ["high_need_releases", c.high_need_releases],
        ["high_need_pct_with_kit", metrics.ratio(c.high_need_with_kit, c.high_need_releases)],
        ["kits", kits], ["doses", doses], ["offered", offered], ["pct_accepted", metrics.ratio(kits, offered)],
        ["sessions", sum(r[col["sessions"]] for r in months)],
        ["people_trained", sum(r[col["people_trained"]] for r in months)],
        ["reversals", sum(r[4] for r in counted_reversals.rows)],
    ]
    stock = inventory(actor, params)
    sections = [
        Section("Totals for the period", ["measure", "value"], totals),
        Section("Figures by month", MONTH_COLUMNS, months,
                charts=[("pct_with_kit", "%"), ("kits", ""), ("knowledge_gain", "points")]),
        Section("Top reasons kits were declined", ["decline_reason", "kits"], _decline_reasons(params, scope)),
        Section("Reversals reported", ["self_administered", "outcome", "reports", "doses_used"],
                _reversal_summary(counted_reversals.rows), key_columns=2),
        Section("Stock and expiries", STOCK_SUMMARY_COLUMNS, _stock_summary(stock.rows), key_columns=2),
    ]
    flat = [[section.title, " / ".join(str(v) for v in row[:section.key_columns]), column, value]
            for section in sections for row in section.rows
            for column, value in zip(section.columns[section.key_columns:], row[section.key_columns:])]
    return ReportResult("quarterly", "Quarterly summary for funders", QUARTERLY_COLUMNS, flat,
                        _definitions("release", "kit", "acceptance", "coverage", "trained", "high_need", "month",
                                     "training", "reversals", "inventory", "funding"),
                        _filters(params, scope, ("Self-administration", "counted" if params.count_self else "not counted")),
                        sections)


# Reports whose rows name people (name, date of birth, booking): a bulk list of names, so only
# the roles auth.access.NAME_ACCESS["bulk"] allows may run or download them (issue 14.5).
NAME_REPORTS = frozenset({"recall"})
# Reports that count deaths (issue 15): only the roles that may see death records run them
# (admins, auditors, managers for their facilities); staff are refused and never offered them,
# and the API does not serve them.
DEATH_REPORTS = frozenset({"outcomes"})

REPORTS = {
    "distribution": distribution,
    "coverage": coverage,
    "training": training,
    "inventory": inventory,
    "reversals": reversals,
    "recall": recall,
    "quarterly": quarterly,
    "outcomes": outcomes_report,
}


def run_report(actor, name: str, params: ReportParams, *, export_format: str | None = None) -> ReportResult:
    """Run a report and audit it ("report.run", or "report.export" for a download)."""
    if name not in REPORTS:
        raise NotFound(f"No report named {name}.", field="name")
    result = REPORTS[name](actor, params)
    details = {"period": [params.start.isoformat(), params.end.isoformat()],
               "facilities": dict(result.filters)["Facilities"],
               "funding": params.funding_code or "all", "rows": len(result.rows)}
    if export_format:
        details["format"] = export_format
    audit.record(actor, "report.export" if export_format else "report.run", "report", name, changes=details)
    return result


FORMATS = ("csv", "pdf")


def export_bytes(result: ReportResult, export_format: str, *, bom: bool = False) -> bytes:
    """The report as a CSV (Excel-safe, optional BOM) or a PDF with its filters and definitions."""
    if export_format == "csv":
        return csv_text(result.columns, result.rows, bom=bom).encode("utf-8")
    if export_format == "pdf":
        from reentry.documents.pdf import build_report, build_summary

        if result.sections:
            return build_summary(title=result.title, filters=result.filters, definitions=result.definitions,
                                 sections=[(s.title, s.columns, s.rows, s.charts, s.notes) for s in result.sections])
        return build_report(title=result.title, filters=result.filters, columns=result.columns,
                            rows=result.rows, definitions=result.definitions)
    raise DomainError(f"Format: choose one of {', '.join(FORMATS)}.", field="format")


def export_filename(result: ReportResult, params: ReportParams, export_format: str) -> str:
    return f"{result.name}_{params.start.isoformat()}_{params.end.isoformat()}.{export_format}"
