"""Stock is the sum of movement rows and never goes below zero."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reentry.errors import DomainError
from reentry.extensions import db
from reentry.naloxone import services
from reentry.naloxone.models import StockMovement
from tests.clock import today
from tests.naloxone.conftest import kit

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def test_stock_is_the_sum_of_movements(app, make_lot, make_facility):
    lot = make_lot(quantity=20)
    services.waste_stock(None, lot, 2, "damaged")
    services.record_kit_event(None, lot.facility, kit(lot, kits=3), token=services.new_token())
    other = make_facility("OTHER")
    target = services.transfer_stock(None, lot, other, 5)
    services.adjust_count(None, lot, 9, "box found short")
    db.session.commit()
    assert services.lot_stock(lot.id) == 9
    assert services.lot_stock(target.id) == 5
    assert target.funding_source_id == lot.funding_source_id and target.lot_number == lot.lot_number
    total = db.session.scalar(select(func.sum(StockMovement.quantity)).where(StockMovement.lot_id == lot.id))
    assert total == 9
    adjust = db.session.scalar(select(StockMovement).where(StockMovement.kind == "adjust"))
    assert (adjust.counted, adjust.expected, adjust.quantity, adjust.reason) == (9, 10, -1, "box found short")


def test_each_lots_running_total_is_the_sum_of_its_movements(app, make_lot, make_facility):
    from reentry.naloxone.models import Lot

    lot = make_lot(quantity=30)
    event, _ = services.record_kit_event(None, lot.facility, kit(lot, kits=4), token=services.new_token())
    services.void_kit_event(None, event, "Entered for the wrong person")  # the 4 kits go back
    services.waste_stock(None, lot, 1, "expired")
    services.transfer_stock(None, lot, make_facility("OTHER"), 6)
    services.adjust_count(None, lot, 20, "recount")
    db.session.commit()
    ledger = dict(db.session.execute(select(StockMovement.lot_id, func.sum(StockMovement.quantity))
                                     .group_by(StockMovement.lot_id)).all())
    totals = dict(db.session.execute(select(Lot.id, Lot.on_hand)).all())
    assert totals == ledger and totals[lot.id] == 20 and sorted(totals.values()) == [6, 20]


def test_the_database_refuses_a_negative_running_total(app, make_lot):
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    from reentry.naloxone.models import Lot

    lot = make_lot(quantity=1)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(Lot).where(Lot.id == lot.id).values(on_hand=-1))
        db.session.flush()
    db.session.rollback()


def test_cannot_take_more_than_on_hand(app, make_lot):
    lot = make_lot(quantity=2)
    with pytest.raises(services.OutOfStock):
        services.record_kit_event(None, lot.facility, kit(lot, kits=3), token=services.new_token())
    db.session.rollback()
    with pytest.raises(services.OutOfStock):
        services.waste_stock(None, lot, 3, "lost")
    db.session.rollback()
    assert services.lot_stock(lot.id) == 2


def test_waste_needs_a_listed_reason_and_adjust_a_reason(app, make_lot):
    lot = make_lot(quantity=2)
    with pytest.raises(DomainError) as error:
        services.waste_stock(None, lot, 1, "stolen")
    assert error.value.field == "reason"
    with pytest.raises(DomainError):
        services.adjust_count(None, lot, 1, "  ")


def test_expired_and_recalled_lots_cannot_be_given(app, make_lot):
    expired = make_lot(quantity=5, expiry=today() - timedelta(days=1))
    with pytest.raises(services.LotNotUsable, match="expired"):
        services.record_kit_event(None, expired.facility, kit(expired), token=services.new_token())
    db.session.rollback()
    lot = make_lot(quantity=5)
    services.recall_lot(None, lot, "manufacturer notice 2026-11")
    db.session.commit()
    with pytest.raises(services.LotNotUsable, match="recalled"):
        services.record_kit_event(None, lot.facility, kit(lot), token=services.new_token())


def test_lots_offered_first_expiring_first_without_unusable_ones(app, make_lot):
    late = make_lot(expiry=today() + timedelta(days=700))
    soon = make_lot(expiry=today() + timedelta(days=20))
    make_lot(expiry=today() - timedelta(days=2))
    recalled = make_lot(expiry=today() + timedelta(days=10))
    services.recall_lot(None, recalled, "notice")
    empty = make_lot(quantity=1, expiry=today() + timedelta(days=5))
    services.waste_stock(None, empty, 1, "damaged")
    db.session.commit()
    assert [lot.id for lot, _ in services.distributable_lots(late.facility)] == [soon.id, late.id]


def test_recall_marks_every_facility_and_lists_who_to_contact(app, make_lot, make_facility, make_episode):
    lot = make_lot(quantity=10, lot_number="RC-1")
    other = make_facility("OTHER")
    moved = services.transfer_stock(None, lot, other, 4)
    episode = make_episode()
    given, _ = services.record_kit_event(None, lot.facility, kit(lot, kits=2), token=services.new_token(),
                                         episode=episode)
    there = make_episode(at=other)
    services.record_kit_event(None, other, kit(moved, outcome="property"), token=services.new_token(), episode=there)
    declined, _ = services.record_kit_event(None, lot.facility, kit(None, outcome="declined",
                                            decline_reason="has_kit"), token=services.new_token(), episode=episode)
    voided, _ = services.record_kit_event(None, lot.facility, kit(lot), token=services.new_token())
    services.void_kit_event(None, voided, "entered twice")
    services.recall_lot(None, lot, "FDA recall notice")
    db.session.commit()
    assert moved.is_recalled and lot.is_recalled
    rows = services.recall_contacts(lot)
    assert [(e.id, p.id if p else None, fac.code) for e, p, fac, _b in rows] == [
        (given.id, episode.participant_id, lot.facility.code),
        (rows[1][0].id, there.participant_id, "OTHER"),
    ]
    csv_rows = list(services.recall_csv_rows(lot))
    assert csv_rows[0][3] == episode.booking_id and csv_rows[0][5] == episode.participant.last_name


def test_alerts_low_stock_expiring_recalled_and_overdue_checks(app, make_lot, facility):
    lot = make_lot(quantity=40)
    for _ in range(30):  # 30 kits in 90 days: 1 every 3 days; 30 days of supply = 10 kits
        services.record_kit_event(None, facility, kit(lot), token=services.new_token())
    services.waste_stock(None, lot, 5, "damaged")
    expiring = make_lot(quantity=1, product_code="kloxxado-8mg", expiry=today() + timedelta(days=30))
    recalled = make_lot(quantity=2, product_code="zimhi-5mg")
    services.recall_lot(None, recalled, "notice")
    weekly = services.create_location(None, facility, "Unit B cabinet", "housing_cabinet", 7)
    services.create_location(None, facility, "Pharmacy", "pharmacy", None)
    bag = services.create_location(None, facility, "Emergency bag 1", "emergency_bag", 30)
    services.record_storage_check(None, bag, counted=3, expired=0, missing=1)
    db.session.commit()
    alerts = services.facility_alerts(facility)
    assert [(r["product"].code, r["on_hand"], r["minimum"]) for r in alerts.below_minimum] == [("narcan-4mg", 5, 10)]
    assert [lot.id for lot, _ in alerts.expiring] == [expiring.id]
    assert [lot.id for lot, _ in alerts.recalled_in_stock] == [recalled.id]
    flagged = {s.location.id: (s.is_overdue, s.has_missing) for s in alerts.locations}
    assert flagged[weekly.id] == (True, False)  # never checked
    assert flagged[bag.id] == (False, True)
    assert alerts.count == 5
    services.set_stock_minimum(None, facility, 10)  # 10 days: 4 kits needed, 5 on hand
    assert services.facility_alerts(facility).below_minimum == []


def test_overdue_after_the_schedule_passes(app, facility):
    location = services.create_location(None, facility, "Unit C cabinet", "housing_cabinet", 7)
    services.record_storage_check(None, location, 5, 0, 0, checked_at=services.utcnow() - timedelta(days=9))
    db.session.commit()
    [status] = services.location_statuses(facility)
    assert status.is_overdue
    services.record_storage_check(None, location, 5, 0, 0)
    [status] = services.location_statuses(facility)
    assert not status.is_overdue
