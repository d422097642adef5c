"""The release worklist of a facility, and the seams to features built in parallel.

Three lists: releases expected today and in the next 7 days; people released in the last 72 hours
with no kit recorded; people in custody with opioid-use history and no kit in their property yet.
Each list is one query plus one batched lookup per column, so 500 rows stay fast.

The functions under "Seams" read data that other features own (trainings, screening and risk,
packets). Until those are merged they return empty results; each names the issue that supplies it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, select

from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.naloxone.models import KitEvent
from reentry.participants.models import CustodyEpisode, Participant

EXPECTED_DAYS = 7
RECENT_RELEASE_DAYS = 3  # 72 hours, counted in whole local days because release dates are dates


# --- Seams: wire these after merging ------------------------------------------------------------

def trained_episode_ids(episode_ids) -> set[int]:
    """Episodes whose participant completed a training before release.
    Supplied by issue 5 (curriculum and trainings)."""
    return set()


def participant_trained_before(participant_id: int, moment: datetime) -> bool | None:
    """Whether the participant completed a training before `moment` (None: not known).
    Supplied by issue 5 (curriculum and trainings); stored on each kit event when recorded."""
    return None


def risk_flags_by_episode(episode_ids) -> dict[int, list[str]]:
    """The tolerance-loss flag codes of each episode's latest screening.
    Supplied by issue 4 (participants: screening and reentry.participants.risk.assess)."""
    return {}


def opioid_history_episode_ids(facility_id: int) -> set[int]:
    """Open episodes at the facility whose screening shows opioid use before custody.
    Supplied by issue 4 (participants: release risk screening)."""
    return set()


def packet_printed_episode_ids(episode_ids) -> set[int]:
    """Episodes whose release packet has been printed. Supplied by issue 7 (documents)."""
    return set()


def packet_print_url(episode_id: int) -> str | None:
    """Where the worklist's "Print packet" link goes (None hides it).
    Supplied by issue 7 (documents: release packet)."""
    return None


# --- The worklist ---------------------------------------------------------------------------------

@dataclass
class WorklistRow:
    episode: CustodyEpisode
    participant: Participant
    kit_given: int = 0
    kit_in_property: bool = False
    kit_declined: bool = False
    is_trained: bool = False
    risk_flags: list[str] = field(default_factory=list)
    packet_printed: bool = False
    packet_url: str | None = None

    @property
    def kit_status(self) -> str:
        if self.kit_in_property:
            return "property"
        if self.kit_given:
            return "given"
        if self.kit_declined:
            return "declined"
        return "none"


@dataclass
class Worklist:
    facility: Facility
    today: date
    expected: list[WorklistRow]
    recently_released: list[WorklistRow]
    in_custody: list[WorklistRow]


def _rows(stmt) -> list[WorklistRow]:
    return [WorklistRow(episode, person) for episode, person in db.session.execute(stmt)]


def _base(facility: Facility):
    return (select(CustodyEpisode, Participant)
            .join(Participant, CustodyEpisode.participant_id == Participant.id)
            .where(CustodyEpisode.facility_id == facility.id, CustodyEpisode.is_voided.is_(False),
                   Participant.is_voided.is_(False)))


def _no_kit_event(*conditions):
    return ~exists().where(KitEvent.episode_id == CustodyEpisode.id, KitEvent.is_voided.is_(False),
                           *conditions)


def build_worklist(facility: Facility, today: date | None = None) -> Worklist:
    """The three lists for one facility, each row with its trained / kit / risk / packet columns."""
    from reentry.naloxone.services import facility_today, kit_status_by_episode

    today = today or facility_today(facility)
    expected = _rows(
        _base(facility)
        .where(CustodyEpisode.release_date.is_(None),
               CustodyEpisode.expected_release_date.between(today, today + timedelta(days=EXPECTED_DAYS)))
        .order_by(CustodyEpisode.expected_release_date, Participant.search_name))
    recent = _rows(
        _base(facility)
        .where(CustodyEpisode.release_date.between(today - timedelta(days=RECENT_RELEASE_DAYS), today),
               _no_kit_event())
        .order_by(CustodyEpisode.release_date.desc(), Participant.search_name))
    history = opioid_history_episode_ids(facility.id)
    in_custody = []
    if history:
        in_custody = _rows(
            _base(facility)
            .where(CustodyEpisode.release_date.is_(None), CustodyEpisode.id.in_(history),
                   _no_kit_event(and_(KitEvent.outcome == "property")))
            .order_by(CustodyEpisode.housing_unit, Participant.search_name))
    rows = expected + recent + in_custody
    ids = [row.episode.id for row in rows]
    kits = kit_status_by_episode(ids)
    trained = trained_episode_ids(ids)
    flags = risk_flags_by_episode(ids)
    printed = packet_printed_episode_ids(ids)
    for row in rows:
        status = kits.get(row.episode.id, {})
        row.kit_given = status.get("given", 0)
        row.kit_in_property = status.get("in_property", False)
        row.kit_declined = status.get("declined", False)
        row.is_trained = row.episode.id in trained
        row.risk_flags = flags.get(row.episode.id, [])
        row.packet_printed = row.episode.id in printed
        row.packet_url = packet_print_url(row.episode.id)
    return Worklist(facility, today, expected, recent, in_custody)
