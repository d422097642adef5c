"""The outcomes report: deaths in the weeks after release, and Scotland's indicator (issue 15).

Counted by the database: each release of the period looks up its kit, training and screening by
the coverage report's own rules (reports.services.release_kits and friends), each counted death
is attributed to one release, and the database sums releases and deaths by facility and group
for every window at once. Python only folds those few rows into the report's groups and works
out the rates and their Wilson intervals, in plain functions tested on hand-made numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Date, Integer, and_, case, column, exists, func, select, true, values
from sqlalchemy.orm import aliased

from reentry.errors import PermissionDenied
from reentry.extensions import db
from reentry.facilities.services import facility_today
from reentry.outcomes.models import COUNTED_STATUSES, DeathLink, DeathRecord
from reentry.outcomes.services import may_see_death_records
from reentry.participants.models import CustodyEpisode, ReleaseScreening
from reentry.reports import metrics

Z_95 = 1.959963984540054  # the 97.5th percentile of the standard normal: a two-sided 95 % interval
WINDOWS = (14, 28, 90, 365)
SCOTLAND_WINDOW = 28
# Operators script against these names: never rename them.
GROUPS = ("all", "kit_at_release", "no_kit_at_release", "trained_before_release", "not_trained_before_release",
          "moud_at_release", "no_moud_at_release")
COLUMNS = ["facility", "window_days", "group", "releases", "deaths_all", "deaths_overdose", "deaths_opioid",
           "rate_opioid_per_1000", "ci_low", "ci_high"]
SCOTLAND_COLUMNS = ["opioid_deaths", "within_28_days_of_release", "pct_within_28_days", "ci_low", "ci_high"]
ALL_FACILITIES = "ALL"

CAVEAT = ("Observational: people who took a kit, were trained or were on MOUD differ from people who "
          "were not (in risk, in health, in how long they were held), so a difference between groups is "
          "not the effect of the kit, the training or the medication.")
DEFINITIONS = [
    metrics.DEFINITIONS["release"] + " Voided episodes never count.",
    ("Deaths within N days (N = 14, 28, 90, 365): death records linked to the person with a link "
     "whose status is linked or accepted (links waiting for review and rejected links never count), "
     "with 0 <= date of death - release date <= N days. A death on the release day is day 0."),
    ("Attribution: a death counts for the person's most recent release on or before the date of "
     "death (at any facility), so one death is never counted twice (a record linked to two people "
     "counts for nobody until the links are corrected); a death before a release counts "
     "for none after it. A person with two counted death records (two sources) counts once, at the "
     "earliest."),
    ("All-cause: every death record. Overdose: CDC drug overdose (underlying cause X40-X44, X60-X64, "
     "X85, Y10-Y14). Opioid-involved: an overdose with T40.0-T40.4 or T40.6 among the multiple causes."),
    ("Groups: kit_at_release when a kit given (handed or in property, not voided) is recorded on the "
     "release's custody episode, as in the coverage report; trained_before_release when the person "
     "completed a training on or before the release date, as in the coverage report; moud_at_release "
     "when the release's screening (the episode's latest; without one, the person's latest screening "
     "during this custody, as in the coverage report) records methadone, buprenorphine or "
     "extended-release naltrexone; unknown answers and releases without a screening are no_moud."),
    ("Rate: opioid-involved deaths within the window per 1,000 releases counted for that window, one "
     "decimal; the 95 % confidence interval is the Wilson score interval for the proportion of "
     "releases followed by a death (each release is followed by one within the window or not), "
     "z = 1.96. Blank when no release counts."),
    ("Windows not yet complete: a release counts in a window only once the window has fully elapsed "
     "(release date + N days before today in the facility's time zone: day N itself must be over), "
     "in the releases and in the deaths alike; a recent release counts in the short windows only. "
     "Death records often arrive months late: with \"deaths recorded through\" (the last date of "
     "death the file is complete for) a window must also end on or before that date, so the latest "
     "releases are not made to look safer than they are; without it the file is taken as complete "
     "up to yesterday."),
    ("Scotland's indicator (Bird et al., Addiction 2016;111:883-891): of all opioid-involved deaths in "
     "the death file dated in the period, the share that occurred within 28 days (0-28) after a release "
     "from the facilities chosen (the person's most recent release before death), with its Wilson "
     "score interval, in percent. The release may fall before the period. Each death record counts: "
     "when two sources hold the same death, import one source per period."),
    CAVEAT,
]
WINDOW_RULE = DEFINITIONS[6]


# --------------------------------------------------------------------------- arithmetic

def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion successes / trials (both ends between 0 and 1).

    centre = (p + z²/2n) / (1 + z²/n), half width = z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²).
    Unlike p ± z·sqrt(p(1-p)/n) it stays inside [0, 1] and is not zero-wide at 0 deaths."""
    if trials <= 0:
        raise ValueError("trials must be positive")
    if not 0 <= successes <= trials:
        raise ValueError("successes must be between 0 and trials")
    n, p, z2 = trials, successes / trials, z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At 0 (or all) the interval ends exactly at 0 (or 1); floating point alone lands a hair off.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def _one_decimal(value: float) -> str:
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def rate_with_interval(events: int, trials: int, per: int = 1000) -> tuple[str, str, str]:
    """(rate, ci_low, ci_high) per `per`, one decimal, rounded half up; blanks when trials is 0."""
    if not trials:
        return "", "", ""
    low, high = wilson_interval(events, trials)
    return metrics.ratio(events, trials, per), _one_decimal(low * per), _one_decimal(high * per)


@dataclass
class Counts:
    """Releases counted for one window and the deaths among them."""

    releases: int = 0
    deaths_all: int = 0
    deaths_overdose: int = 0
    deaths_opioid: int = 0

    def add(self, releases: int, deaths_all: int, deaths_overdose: int, deaths_opioid: int) -> None:
        self.releases += releases
        self.deaths_all += deaths_all
        self.deaths_overdose += deaths_overdose
        self.deaths_opioid += deaths_opioid


def groups_of(has_kit: bool, trained: bool, moud: bool) -> tuple[str, ...]:
    """The report groups a release with these facts belongs to (always four: all and one of each pair)."""
    return ("all", "kit_at_release" if has_kit else "no_kit_at_release",
            "trained_before_release" if trained else "not_trained_before_release",
            "moud_at_release" if moud else "no_moud_at_release")


def fold(grouped, facility_codes: list[str]) -> dict[tuple[str, int, str], Counts]:
    """(facility code, window, group) -> Counts, from rows (code, has_kit, trained, moud, then per
    window releases, deaths, overdose deaths, opioid deaths), with the ALL totals."""
    counts = {(code, window, group): Counts() for code in [*facility_codes, ALL_FACILITIES]
              for window in WINDOWS for group in GROUPS}
    for code, has_kit, trained, moud, *sums in grouped:
        for i, window in enumerate(WINDOWS):
            cell = [int(n or 0) for n in sums[4 * i:4 * i + 4]]
            for group in groups_of(bool(has_kit), bool(trained), bool(moud)):
                counts[(code, window, group)].add(*cell)
                counts[(ALL_FACILITIES, window, group)].add(*cell)
    return counts


def outcome_rows(counts: dict[tuple[str, int, str], Counts], facility_codes: list[str]) -> list[list]:
    """The CSV rows: each facility (then ALL) x window x group, with the opioid rate and interval."""
    rows = []
    for code in [*facility_codes, ALL_FACILITIES]:
        for window in WINDOWS:
            for group in GROUPS:
                c = counts[(code, window, group)]
                rows.append([code, window, group, c.releases, c.deaths_all, c.deaths_overdose, c.deaths_opioid,
                             *rate_with_interval(c.deaths_opioid, c.releases)])
    return rows


def scotland_row(opioid_deaths: int, within: int) -> list:
    """The indicator's row: deaths, those within 28 days of release, the percent and its interval."""
    return [opioid_deaths, within, *rate_with_interval(within, opioid_deaths, per=100)]


# --------------------------------------------------------------------------- queries

def days_between(later, earlier):
    """Whole days from `earlier` to `later` (two date columns), in the engine's own arithmetic."""
    if db.engine.dialect.name == "postgresql":
        return later - earlier
    return func.cast(func.julianday(later) - func.julianday(earlier), Integer)


def latest_release_on_or_before(participant_id, day):
    """The id of the person's most recent non-voided release on or before `day` (any facility):
    the one release a death is attributed to."""
    e = aliased(CustodyEpisode)
    return (select(e.id)
            .where(e.participant_id == participant_id, e.is_voided.is_(False), e.release_date.is_not(None),
                   e.release_date <= day)
            .order_by(e.release_date.desc(), e.id.desc()).limit(1)
            # Correlated with whatever names the death, however deep it is nested.
            .correlate_except(e).scalar_subquery())


def _one_person_deaths():
    """Death records with exactly one counted link. A record counted for two people (linked and
    accepted pairs that disagree) counts for nobody until the pairs are corrected: never twice."""
    link = aliased(DeathLink)
    return (select(link.death_record_id).where(link.status.in_(COUNTED_STATUSES))
            .group_by(link.death_record_id).having(func.count() == 1))


def _counted_deaths():
    """Each person's first counted death (links linked or accepted) and the release it follows."""
    ranked = (select(DeathLink.participant_id, DeathRecord.date_of_death.label("died_on"),
                     DeathRecord.is_overdose, DeathRecord.is_opioid,
                     func.row_number().over(partition_by=DeathLink.participant_id,
                                            order_by=(DeathRecord.date_of_death, DeathRecord.id)).label("nth"))
              .join(DeathRecord, DeathRecord.id == DeathLink.death_record_id)
              .where(DeathLink.status.in_(COUNTED_STATUSES), DeathLink.death_record_id.in_(_one_person_deaths()))
              .subquery("ranked"))
    return (select(ranked.c.died_on, ranked.c.is_overdose, ranked.c.is_opioid,
                   latest_release_on_or_before(ranked.c.participant_id, ranked.c.died_on).label("episode_id"))
            .where(ranked.c.nth == 1)
            # Materialized: a few thousand rows worked out once, not once per release joined.
            .cte("deaths").prefix_with("MATERIALIZED"))


def _moud_answer():
    on_moud = case((ReleaseScreening.on_methadone == true(), 1), (ReleaseScreening.on_buprenorphine == true(), 1),
                   (ReleaseScreening.on_naltrexone_xr == true(), 1), else_=0)
    return on_moud


def outcome_groups(params, scope, as_of: dict[int, date]) -> list[tuple]:
    """Grouped rows (facility code, has_kit, trained, moud, then per window: releases, deaths,
    overdose deaths, opioid deaths) for the period's releases; `as_of`: facility id -> the first
    day whose deaths are not known (observed_until: today there, or earlier for a death file that
    stops sooner).

    Two statements: the releases counted per window (each release's kit, training and screening
    looked up as the coverage report does), and the counted deaths with the release each one is
    attributed to (the same lookups, for those few releases only). Left-joining every release to
    the deaths instead made SQLite scan the deaths once per release: minutes at 200,000 releases."""
    from reentry.reports.services import _rows, release_kits, release_screening_answer, trained_before_release

    if not scope.facilities:
        return []
    episode = CustodyEpisode
    facts = (case((release_kits(episode, scope) > 0, 1), else_=0).label("has_kit"),
             case((trained_before_release(episode), 1), else_=0).label("trained"),
             release_screening_answer(episode, _moud_answer()).label("moud"))
    in_report = (episode.is_voided.is_(False), episode.release_date >= params.start,
                 episode.release_date <= params.end, episode.facility_id.in_(scope.facility_ids))
    # The last release date whose window has fully elapsed, per facility and window: day N is
    # inside the window (0..N), so it is over only once today is past it.
    cutoffs = (values(column("facility_id", Integer), *(column(f"last_{w}", Date) for w in WINDOWS), name="cutoffs")
               .data([(fid, *(today - timedelta(days=w + 1) for w in WINDOWS)) for fid, today in as_of.items()])
               .cte("cutoffs"))
    c = cutoffs.c

    releases = (select(episode.facility_id, episode.release_date, *facts).where(*in_report)
                .cte("releases").prefix_with("MATERIALIZED"))
    r = releases.c
    keys = (r.facility_id, r.has_kit, r.trained, r.moud)
    counted = (select(*keys, *(func.sum(case((c[f"last_{w}"] >= r.release_date, 1), else_=0)) for w in WINDOWS))
               .join_from(releases, cutoffs, c.facility_id == r.facility_id).group_by(*keys))

    deaths = _counted_deaths()
    died = (select(episode.facility_id, episode.release_date, deaths.c.died_on, deaths.c.is_overdose,
                   deaths.c.is_opioid, *facts)
            .join_from(deaths, episode, episode.id == deaths.c.episode_id).where(*in_report)
            .cte("died").prefix_with("MATERIALIZED"))
    d = died.c
    days = days_between(d.died_on, d.release_date)
    sums = []
    for window in WINDOWS:
        within = and_(c[f"last_{window}"] >= d.release_date, days <= window)
        sums += [func.sum(case((within, 1), else_=0)),
                 func.sum(case((and_(within, d.is_overdose == true()), 1), else_=0)),
                 func.sum(case((and_(within, d.is_opioid == true()), 1), else_=0))]
    dead_keys = (d.facility_id, d.has_kit, d.trained, d.moud)
    dead = (select(*dead_keys, *sums).join_from(died, cutoffs, c.facility_id == d.facility_id).group_by(*dead_keys))

    deaths_by_key = {tuple(row[:4]): row[4:] for row in _rows(dead)}
    codes = scope.codes
    grouped = []
    for facility_id, has_kit, trained, moud, *releases_counted in _rows(counted):
        died_counts = deaths_by_key.get((facility_id, has_kit, trained, moud), (0,) * (3 * len(WINDOWS)))
        cells = []
        for i in range(len(WINDOWS)):
            cells += [releases_counted[i], *died_counts[3 * i:3 * i + 3]]
        grouped.append((codes[facility_id], has_kit, trained, moud, *cells))
    return grouped


def scotland_by_month(start: date, end: date, facility_ids: list[int]) -> dict[str, tuple[int, int]]:
    """Month of death -> (opioid-involved deaths in the death file, those within 28 days after a
    release from these facilities, the person's most recent release before death)."""
    from reentry.reports.services import _rows, month_expr

    e = aliased(CustodyEpisode)
    link = DeathLink
    after_release = exists().where(
        link.death_record_id == DeathRecord.id, link.status.in_(COUNTED_STATUSES),
        e.participant_id == link.participant_id,
        e.id == latest_release_on_or_before(link.participant_id, DeathRecord.date_of_death),
        e.facility_id.in_(facility_ids or [-1]),
        days_between(DeathRecord.date_of_death, e.release_date) <= SCOTLAND_WINDOW)
    month = month_expr(DeathRecord.date_of_death).label("month")
    stmt = (select(month, func.count(), func.sum(case((after_release, 1), else_=0)))
            .where(DeathRecord.is_opioid == true(), DeathRecord.date_of_death >= start,
                   DeathRecord.date_of_death <= end)
            .group_by(month))
    return {m: (int(total), int(within or 0)) for m, total, within in _rows(stmt)}


def quarter_of(month: str) -> str:
    """`2026-05` -> `2026-Q2`."""
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def scotland_by_quarter(start: date, end: date, facility_ids: list[int]) -> dict[str, tuple[int, int]]:
    by_quarter: dict[str, tuple[int, int]] = {}
    for month, (total, within) in scotland_by_month(start, end, facility_ids).items():
        t, w = by_quarter.get(quarter_of(month), (0, 0))
        by_quarter[quarter_of(month)] = (t + total, w + within)
    return by_quarter


# --------------------------------------------------------------------------- the report

@dataclass
class Outcomes:
    rows: list[list]
    scotland: list
    as_of: dict[str, date]
    counts: dict[tuple[str, int, str], Counts]


def observed_until(today: date, deaths_through: date | None) -> date:
    """The first day whose deaths are not known yet: today in the facility, or the day after the
    last date of death the file is complete through, whichever is earlier. A window counts once
    it ends before this day."""
    if deaths_through is None:
        return today
    return min(today, deaths_through + timedelta(days=1))


def count_outcomes(params, scope, now=None) -> Outcomes:
    """Every figure of the report for a resolved scope (the report and the de-identified tables)."""
    as_of = {f.id: observed_until(facility_today(f, now), params.deaths_through) for f in scope.facilities}
    codes = [f.code for f in scope.facilities]
    counts = fold(outcome_groups(params, scope, as_of), codes)
    months = scotland_by_month(params.start, params.end, scope.facility_ids)
    total = sum(t for t, _ in months.values())
    within = sum(w for _, w in months.values())
    return Outcomes(outcome_rows(counts, codes), scotland_row(total, within),
                    {f.code: as_of[f.id] for f in scope.facilities}, counts)


def last_quarters(today: date, count: int = 5) -> list[tuple[str, date, date]]:
    """The quarter holding `today` and the `count - 1` before it, oldest first: (label, first, last day)."""
    year, index = today.year, (today.month - 1) // 3
    quarters = []
    for _ in range(count):
        first = date(year, 3 * index + 1, 1)
        after = date(year + 1, 1, 1) if index == 3 else date(year, 3 * index + 4, 1)
        quarters.append((f"{year}-Q{index + 1}", first, min(after - timedelta(days=1), today)))
        year, index = (year - 1, 3) if index == 0 else (year, index - 1)
    return quarters[::-1]


def dashboard_quarters(actor, scope, today: date) -> list[list] | None:
    """Opioid-involved deaths within 28 days of release from these facilities, by quarter of death
    for the last five quarters: (quarter, deaths within 28 days, all opioid deaths in the file,
    percent). None when the person may not see death counts or no death record exists."""
    if not may_see_death_records(actor) or not scope.facilities or db.session.scalar(
            select(DeathRecord.id).limit(1)) is None:
        return None
    quarters = last_quarters(today)
    by_quarter = scotland_by_quarter(quarters[0][1], today, scope.facility_ids)
    rows = []
    for label, _first, _last in quarters:
        total, within = by_quarter.get(label, (0, 0))
        rows.append([label, within, total, metrics.ratio(within, total)])
    return rows


# --------------------------------------------------------------------------- de-identified tables

DEIDENTIFIED_COLUMNS = ["window_days", "group", "releases", "deaths_all", "deaths_overdose", "deaths_opioid"]
_PAIRS = (("kit_at_release", "no_kit_at_release"), ("trained_before_release", "not_trained_before_release"),
          ("moud_at_release", "no_moud_at_release"))
DEIDENTIFIED_ABOUT = [
    "outcomes.csv: releases of the period (all the facilities chosen together) and the deaths within",
    "14, 28, 90 and 365 days after them (all-cause, overdose, opioid-involved), by group: all, kit at",
    "release or not, trained before release or not, on MOUD at release or not; the definitions of the",
    "outcomes report (a release counts only in the windows that have fully elapsed, and that end on or",
    "before the death file's 'deaths recorded through' date when one was given; links linked or",
    "accepted only). Each pair of groups adds up to `all`, so a hidden count in one hides its partner.",
    "scotland_indicator.csv: opioid-involved deaths in the death file dated in the period, those within",
    "28 days after a release from these facilities, and their percent with a Wilson score interval",
    "(blank when a count is hidden). Observational: people who took a kit differ from people who did",
    "not; no figure is the effect of the kit.",
]


def deidentified_outcome_rows(counts: dict[tuple[str, int, str], Counts]) -> list[list[str]]:
    """outcomes.csv rows (ALL facilities): each window x group, every count suppressed with its
    partner group, since each pair (kit / no kit, ...) adds up to `all`."""
    from reentry.reports.suppression import suppress_parts

    rows = []
    for window in WINDOWS:
        shown: dict[str, list[str]] = {group: [] for group in GROUPS}
        for measure in ("releases", "deaths_all", "deaths_overdose", "deaths_opioid"):
            totals = []
            for yes, no in _PAIRS:
                (yes_text, no_text), total = suppress_parts(
                    [getattr(counts[(ALL_FACILITIES, window, g)], measure) for g in (yes, no)])
                shown[yes].append(yes_text)
                shown[no].append(no_text)
                totals.append(total)
            # The total is hidden (1 to 10) in every pair or in none; take any hidden form.
            shown["all"].append(next((t for t in totals if not t.isdigit()), totals[0]))
        rows += [[str(window), group, *shown[group]] for group in GROUPS]
    return rows


def deidentified_scotland_rows(opioid_deaths: int, within: int) -> list[list[str]]:
    """scotland_indicator.csv rows: the counts suppressed (within and not within add up to all),
    the percent and interval only when neither count it comes from is hidden."""
    from reentry.reports.suppression import suppress_parts

    (within_text, other_text), total_text = suppress_parts([within, opioid_deaths - within])
    pct = ["", "", ""]
    if within_text.isdigit() and total_text.isdigit():
        pct = list(rate_with_interval(within, opioid_deaths, per=100))
    return [["opioid_deaths", total_text], ["within_28_days_of_release", within_text],
            ["not_within_28_days_of_release", other_text], ["pct_within_28_days", pct[0]],
            ["ci_low", pct[1]], ["ci_high", pct[2]]]


def deidentified_outcome_tables(actor, params, scope) -> dict[str, str]:
    """File name -> CSV text of the outcome tables, for the de-identified export; none when the
    person may not see death counts or no death record has been imported."""
    from reentry.csvutil import csv_text

    if (actor is not None and not may_see_death_records(actor)) or db.session.scalar(
            select(DeathRecord.id).limit(1)) is None:
        return {}
    figures = count_outcomes(params, scope)
    total, within = figures.scotland[0], figures.scotland[1]
    return {"outcomes.csv": csv_text(DEIDENTIFIED_COLUMNS, deidentified_outcome_rows(figures.counts)),
            "scotland_indicator.csv": csv_text(["measure", "value"], deidentified_scotland_rows(total, within))}


def check_may_see(actor) -> None:
    """Death counts: admins, auditors and managers; the program itself (no actor, the CLI)."""
    if actor is not None and not may_see_death_records(actor):
        raise PermissionDenied("The outcomes report shows deaths: only admins, auditors and managers may run it.")


def outcomes_report(actor, params):
    """Deaths within 14, 28, 90 and 365 days after release by group, and Scotland's indicator."""
    from reentry.reports.services import ReportResult, Section, _filters, _resolve

    check_may_see(actor)
    scope = _resolve(actor, params)
    figures = count_outcomes(params, scope)
    # The last day whose deaths count, per facility: yesterday there, or the file's own date.
    as_of = ", ".join(f"{code} {(day - timedelta(days=1)).isoformat()}"
                      for code, day in figures.as_of.items()) or "none"
    through = params.deaths_through.isoformat() if params.deaths_through else "not given (taken as complete)"
    sections = [
        Section("Deaths after release, per 1,000 releases", COLUMNS, figures.rows, key_columns=3,
                notes=[WINDOW_RULE, CAVEAT]),
        Section("Scotland's indicator: opioid-involved deaths within 28 days of release", SCOTLAND_COLUMNS,
                [figures.scotland], key_columns=0, notes=[DEFINITIONS[7], CAVEAT]),
    ]
    return ReportResult("outcomes", "Deaths after release", COLUMNS, figures.rows, DEFINITIONS,
                        _filters(params, scope, ("Deaths recorded through (file)", through),
                                 ("Deaths counted through (per facility)", as_of),
                                 ("Links counted", ", ".join(COUNTED_STATUSES))),
                        sections)
