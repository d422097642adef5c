"""The release worklist of a facility.

Three lists: releases expected today and in the next 7 days; people released in the last 72 hours
with no kit recorded; people in custody with opioid-use history and no kit in their property yet.
Each list is one query plus one batched lookup per column, so 500 rows stay fast.

The columns read data that other features own (trainings, screening and risk, packets), each
through that feature's own service.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, exists, select

from reentry.documents.services import packet_printed_episode_ids
from reentry.extensions import db
from reentry.facilities.models import Facility
from reentry.facilities.services import local_date
from reentry.naloxone.models import KitEvent
from reentry.participants.models import CustodyEpisode, Participant
from reentry.participants.services import opioid_history_episode_ids, risk_flags_by_episode
from reentry.training.services import first_completion_by_participant

EXPECTED_DAYS = 7
RECENT_RELEASE_DAYS = 3  # 72 hours, counted in whole local days because release dates are dates


def trained_episode_ids(episodes) -> set[int]:
    """Episodes whose person had completed a training by the day they left (or by now, if
    still in custody), at the episode's own facility: another facility's training is its record."""
    episodes = list(episodes)
    first = {facility_id: first_completion_by_participant(
                 (e.participant_id for e in episodes if e.facility_id == facility_id), facility_ids={facility_id})
             for facility_id in {e.facility_id for e in episodes}}
    trained = set()
    for episode in episodes:
        completed = first[episode.facility_id].get(episode.participant_id)
        # The completion moment as the facility's calendar date: release dates are local dates.
        if completed is not None and (episode.release_date is None
                                      or local_date(episode.facility, completed) <= episode.release_date):
            trained.add(episode.id)
    return trained


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
    # Someone expected out this week is already on the first list: show them once.
    history = opioid_history_episode_ids(facility.id) - {row.episode.id for row in expected}
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
    episodes = [row.episode for row in rows]
    trained = trained_episode_ids(episodes)
    flags = risk_flags_by_episode(episodes)
    printed = packet_printed_episode_ids(ids)
    for row in rows:
        status = kits.get(row.episode.id, {})
        row.kit_given = status.get("given", 0)
        row.kit_in_property = status.get("in_property", False)
        row.kit_declined = status.get("declined", False)
        row.is_trained = row.episode.id in trained
        row.risk_flags = flags.get(row.episode.id, [])
        row.packet_printed = row.episode.id in printed
    return Worklist(facility, today, expected, recent, in_custody)
