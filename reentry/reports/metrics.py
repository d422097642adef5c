"""The report definitions and the pure arithmetic that turns grouped counts into report rows.

Nothing here touches the database: services.py fetches small grouped rows, these functions fold
them into the rows printed on screen, in CSV and in PDF, so all three come from one place and the
arithmetic is tested on hand-made inputs.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

GIVEN = ("handed", "property")

# The definitions, word for word (docs/metrics.md carries the same text; a test checks).
DEFINITIONS: dict[str, str] = {
    "release": "A release: a custody episode whose actual `release_date` falls in the period.",
    "kit": ("A kit given: a kit event with outcome `handed` or `property`, not voided; `kits` adds the "
            "number of kits; `doses` = kits × devices per kit of the product."),
    "acceptance": "Offered = given + declined. Acceptance = given / offered.",
    "coverage": ("Release coverage: releases with at least one kit given on the same episode / releases; "
                 "also stated as kits given at release per 1,000 releases."),
    "trained": "Trained: the participant completed a training before the release date.",
    "high_need": ("High-need coverage: the same coverage among releases whose screening shows opioid use "
                  "before custody (the measure Scotland's programme reports)."),
    "reversals": ("Reversals: counted by rules a manager chooses and the report prints: whether a person "
                  "giving naloxone to themselves counts (some funders exclude it), and whether only "
                  "naloxone from a given funding source counts."),
    "month": "Period grouping by the facility's local calendar month.",
}

# How each definition is applied, where the words above leave a choice.
RULES: dict[str, str] = {
    "month": ("Kit events are dated by the facility's local date of the moment they happened (a kit "
              "handed over at 11 pm in Los Angeles on 31 January counts in January); release dates "
              "and training dates are local dates too."),
    "kit": ("Voided records never count. `handed`, `property` and `declined` count kits (the number "
            "on each record), not records. `first` and `repeat` count kits given by supply type; kits "
            "whose supply is unknown are in `kits` but in neither column."),
    "coverage": ("A release has a kit when a kit given (any context) is recorded on the same custody "
                 "episode. Kits per 1,000 releases adds the kits given on the period's release "
                 "episodes. Percentages have one decimal, rounded half up; blank when there is no "
                 "release to divide by."),
    "trained": ("A release counts as trained when the person completed a training session (session "
                "completed, attendee complete, neither voided) dated on or before the release date, "
                "in the training facility's local time: release dates carry no time of day."),
    "high_need": ("The screening used is the latest one recorded for the episode; without one, the "
                  "person's latest screening not linked to an episode, dated between custody start "
                  "and release. Unknown answers are not high need."),
    "training": ("Sessions count when not voided and dated in the period (the facility's local date of "
                 "the start). People trained: attendees marked complete in a completed session. "
                 "Completion rate: people trained / attendees (voided attendees never count). Scores "
                 "are percent correct, pooled over the attendees who took both the pre- and the "
                 "post-test, so the gain compares the same people; an unanswered item counts as wrong."),
    "inventory": ("On hand: the sum of the lot's stock movements up to the end of the period. Received, "
                  "distributed and wasted add the movements dated in the period (facility local dates). "
                  "Expiring: stock on hand whose expiry date is within 90 days after the period ends."),
    "reversals": ("Use reports dated in the period, not voided. With self-administration not counted, "
                  "reports where the person gave naloxone to themselves are left out. With a funding "
                  "source chosen, only reports traced to a lot of that source count."),
    "recall": ("Every kit given (handed or in property, not voided) from a lot with this number, dated "
               "in the period, at the facilities chosen."),
    "funding": ("With a funding source chosen, only kits from that source's lots count; declined "
                "offers use no naloxone, so they are not counted, and releases still count in full."),
}

DISTRIBUTION_COLUMNS = ["month", "facility", "product", "handed", "property", "declined", "kits", "doses",
                        "first", "repeat"]
_COVERAGE_MEASURES = ["releases", "releases_trained", "releases_with_kit", "pct_trained", "pct_with_kit",
                      "kits_per_1000_releases"]
COVERAGE_COLUMNS = ["month", "facility", *_COVERAGE_MEASURES, *("high_need_" + m for m in _COVERAGE_MEASURES)]


TRAINING_COLUMNS = ["month", "facility", "domain", "sessions", "attendees", "people_trained", "completion_rate",
                    "tested", "mean_pre", "mean_post", "gain"]
INVENTORY_COLUMNS = ["facility", "product", "lot", "funding", "expiry_date", "on_hand", "received", "distributed",
                     "wasted", "expiring_within_90_days"]
REVERSAL_COLUMNS = ["month", "facility", "self_administered", "outcome", "reports", "doses_used"]
RECALL_COLUMNS = ["event_id", "event_date", "facility", "booking_id", "participant_id", "last_name", "first_name",
                  "date_of_birth", "recipient", "outcome", "kits", "product", "lot", "picked_up"]


def month_of(day: date) -> str:
    """The `YYYY-MM` a local date belongs to."""
    return f"{day.year:04d}-{day.month:02d}"


def months_between(start: date, end: date) -> list[str]:
    """Every `YYYY-MM` from start's month to end's month, inclusive."""
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def ratio(part: int, whole: int, per: int = 100) -> str:
    """`part / whole × per` with one decimal, rounded half up; "" when whole is 0."""
    if not whole:
        return ""
    value = Decimal(part * per) / Decimal(whole)
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class DistributionGroup:
    """The kits of one month, facility and product, counted by the database (services.distribution_groups):
    handed, in property and declined; kits given; doses (kits given x devices per kit); kits
    given as first and as repeat supply."""

    month: str
    facility: str
    product: str
    handed: int
    property: int
    declined: int
    kits: int
    doses: int
    first: int
    repeat: int

    @property
    def offered(self) -> int:
        return self.kits + self.declined


def distribution_rows(groups: Iterable[DistributionGroup]) -> list[list]:
    """One row per month × facility × product with any activity, in DISTRIBUTION_COLUMNS order."""
    return sorted([g.month, g.facility, g.product, g.handed, g.property, g.declined, g.kits, g.doses, g.first,
                   g.repeat] for g in groups)


@dataclass(frozen=True)
class CoverageGroup:
    """The releases of one month at one facility, counted by the database (see services.coverage_groups).

    `high_need_*` count the same measures among releases whose screening shows opioid use before
    custody."""

    month: str
    facility: str
    releases: int
    trained: int
    with_kit: int
    kits: int
    high_need_releases: int = 0
    high_need_trained: int = 0
    high_need_with_kit: int = 0
    high_need_kits: int = 0


# The counted fields of a CoverageGroup, in order: these add up across months and facilities.
COVERAGE_COUNTS = tuple(f.name for f in fields(CoverageGroup) if f.name not in ("month", "facility"))


def total_coverage(groups: Iterable[CoverageGroup], month: str = "", facility: str = "") -> CoverageGroup:
    """The groups added together, as one group (for totals over a period or over facilities)."""
    groups = list(groups)
    return CoverageGroup(month, facility, *(sum(getattr(g, name) for g in groups) for name in COVERAGE_COUNTS))


def _coverage_measures(releases: int, trained: int, with_kit: int, kits: int) -> list:
    return [releases, trained, with_kit, ratio(trained, releases), ratio(with_kit, releases),
            ratio(kits, releases, 1000)]


def coverage_rows(groups: Iterable[CoverageGroup]) -> list[list]:
    """One row per month × facility with any release, in COVERAGE_COLUMNS order."""
    return [[g.month, g.facility, *_coverage_measures(g.releases, g.trained, g.with_kit, g.kits),
             *_coverage_measures(g.high_need_releases, g.high_need_trained, g.high_need_with_kit, g.high_need_kits)]
            for g in sorted(groups, key=lambda g: (g.month, g.facility))]


@dataclass(frozen=True)
class AttendeeFact:
    """One attendee of a session in the period, with their scores per domain where tested."""

    month: str
    facility: str
    session_id: int
    is_trained: bool
    # domain -> (items, pre correct, post correct); only for attendees with both tests
    scores: dict


def _mean(correct: int, items: int) -> str:
    return ratio(correct, items)


def knowledge_gain(items: int, pre_correct: int, post_correct: int) -> str:
    """Mean post-test score minus mean pre-test score, in points, as printed ("" with no tests)."""
    if not items:
        return ""
    return str((Decimal(_mean(post_correct, items)) - Decimal(_mean(pre_correct, items))).quantize(Decimal("0.1")))


@dataclass
class MonthFigures:
    """The dashboard's counts for one month (at one facility, or added up over several).

    Every field is a count, so figures add up across facilities: a rollup row stores exactly
    these (reports.models.MonthRollup)."""

    releases: int = 0
    releases_with_kit: int = 0
    high_need_releases: int = 0
    high_need_with_kit: int = 0
    kits: int = 0
    offered: int = 0
    sessions: int = 0
    people_trained: int = 0
    tested_items: int = 0
    pre_correct: int = 0
    post_correct: int = 0
    reversals: int = 0

    def __add__(self, other: MonthFigures) -> MonthFigures:
        return MonthFigures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


MONTH_FIGURES = tuple(f.name for f in fields(MonthFigures))


def training_rows(attendees: Iterable[AttendeeFact], sessions: Iterable[tuple[str, str, int]],
                  domains: Iterable[str]) -> list[list]:
    """Per month × facility: an "all" row, then one row per domain, in TRAINING_COLUMNS order.

    `sessions` are (month, facility, session_id) for every session in the period, so a session
    with nobody on its list still counts.
    """
    session_sets: dict[tuple, set] = defaultdict(set)
    for month, facility, session_id in sessions:
        session_sets[(month, facility)].add(session_id)
    people: dict[tuple, list[AttendeeFact]] = defaultdict(list)
    for a in attendees:
        people[(a.month, a.facility)].append(a)
        session_sets[(a.month, a.facility)].add(a.session_id)
    domains = list(domains)
    rows = []
    for key in sorted(session_sets):
        group = people.get(key, [])
        trained = sum(a.is_trained for a in group)
        head = [len(session_sets[key]), len(group), trained, ratio(trained, len(group))]
        for domain in ["all", *domains]:
            tested = [a for a in group if a.scores]
            items = pre = post = 0
            for a in tested:
                for d, (n, p, q) in a.scores.items():
                    if domain in ("all", d):
                        items, pre, post = items + n, pre + p, post + q
            rows.append([*key, domain, *head, len(tested), _mean(pre, items), _mean(post, items),
                         knowledge_gain(items, pre, post)])
    return rows


def reversal_rows(groups: Iterable[tuple], count_self: bool) -> list[list]:
    """Per month × facility × self/other × outcome: reports and doses used, in REVERSAL_COLUMNS
    order. `groups` are (month, facility, is_self, outcome, reports, doses), one per such key
    (the database groups them)."""
    return sorted([month, facility, "yes" if is_self else "no", outcome, int(reports), int(doses or 0)]
                  for month, facility, is_self, outcome, reports, doses in groups if count_self or not is_self)