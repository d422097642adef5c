"""Release packets for real people: who leaves on a day, and each person's packet input.

The builders (builders.py) know nothing of the database; this module gathers a person's data
(their screening's flags, destination, the naloxone they were given, their certificate) into the
builders' input, for the `reentry packets` command and the print buttons.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import and_, or_, select

from reentry.documents import builders, services
from reentry.extensions import db
from reentry.participants import services as participants
from reentry.participants.models import CustodyEpisode, Participant


def releases_on(facility_id: int, day: date) -> list[CustodyEpisode]:
    """Episodes of a facility leaving on a day: released then, or expected then and still open."""
    stmt = (
        select(CustodyEpisode).join(Participant)
        .where(CustodyEpisode.facility_id == facility_id, CustodyEpisode.is_voided.is_(False),
               Participant.is_voided.is_(False))
        .where(or_(CustodyEpisode.release_date == day,
                   and_(CustodyEpisode.release_date.is_(None), CustodyEpisode.expected_release_date == day)))
        .order_by(Participant.search_name, CustodyEpisode.id)
    )
    return list(db.session.scalars(stmt))


def product_given(episode: CustodyEpisode) -> str | None:
    """The catalog code of the naloxone given on this episode (None: the packet prints the
    generic page and where to get naloxone free)."""
    from reentry.naloxone.services import product_given_for_episode

    return product_given_for_episode(episode.id)


def packet_for(participant: Participant, episode: CustodyEpisode | None, lang: str | None = None,
               personal: bool | None = None, *, facility_ids: set[int] | None) -> builders.PacketInput:
    """One person's packet input, in their preferred language unless one is given. The sheet of
    flags about them is in it only if they chose it: `personal` is the choice given at print
    time, None for the one recorded with their screening. Screening, flags and certificate come
    only from `facility_ids` (the printer's facilities; None: all)."""
    lang = lang or participant.preferred_language
    assessment = participants.assess_episode(participant, episode, facility_ids=facility_ids)
    recorded = assessment.wants_personal_flags_printed
    chosen = recorded if personal is None else bool(personal)
    name = " ".join(p for p in (participant.first_name, participant.last_name) if p)
    warning = builders.warning_input_from_assessment(assessment, name, lang, personal=chosen)
    release = (episode.release_date or episode.expected_release_date) if episode else None
    packet = services.assemble_packet(participant, warning, release_date=release,
                                      product_code=product_given(episode) if episode else None,
                                      facility_ids=facility_ids, lang=lang)
    return replace(packet, episode_id=episode.id if episode else None, personal_flags_recorded=recorded,
                   personal_flags_chosen=chosen)


def packets_for_day(facility_id: int, day: date, lang: str | None = None) -> list[builders.PacketInput]:
    """The packets of everyone leaving a facility on a day, from that facility's records only."""
    return [packet_for(episode.participant, episode, lang, facility_ids={facility_id})
            for episode in releases_on(facility_id, day)]
