"""Kit events: rules, idempotent submits, concurrency on the last kit, corrections and voids."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reentry.audit.models import AuditEvent
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.naloxone import services
from reentry.naloxone.models import KitEvent, Lot, StockMovement
from reentry.participants.models import CustodyEpisode
from tests.naloxone.conftest import kit

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def _in_threads(app, count, work):
    """Run work(i) in `count` threads, each with its own app context (own session and connection),
    released together by a barrier. Returns the results or exceptions, in thread order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[i] = work(i)
                db.session.commit()
            except Exception as error:  # collected and asserted by the test
                db.session.rollback()
                results[i] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_staff_giving_the_last_kit_at_once_give_one(app, make_lot, make_episode):
    lot = make_lot(quantity=1)
    lot_id, facility_id = lot.id, lot.facility_id
    episodes = [make_episode().id, make_episode().id]
    db.session.remove()

    def give(i):
        fresh = db.session.get(Lot, lot_id)
        event, _ = services.record_kit_event(None, fresh.facility, kit(fresh), token=services.new_token(),
                                             episode=db.session.get(CustodyEpisode, episodes[i]))
        return event.id

    results = _in_threads(app, 2, give)
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert sum(isinstance(r, services.OutOfStock) for r in results) == 1, results
    assert services.lot_stock(lot_id) == 0
    assert db.session.scalar(select(func.count(KitEvent.id)).where(KitEvent.facility_id == facility_id)) == 1


@pytest.mark.parametrize("outcome", ["handed", "declined"])
def test_a_double_click_makes_one_record(app, make_lot, make_episode, outcome):
    """Two submits of one form at the same moment: one row. A given kit meets at the lot lock; a
    declined one (no lot) at the UNIQUE token, whose loser finds the winner's row."""
    lot = make_lot(quantity=5)
    lot_id, episode_id = lot.id, make_episode().id
    token = services.new_token()
    db.session.remove()

    def submit(_i):
        fresh = db.session.get(Lot, lot_id)
        details = kit(fresh) if outcome == "handed" else kit(None, outcome="declined", decline_reason="has_kit")
        event, created = services.record_kit_event(None, fresh.facility, details, token=token,
                                                   episode=db.session.get(CustodyEpisode, episode_id))
        return event.id, created

    results = _in_threads(app, 2, submit)
    assert all(isinstance(r, tuple) for r in results), results
    assert results[0][0] == results[1][0]
    assert sorted(created for _, created in results) == [False, True]
    assert db.session.scalar(select(func.count(KitEvent.id))) == 1
    assert services.lot_stock(lot_id) == (4 if outcome == "handed" else 5)


def test_a_resubmitted_declined_form_makes_one_record(app, facility, make_episode):
    episode = make_episode()
    token = services.new_token()
    details = kit(None, outcome="declined", decline_reason="distrust")
    first, created = services.record_kit_event(None, facility, details, token=token, episode=episode)
    again, created_again = services.record_kit_event(None, facility, details, token=token, episode=episode)
    assert created and not created_again and first.id == again.id


def test_rules_of_a_kit_event(app, facility, make_lot, make_episode, make_facility):
    lot = make_lot()
    cases = [
        (kit(None), "lot"),
        (kit(None, outcome="declined"), "decline_reason"),
        (kit(None, outcome="declined", decline_reason="other"), "decline_other"),
        (kit(lot, outcome="declined", decline_reason="has_kit"), "lot"),
        (kit(lot, decline_reason="distrust"), "decline_reason"),
        (kit(lot, supply="repeat"), "repeat_reason"),
        (kit(lot, repeat_reason="lost"), "repeat_reason"),
        (kit(lot, kits=0), "kits"),
        (kit(lot, occurred_at=services.utcnow() + timedelta(hours=2)), "occurred_at"),
        (kit(lot, context="party"), "context"),
    ]
    for details, field in cases:
        with pytest.raises(DomainError) as error:
            services.record_kit_event(None, facility, details, token=services.new_token())
        assert error.value.field == field, (details, error.value.message)
    elsewhere = make_episode(at=make_facility("ELSEWHERE"))
    with pytest.raises(DomainError) as error:
        services.record_kit_event(None, facility, kit(lot), token=services.new_token(), episode=elsewhere)
    assert error.value.field == "episode"


def test_event_fields_trace_to_lot_funding_and_are_audited(app, facility, make_lot, make_episode, make_user):
    staff = make_user("staff", [facility])
    lot = make_lot()
    episode = make_episode()
    event, _ = services.record_kit_event(
        staff, facility, kit(lot, kits=2, outcome="property", supply="repeat", repeat_reason="confiscated"),
        token=services.new_token(), episode=episode)
    db.session.commit()
    assert (event.participant_id, event.episode_id, event.staff_id) == (episode.participant_id, episode.id, staff.id)
    assert event.product.code == "narcan-4mg" and event.lot.funding_source.code == "state-program"
    assert event.was_trained_before is False  # no completed training before the kit
    assert event.event_date == services.local_date(facility, event.occurred_at)
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "kit_event.create"))
    assert row.entity_id == str(event.id) and row.actor_id == staff.id and '"outcome"' in row.changes
    assert services.lot_stock(lot.id) == 8


def test_property_pickup_recorded_later(app, facility, make_lot, make_episode):
    lot = make_lot()
    event, _ = services.record_kit_event(None, facility, kit(lot, outcome="property"), token=services.new_token(),
                                         episode=make_episode())
    assert event.property_picked_up is None
    services.record_property_pickup(None, event, False)
    assert event.property_picked_up is False and event.picked_up_recorded_at is not None
    handed, _ = services.record_kit_event(None, facility, kit(lot), token=services.new_token())
    with pytest.raises(DomainError):
        services.record_property_pickup(None, handed, True)


def test_corrections_are_audited_and_move_stock(app, facility, make_lot):
    first, second = make_lot(quantity=5), make_lot(quantity=5)
    event, _ = services.record_kit_event(None, facility, kit(first, kits=2), token=services.new_token())
    services.correct_kit_event(None, event, kit(second, kits=3, occurred_at=event.occurred_at))
    db.session.commit()
    assert (services.lot_stock(first.id), services.lot_stock(second.id)) == (5, 2)
    services.correct_kit_event(None, event, kit(None, outcome="declined", decline_reason="no_need",
                                                occurred_at=event.occurred_at))
    db.session.commit()
    assert services.lot_stock(second.id) == 5 and event.lot_id is None
    changes = db.session.scalars(select(AuditEvent.changes).where(AuditEvent.action == "kit_event.update")).all()
    assert len(changes) == 2 and '"lot_id"' in changes[0] and '"outcome": ["handed", "declined"]' in changes[1]


def test_void_needs_a_reason_returns_stock_and_keeps_the_row(app, facility, make_lot):
    lot = make_lot(quantity=3)
    event, _ = services.record_kit_event(None, facility, kit(lot, kits=2), token=services.new_token())
    with pytest.raises(DomainError):
        services.void_kit_event(None, event, " ")
    services.void_kit_event(None, event, "recorded for the wrong person")
    db.session.commit()
    assert event.is_voided and services.lot_stock(lot.id) == 3
    assert db.session.get(KitEvent, event.id) is not None
    with pytest.raises(DomainError):
        services.correct_kit_event(None, event, kit(lot))
    kinds = db.session.scalars(select(StockMovement.kind).where(StockMovement.lot_id == lot.id)
                               .order_by(StockMovement.id)).all()
    assert kinds == ["receive", "distribute", "return"]


def test_anonymous_bulk_entry_counts_only_and_is_idempotent(app, facility, make_lot):
    lot = make_lot(quantity=20)
    token = services.new_token()
    events = services.record_bulk_distribution(None, facility, token=token, occurred_at=services.utcnow(),
                                               context="community", lot=lot,
                                               counts={"community": 5, "family": 2, "staff": 0})
    again = services.record_bulk_distribution(None, facility, token=token, occurred_at=services.utcnow(),
                                              context="community", lot=lot, counts={"community": 5, "family": 2})
    db.session.commit()
    assert sorted((e.recipient_type, e.kits) for e in events) == [("community", 5), ("family", 2)]
    assert [e.id for e in again] == [e.id for e in events]
    assert all(e.is_anonymous and e.participant_id is None for e in events)
    assert services.lot_stock(lot.id) == 13
    with pytest.raises(DomainError):
        services.record_bulk_distribution(None, facility, token=services.new_token(), occurred_at=services.utcnow(),
                                          context="community", lot=lot, counts={"community": 0})


def test_reversal_prefilled_from_a_repeat_kit_for_used(app, facility, make_lot, make_episode):
    lot = make_lot()
    episode = make_episode()
    earlier, _ = services.record_kit_event(None, facility, kit(lot, occurred_at=services.utcnow() - timedelta(days=40)),
                                           token=services.new_token(), episode=episode)
    repeat, _ = services.record_kit_event(None, facility, kit(lot, supply="repeat", repeat_reason="used"),
                                          token=services.new_token(), episode=episode)
    prefill = services.reversal_prefill(repeat)
    assert prefill["kit_event"] == earlier.id and prefill["naloxone_source"] == "our_kit"
    assert prefill["zip_code"] == "43215" and prefill["reporter_type"] == "participant"
    details = services.ReversalDetails(
        occurred_on=prefill["occurred_on"], reporter_type="participant", location_type="home",
        giver_type="participant", outcome="survived", doses_used=2, called_911="yes", ems_came="no",
        naloxone_source="our_kit", kit_event=earlier, age_band="25_34", gender="man")
    token = services.new_token()
    report, created = services.record_reversal(None, facility, details, token=token, participant=episode.participant)
    again, created_again = services.record_reversal(None, facility, details, token=token)
    db.session.commit()
    assert created and not created_again and again.id == report.id
    assert report.lot_id == lot.id and report.lot.funding_source.code == "state-program"
    details.naloxone_source = "elsewhere"
    with pytest.raises(DomainError) as error:
        services.record_reversal(None, facility, details, token=services.new_token())
    assert error.value.field == "naloxone_source"


def test_a_reversal_dated_after_the_facilitys_today_is_refused(app, facility):
    """At 21:00 in New York (02:00 UTC the next day) tomorrow's date is in the future there."""
    from datetime import UTC, date, datetime

    import time_machine

    with time_machine.travel(datetime(2026, 12, 4, 2, 0, tzinfo=UTC), tick=False):
        details = services.ReversalDetails(occurred_on=date(2026, 12, 4), reporter_type="participant",
                                           location_type="home", giver_type="participant", outcome="survived",
                                           doses_used=1)
        with pytest.raises(DomainError) as error:
            services.record_reversal(None, facility, details, token=services.new_token())
        assert error.value.field == "occurred_on"
        details.occurred_on = date(2026, 12, 3)
        report, created = services.record_reversal(None, facility, details, token=services.new_token())
        assert created and report.occurred_on == date(2026, 12, 3)
