"""The best hand-written SQL for each report's aggregate: what benchmarks/reports.py times the
report services against (target: the service within 1.3x).

Each query computes the same figures as its report (tests/reports/test_hand_sql.py checks them on
the fixed world of tests/reports/conftest.py), for all facilities and funding sources, over
:start to :end. Where a report needs something SQL cannot work out (a facility's local day in UTC,
a curriculum's item domains), the query takes it as bound values, as a hand-written query would.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Integer, String, TextClause, bindparam, select, text

from reentry.database import UTCDateTime
from reentry.extensions import db

DISTRIBUTION_SQL = {
    "sqlite": "substr(event_date, 1, 7)",
    "postgresql": "to_char(event_date, 'YYYY-MM')",
}


def hand_distribution(month: str) -> str:
    """The distribution report's rows, pivot included: kits by outcome, kits and doses given,
    first and repeat supply, per month, facility and product. The kit events are grouped and
    pivoted first; only the small result meets facilities and products (two-step aggregation).
    A kit event without a product prints product "" and counts no doses, as in the report."""
    return f"""
        SELECT k.month, f.code AS facility, COALESCE(p.code, '') AS product,
               k.handed, k.property, k.declined, k.handed + k.property AS kits,
               (k.handed + k.property) * COALESCE(p.devices_per_kit, 0) AS doses,
               k.first_supply, k.repeat_supply
        FROM (SELECT {month} AS month, facility_id, product_id,
                     SUM(CASE WHEN outcome = 'handed' THEN kits ELSE 0 END) AS handed,
                     SUM(CASE WHEN outcome = 'property' THEN kits ELSE 0 END) AS property,
                     SUM(CASE WHEN outcome = 'declined' THEN kits ELSE 0 END) AS declined,
                     SUM(CASE WHEN outcome IN ('handed', 'property') AND supply = 'first' THEN kits ELSE 0 END)
                         AS first_supply,
                     SUM(CASE WHEN outcome IN ('handed', 'property') AND supply = 'repeat' THEN kits ELSE 0 END)
                         AS repeat_supply
              FROM naloxone_kit_events
              WHERE is_voided = false AND event_date >= :start AND event_date <= :end
              GROUP BY {month}, facility_id, product_id) k
        JOIN facilities f ON f.id = k.facility_id
        LEFT JOIN naloxone_products p ON p.id = k.product_id
        ORDER BY k.month, f.code, COALESCE(p.code, '')"""


def hand_coverage(month: str) -> str:
    """The whole coverage aggregate, as one would write it by hand: trained, with a kit and
    high need (the episode's latest screening, else the person's latest unlinked one during the
    custody), summed by month and facility. tests/reports/test_hand_sql.py checks that it
    gives the report's figures."""
    month = month.replace("event_date", "r.release_date")
    # Materialized: otherwise both engines run each release's lookups once per sum that names them.
    return f"""
        WITH r AS MATERIALIZED ({hand_coverage_releases()})
        SELECT {month} AS month, r.facility_id, COUNT(*) AS releases, SUM(r.trained) AS trained,
               SUM(CASE WHEN r.kits > 0 THEN 1 ELSE 0 END) AS with_kit, SUM(r.kits) AS kits,
               SUM(r.high) AS high_need, SUM(r.high * r.trained) AS high_need_trained,
               SUM(CASE WHEN r.kits > 0 THEN r.high ELSE 0 END) AS high_need_with_kit,
               SUM(r.high * r.kits) AS high_need_kits
        FROM r
        GROUP BY {month}, r.facility_id"""


def hand_coverage_releases() -> str:
    return """
          SELECT e.release_date, e.facility_id,
                 COALESCE((SELECT SUM(k.kits) FROM naloxone_kit_events k
                           WHERE k.episode_id = e.id AND k.is_voided = false
                             AND k.outcome IN ('handed', 'property')), 0) AS kits,
                 CASE WHEN EXISTS (SELECT 1 FROM training_attendees a
                                   JOIN training_sessions t ON t.id = a.session_id
                                   WHERE a.participant_id = e.participant_id AND a.is_complete = true
                                     AND a.is_voided = false AND t.status = 'completed' AND t.is_voided = false
                                     AND t.held_on <= e.release_date) THEN 1 ELSE 0 END AS trained,
                 COALESCE((SELECT CASE WHEN s.opioid_use_before_custody = true THEN 1 ELSE 0 END
                           FROM release_screenings s WHERE s.episode_id = e.id
                           ORDER BY s.screened_on DESC, s.id DESC LIMIT 1),
                          (SELECT CASE WHEN s.opioid_use_before_custody = true THEN 1 ELSE 0 END
                           FROM release_screenings s
                           WHERE s.episode_id IS NULL AND s.participant_id = e.participant_id
                             AND s.screened_on <= e.release_date
                             AND (e.custody_start IS NULL OR s.screened_on >= e.custody_start)
                           ORDER BY s.screened_on DESC, s.id DESC LIMIT 1), 0) AS high
          FROM custody_episodes e
          WHERE e.is_voided = false AND e.release_date >= :start AND e.release_date <= :end"""


def _values(name: str, columns: list[tuple[str, object]], rows: list[tuple]) -> tuple[str, list]:
    """A CTE `name(columns) AS (VALUES ...)` whose cells are bound parameters, and those parameters.

    `columns` are (name, SQLAlchemy type); the types make SQLite get timestamps in the form it
    stores them. With no rows, an empty SELECT of typed NULLs: VALUES cannot be empty."""
    names = ", ".join(column for column, _ in columns)
    params, tuples = [], []
    for r, row in enumerate(rows):
        cells = []
        for (column, type_), value in zip(columns, row):
            key = f"{name}_{column}_{r}"
            params.append(bindparam(key, value, type_=type_))
            cells.append(f":{key}")
        tuples.append(f"({', '.join(cells)})")
    if not tuples:
        nulls = ", ".join(f"CAST(NULL AS {'INTEGER' if isinstance(type_, Integer) else 'VARCHAR(64)'})"
                          for _, type_ in columns)
        return f"{name}({names}) AS (SELECT {nulls} WHERE 1 = 0)", params
    return f"{name}({names}) AS (VALUES {', '.join(tuples)})", params


def curriculum_items() -> list[tuple[int, str, str]]:
    """(version id, item key, domain) for every item of every curriculum version: the domains live
    in the curriculum document, not in a table, so hand_training is given them."""
    from reentry.training.models import CurriculumVersion
    from reentry.training.services import document

    return [(version.id, item["id"], item["domain"])
            for version in db.session.scalars(select(CurriculumVersion).order_by(CurriculumVersion.id))
            for item in document(version)["items"]]


def curriculum_domains() -> list[tuple[int, str, int]]:
    """(version id, domain, its place in that version's course) for every curriculum version: the
    report lists the domains in course order, versions in id order."""
    from reentry.training.models import CurriculumVersion
    from reentry.training.services import document

    return [(version.id, domain["id"], position)
            for version in db.session.scalars(select(CurriculumVersion).order_by(CurriculumVersion.id))
            for position, domain in enumerate(document(version)["domains"])]


def hand_training(month: str, items: list[tuple[int, str, str]], domains: list[tuple[int, str, int]]) -> TextClause:
    """The training report's counts: per month and facility an "all" row, then one per domain (the
    domains of the curriculum versions taught in the period, in course order), each with
    sessions, attendees, people trained, attendees tested, and the pooled items, pre-test correct
    and post-test correct of the tested attendees.

    Sessions are dated by `held_on`, the facility's local date of the start. `items` and `domains`
    are curriculum_items() and curriculum_domains(). The query returns integer sums only; the
    report's percentages (completion rate, mean pre, mean post, gain: one decimal, rounded half up)
    are metrics.ratio and metrics.knowledge_gain of these sums, which is formatting, not counting.
    Rows: month, facility, domain, sessions, attendees, people_trained, tested, items, pre_correct,
    post_correct.
    """
    month = month.replace("event_date", "t.held_on")
    items_cte, item_params = _values("items", [("version_id", Integer()), ("item_key", String()),
                                               ("domain", String())], items)
    domains_cte, domain_params = _values("course_domains", [("version_id", Integer()), ("domain", String()),
                                                            ("position", Integer())], domains)
    # Domain order: first appearance over the versions taught, in id order, then course order.
    order = "d.version_id * 100000 + d.position"
    sql = f"""
        WITH {items_cte},
        {domains_cte},
        sessions AS (
            SELECT t.id, t.facility_id, t.curriculum_version_id, t.status, {month} AS month
            FROM training_sessions t
            WHERE t.is_voided = false AND t.held_on >= :start AND t.held_on <= :end),
        attendees AS MATERIALIZED (
            SELECT a.id, s.month, s.facility_id, s.curriculum_version_id,
                   CASE WHEN a.is_complete = true AND s.status = 'completed' THEN 1 ELSE 0 END AS trained,
                   -- Scored only with both tests taken, so the gain compares the same people.
                   CASE WHEN EXISTS (SELECT 1 FROM training_answers x WHERE x.attendee_id = a.id AND x.phase = 'pre')
                         AND EXISTS (SELECT 1 FROM training_answers x WHERE x.attendee_id = a.id AND x.phase = 'post')
                         AND EXISTS (SELECT 1 FROM items i WHERE i.version_id = s.curriculum_version_id)
                        THEN 1 ELSE 0 END AS tested
            FROM training_attendees a JOIN sessions s ON s.id = a.session_id
            WHERE a.is_voided = false),
        session_counts AS (
            SELECT month, facility_id, COUNT(*) AS sessions FROM sessions GROUP BY month, facility_id),
        attendee_counts AS (
            SELECT month, facility_id, COUNT(*) AS attendees, SUM(trained) AS trained, SUM(tested) AS tested
            FROM attendees GROUP BY month, facility_id),
        -- Every item of the version counts for a tested attendee; an unanswered item is wrong.
        scores AS (
            SELECT a.month, a.facility_id, i.domain, COUNT(*) AS items,
                   SUM(CASE WHEN pre.is_correct = true THEN 1 ELSE 0 END) AS pre_correct,
                   SUM(CASE WHEN post.is_correct = true THEN 1 ELSE 0 END) AS post_correct
            FROM attendees a
            JOIN items i ON i.version_id = a.curriculum_version_id
            LEFT JOIN training_answers pre ON pre.attendee_id = a.id AND pre.phase = 'pre' AND pre.item_key = i.item_key
            LEFT JOIN training_answers post
                ON post.attendee_id = a.id AND post.phase = 'post' AND post.item_key = i.item_key
            WHERE a.tested = 1
            GROUP BY a.month, a.facility_id, i.domain),
        report_domains AS (
            SELECT 'all' AS domain, -1 AS position
            UNION ALL
            SELECT d.domain, MIN({order}) FROM course_domains d
            WHERE d.version_id IN (SELECT curriculum_version_id FROM sessions)
            GROUP BY d.domain)
        SELECT c.month, f.code AS facility, d.domain, c.sessions, COALESCE(n.attendees, 0) AS attendees,
               COALESCE(n.trained, 0) AS people_trained, COALESCE(n.tested, 0) AS tested,
               COALESCE(SUM(x.items), 0) AS items, COALESCE(SUM(x.pre_correct), 0) AS pre_correct,
               COALESCE(SUM(x.post_correct), 0) AS post_correct
        FROM session_counts c
        JOIN facilities f ON f.id = c.facility_id
        CROSS JOIN report_domains d
        LEFT JOIN attendee_counts n ON n.month = c.month AND n.facility_id = c.facility_id
        LEFT JOIN scores x ON x.month = c.month AND x.facility_id = c.facility_id
                          AND (d.domain = 'all' OR x.domain = d.domain)
        GROUP BY c.month, f.code, d.domain, d.position, c.sessions, n.attendees, n.trained, n.tested
        ORDER BY c.month, f.code, d.position"""
    return text(sql).bindparams(*item_params, *domain_params)


def facility_bounds(start: date, end: date) -> list[tuple[int, datetime, datetime]]:
    """(facility id, UTC start of its local `start`, UTC start of the local day after `end`) for
    every facility: time zones are not something SQL on both engines can work out."""
    from reentry.facilities.models import Facility
    from reentry.reports.services import _utc_bounds

    return [(facility.id, *_utc_bounds(facility, start, end)) for facility in db.session.scalars(select(Facility))]


def hand_inventory(bounds: list[tuple[int, datetime, datetime]]) -> TextClause:
    """The inventory report's rows: per lot with any stock or movement, on hand at the end of the
    period, received, distributed and wasted in it (the last two as positive numbers), and
    whether stock on hand expires by :horizon (the period's end + 90 days). `bounds` are
    facility_bounds(): each facility's period in UTC. Rows as the report prints them but the
    expiry date, which PostgreSQL returns as a date."""
    bounds_cte, params = _values("bounds", [("facility_id", Integer()), ("period_begin", UTCDateTime()),
                                            ("period_after", UTCDateTime())], bounds)
    sql = f"""
        WITH {bounds_cte},
        moves AS (
            SELECT m.lot_id,
                   SUM(CASE WHEN m.occurred_at < b.period_after THEN m.quantity ELSE 0 END) AS on_hand,
                   SUM(CASE WHEN m.occurred_at >= b.period_begin AND m.occurred_at < b.period_after
                             AND m.kind IN ('receive', 'transfer_in') THEN m.quantity ELSE 0 END) AS received,
                   SUM(CASE WHEN m.occurred_at >= b.period_begin AND m.occurred_at < b.period_after
                             AND m.kind IN ('distribute', 'return') THEN m.quantity ELSE 0 END) AS distributed,
                   SUM(CASE WHEN m.occurred_at >= b.period_begin AND m.occurred_at < b.period_after
                             AND m.kind = 'waste' THEN m.quantity ELSE 0 END) AS wasted
            FROM naloxone_stock_movements m
            JOIN naloxone_lots l ON l.id = m.lot_id
            JOIN bounds b ON b.facility_id = l.facility_id
            GROUP BY m.lot_id)
        SELECT f.code AS facility, p.code AS product, l.lot_number AS lot, s.code AS funding, l.expiry_date,
               m.on_hand, m.received, -m.distributed AS distributed, -m.wasted AS wasted,
               CASE WHEN m.on_hand > 0 AND l.expiry_date <= :horizon THEN 'yes' ELSE 'no' END AS expiring
        FROM moves m
        JOIN naloxone_lots l ON l.id = m.lot_id
        JOIN facilities f ON f.id = l.facility_id
        JOIN naloxone_products p ON p.id = l.product_id
        JOIN naloxone_funding_sources s ON s.id = l.funding_source_id
        WHERE m.on_hand <> 0 OR m.received <> 0 OR m.distributed <> 0 OR m.wasted <> 0
        ORDER BY f.code, p.code, l.expiry_date, l.lot_number"""
    return text(sql).bindparams(*params)


def hand_reversals(month: str) -> str:
    """The reversals report's rows with self-administration counted: use reports by month,
    facility, self or other and outcome, with the doses used. Grouped first, then joined to
    facilities."""
    month = month.replace("event_date", "occurred_on")
    return f"""
        SELECT r.month, f.code AS facility, CASE WHEN r.is_self_administered = true THEN 'yes' ELSE 'no' END
                   AS self_administered,
               r.outcome, r.reports, r.doses_used
        FROM (SELECT {month} AS month, facility_id, is_self_administered, outcome, COUNT(*) AS reports,
                     SUM(doses_used) AS doses_used
              FROM naloxone_reversal_reports
              WHERE is_voided = false AND occurred_on >= :start AND occurred_on <= :end
              GROUP BY {month}, facility_id, is_self_administered, outcome) r
        JOIN facilities f ON f.id = r.facility_id
        ORDER BY r.month, f.code, self_administered, r.outcome"""


def hand_recall() -> str:
    """The recall report's rows for lot number :lot: every kit given from a lot with that number,
    in the period, with the person, booking, product and lot. NULLs stand where the report
    prints "" and dates come back as PostgreSQL dates; the rest is as printed."""
    return """
        SELECT k.id AS event_id, k.event_date, f.code AS facility, e.booking_id, p.id AS participant_id,
               p.last_name, p.first_name, p.date_of_birth, k.recipient_type, k.outcome, k.kits,
               pr.code AS product, l.lot_number AS lot,
               CASE WHEN k.property_picked_up IS NULL THEN ''
                    WHEN k.property_picked_up = true THEN 'yes' ELSE 'no' END AS picked_up
        FROM naloxone_kit_events k
        JOIN naloxone_lots l ON l.id = k.lot_id
        JOIN naloxone_products pr ON pr.id = l.product_id
        JOIN facilities f ON f.id = k.facility_id
        LEFT JOIN participants p ON p.id = k.participant_id
        LEFT JOIN custody_episodes e ON e.id = k.episode_id
        WHERE l.lot_number = :lot AND k.outcome IN ('handed', 'property') AND k.is_voided = false
          AND k.event_date >= :start AND k.event_date <= :end
        ORDER BY k.event_date, k.id"""


def hand_decline_reasons() -> str:
    """The quarterly report's top five decline reasons: kits declined in the period by reason."""
    return """
        SELECT COALESCE(decline_reason, 'not recorded') AS reason, SUM(kits) AS kits
        FROM naloxone_kit_events
        WHERE outcome = 'declined' AND is_voided = false AND event_date >= :start AND event_date <= :end
        GROUP BY decline_reason
        ORDER BY SUM(kits) DESC, decline_reason
        LIMIT 5"""


def hand_stock() -> str:
    """The dashboard's stock: on hand per lot (lots with any; each lot keeps its running total),
    with facility, product and expiry."""
    return """
        SELECT f.code, p.code, l.lot_number, l.expiry_date, l.on_hand
        FROM naloxone_lots l
        JOIN facilities f ON f.id = l.facility_id
        JOIN naloxone_products p ON p.id = l.product_id
        WHERE l.on_hand > 0
        ORDER BY l.expiry_date"""
