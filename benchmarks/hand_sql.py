"""The best hand-written SQL for each report's aggregate: what benchmarks/reports.py times the
report services against (target: the service within 1.3x).

Each query computes the same figures as its report (tests/reports/test_hand_sql.py checks them on
the fixed world of tests/reports/conftest.py), for all facilities and funding sources, over
:start to :end. Where a report needs something SQL cannot work out (a facility's local day in UTC,
a curriculum's item domains), the query takes it as bound values, as a hand-written query would.
"""
from __future__ import annotations

DISTRIBUTION_SQL = {
    "sqlite": "substr(event_date, 1, 7)",
    "postgresql": "to_char(event_date, 'YYYY-MM')",
}


def hand_distribution(month: str) -> str:
    return f"""
        SELECT k.month, f.code, p.code, k.outcome, k.supply, k.kits, p.devices_per_kit
        FROM (SELECT {month} AS month, facility_id, product_id, outcome, supply, SUM(kits) AS kits
              FROM naloxone_kit_events
              WHERE is_voided = false AND event_date >= :start AND event_date <= :end
              GROUP BY {month}, facility_id, product_id, outcome, supply) k
        JOIN facilities f ON f.id = k.facility_id
        LEFT JOIN naloxone_products p ON p.id = k.product_id"""


def hand_coverage(month: str) -> str:
    """The whole coverage aggregate, as one would write it by hand: trained, with a kit and
    high need (the episode's latest screening, else the person's latest unlinked one during the
    custody), summed by month and facility. tests/reports/test_benchmark_sql.py checks that it
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
