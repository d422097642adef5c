"""The dashboard's stored closed months: stored once, read back, and never stale after a late edit.

The fixed world's months (January to March 2026) are long closed by the real clock, so the
dashboard for 31 March 2026 stores April 2025 to February 2026 and counts March live. Every test
compares the dashboard with the same months counted live by the report queries.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from reentry.extensions import db
from reentry.reports import metrics, rollups
from reentry.reports.dashboard import build_dashboard, month_rows, window
from reentry.reports.models import MonthRollup, RollupStale
from reentry.reports.services import ReportParams, _resolve
from tests.reports.conftest import utc

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


TODAY = date(2026, 3, 31)


def live_rows(actor=None) -> list[list]:
    start, end = window(TODAY)
    params = ReportParams(start, end)
    return month_rows(params, _resolve(actor, params))


def stored() -> dict:
    return {(r.facility_id, r.month): r for r in db.session.scalars(select(MonthRollup))}


def marks() -> dict:
    return {(r.facility_id, r.month): r.generation for r in db.session.scalars(select(RollupStale))}


def stale() -> set:
    """Months the dashboard for TODAY stores (March is its open month: counted live) whose mark is
    newer than their rollup."""
    counted = {key: r.generation for key, r in stored().items()}
    return {key for key, generation in marks().items() if key[1] <= "2026-02" and counted.get(key, -1) < generation}


def dashboard_months(actor=None) -> list[list]:
    board = build_dashboard(actor, TODAY)
    db.session.commit()  # as the page does
    return board.months


def test_closed_months_are_stored_then_read_back(world):
    assert dashboard_months() == live_rows()
    closed = metrics.months_between(date(2025, 4, 1), date(2026, 2, 28))
    assert set(stored()) == {(f.id, m) for f in (world.oh, world.ca) for m in closed}
    january = stored()[(world.oh.id, "2026-01")]
    assert (january.releases, january.releases_with_kit, january.kits, january.offered, january.reversals) == \
        (2, 1, 2, 3, 3)
    assert (january.tested_items, january.pre_correct, january.post_correct) == (15, 0, 15)

    # The second visit reads the stored row: a figure changed behind its back shows through.
    january.kits = 99
    db.session.commit()
    assert dict(zip(["month", "releases", "releases_with_kit", "pct_with_kit", "high_need_pct_with_kit", "kits"],
                    dashboard_months()[9]))["kits"] == 99 + 1  # 1 at CA-B


def test_a_manager_of_one_facility_sees_only_its_stored_months(world, make_user):
    manager = make_user("manager", [world.ca])
    assert dashboard_months(manager) == live_rows(manager)
    assert {fid for fid, _ in stored()} == {world.ca.id}


def _kit_in_january(world):
    from reentry.naloxone import services as naloxone
    from reentry.naloxone.models import Lot

    lot = db.session.scalar(select(Lot).where(Lot.lot_number == "A1"))
    details = naloxone.KitDetails(occurred_at=utc(2026, 1, 20, 15), context="release", outcome="handed",
                                  recipient_type="participant", kits=2, lot=lot, supply="first")
    naloxone.record_kit_event(None, world.oh, details, token=naloxone.new_token(), episode=world.episodes["E2"])


def _void_a_january_kit(world):
    from reentry.naloxone import services as naloxone
    from reentry.naloxone.models import KitEvent

    event = db.session.scalar(select(KitEvent).where(KitEvent.episode_id == world.episodes["E1"].id,
                                                     KitEvent.outcome == "handed"))
    naloxone.void_kit_event(None, event, "Recorded twice")


def _move_a_release_into_february(world):
    world.episodes["E3"].release_date = date(2026, 2, 10)


def _screen_a_january_release(world):
    from reentry.participants.models import ReleaseScreening

    e2 = world.episodes["E2"]
    db.session.add(ReleaseScreening(participant_id=e2.participant_id, episode_id=e2.id, screened_on=date(2026, 1, 18),
                                    opioid_use_before_custody=True))


def _report_a_february_reversal(world):
    from reentry.naloxone.models import ReversalReport

    db.session.add(ReversalReport(token="late", facility_id=world.ca.id, reporter_type="staff",
                                  occurred_on=date(2026, 2, 20), location_type="home", giver_type="family",
                                  is_self_administered=False, doses_used=1, outcome="survived"))


def _train_someone_in_february(world):
    from reentry.training.models import CurriculumVersion, TrainingAttendee, TrainingSession

    version = db.session.scalar(select(CurriculumVersion))
    session = TrainingSession(facility_id=world.oh.id, curriculum_version_id=version.id,
                              starts_at=utc(2026, 2, 12, 15), format="group", language="en", status="completed")
    db.session.add(session)
    db.session.flush()
    db.session.add(TrainingAttendee(session_id=session.id, participant_id=world.episodes["E2"].participant_id,
                                    attendance="full", is_complete=True))


def _complete_a_january_attendee_late(world):
    from reentry.training.models import TrainingAttendee

    attendee = db.session.scalar(select(TrainingAttendee).where(TrainingAttendee.is_complete.is_(False)))
    attendee.is_complete = True  # CA-B's 31 January session (1 February in UTC)


def _correct_a_kit_into_february(world, make_user):
    from reentry.naloxone import services as naloxone
    from reentry.naloxone.models import KitEvent

    event = db.session.scalar(select(KitEvent).where(KitEvent.episode_id == world.episodes["E1"].id,
                                                     KitEvent.outcome == "handed"))
    naloxone.correct_kit_event(None, event, naloxone.KitDetails(
        occurred_at=utc(2026, 2, 3, 15), context="release", outcome="handed", recipient_type="participant",
        kits=1, lot=event.lot, supply="first"))


def _screen_without_an_episode(world, make_user):
    from reentry.participants.models import ReleaseScreening

    e2 = world.episodes["E2"]  # not linked to the episode, but taken during that custody
    db.session.add(ReleaseScreening(participant_id=e2.participant_id, screened_on=date(2026, 1, 5),
                                    opioid_use_before_custody=True))


def _void_a_january_session(world, make_user):
    from reentry.training import services as training
    from reentry.training.models import TrainingSession

    session = db.session.scalar(select(TrainingSession).where(TrainingSession.facility_id == world.oh.id)
                                .order_by(TrainingSession.starts_at))
    training.void_session(make_user("manager", [world.oh]), session, "Entered twice")


def _move_a_session_into_february(world, make_user):
    from reentry.training.models import TrainingSession

    session = db.session.scalar(select(TrainingSession).where(TrainingSession.facility_id == world.oh.id)
                                .order_by(TrainingSession.starts_at))
    session.starts_at = utc(2026, 2, 10, 15)


def _void_a_january_release(world, make_user):
    world.episodes["E2"].is_voided = True


# These edits need a user (voiding a session is a manager's act), hence a second list.
@pytest.mark.parametrize("edit", [
    _correct_a_kit_into_february, _screen_without_an_episode, _void_a_january_session, _move_a_session_into_february,
    _void_a_january_release,
])
def test_more_late_edits_are_counted_again(world, make_user, edit):
    before = dashboard_months()
    edit(world, make_user)
    db.session.commit()
    assert stale(), "the edit touched a closed month: it must be marked"
    after = dashboard_months()
    assert after == live_rows() and after != before
    assert stale() == set()


@pytest.mark.parametrize("edit", [
    _kit_in_january, _void_a_january_kit, _move_a_release_into_february, _screen_a_january_release,
    _report_a_february_reversal, _train_someone_in_february, _complete_a_january_attendee_late,
])
def test_a_late_edit_marks_its_month_and_the_dashboard_counts_it_again(world, edit):
    before = dashboard_months()
    edit(world)
    db.session.commit()
    assert stale(), "the edit touched a closed month: it must be marked"
    after = dashboard_months()
    assert after == live_rows() and after != before
    assert stale() == set()  # counted again and stored
    assert dashboard_months() == live_rows()  # and the stored figures are the live ones


def test_a_roster_import_that_releases_people_in_a_closed_month_marks_it(world, runner, tmp_path):
    dashboard_months()
    path = tmp_path / "roster.csv"
    path.write_text("booking_id,last_name,first_name,date_of_birth,release_date\n"
                    "R1,Roster,Test,1990-01-01,2026-02-10\n", encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(path), "--facility", "OH-A"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert stale() == {(world.oh.id, "2026-02")}
    months = dashboard_months()
    assert months == live_rows() and months[10][:2] == ["2026-02", 1]


def test_edits_in_the_open_month_mark_nothing(world):
    from reentry.naloxone import services as naloxone
    from reentry.naloxone.models import Lot

    lot = db.session.scalar(select(Lot).where(Lot.lot_number == "A1"))
    details = naloxone.KitDetails(occurred_at=datetime.now(timezone.utc), context="community", outcome="handed",
                                  recipient_type="community", kits=1, lot=lot, supply="first")
    dashboard_months()  # counts the world's own months, clearing the marks its set-up made
    before = marks()
    naloxone.record_kit_event(None, world.oh, details, token=naloxone.new_token())
    db.session.commit()
    assert marks() == before


def test_a_time_zone_change_redates_sessions_and_throws_the_facilitys_rollups_away(world):
    from reentry.facilities.services import update_facility
    from reentry.training.models import TrainingSession

    before = dashboard_months()
    ca = world.ca
    late_session = db.session.scalar(select(TrainingSession).where(TrainingSession.facility_id == ca.id))
    assert late_session.held_on == date(2026, 1, 31)  # 8 pm on 31 January in Los Angeles
    update_facility(None, ca, name=ca.name, type_=ca.type, state=ca.state, county=ca.county,
                    timezone="America/Denver", is_active=True, require_mfa=False)
    db.session.commit()
    assert {fid for fid, _ in stored()} == {world.oh.id}
    db.session.refresh(late_session)
    assert late_session.held_on == date(2026, 1, 31)  # 9 pm in Denver: the same day
    update_facility(None, ca, name=ca.name, type_=ca.type, state=ca.state, county=ca.county,
                    timezone="Europe/London", is_active=True, require_mfa=False)
    db.session.commit()
    db.session.refresh(late_session)
    assert late_session.held_on == date(2026, 2, 1)  # 4 am on 1 February in London
    after = dashboard_months()
    assert after == live_rows() and after != before  # the session moved from January to February


def test_a_late_edit_during_a_count_leaves_the_month_stale(world):
    dashboard_months()
    key = (world.oh.id, "2026-01")
    rollups.mark_stale(db.session, [key])
    db.session.commit()
    figures, generations = rollups.fresh([world.oh], ["2026-01"], datetime.now(timezone.utc))
    assert key not in figures
    rollups.mark_stale(db.session, [key])  # another late edit commits while the month is counted
    rollups.store({key: metrics.MonthFigures(releases=2)}, generations)
    db.session.commit()
    assert key in stale()  # so the next visit counts it again


def test_a_slow_count_never_replaces_a_newer_one(world):
    """Two visits count January at once; an edit lands between their starts; the one that
    began first finishes last. Its older figures must not win."""
    dashboard_months()
    key = (world.oh.id, "2026-01")
    now = datetime.now(timezone.utc)
    _, slow = rollups.fresh([world.oh], ["2026-01"], now)  # first visit starts counting
    rollups.mark_stale(db.session, [key])  # a late edit
    db.session.commit()
    _, quick = rollups.fresh([world.oh], ["2026-01"], now)  # second visit starts, sees the edit
    rollups.store({key: metrics.MonthFigures(releases=5)}, quick)  # and finishes first
    rollups.store({key: metrics.MonthFigures(releases=4)}, slow)  # the first visit finishes last
    db.session.commit()
    assert stored()[key].releases == 5 and key not in stale()


@pytest.mark.parametrize("now, closed", [
    (utc(2026, 11, 2, 7, 59), False),  # 1 November, 11:59 pm in Los Angeles: October only just ended
    (utc(2026, 11, 2, 8, 1), True),   # 2 November, 12:01 am there
])
def test_a_month_is_stored_only_from_the_second_local_day_after_it(now, closed):
    from reentry.facilities.models import Facility

    los_angeles = Facility(code="LA", timezone="America/Los_Angeles")
    assert rollups.is_closed("2026-10", los_angeles, now) is closed
    assert rollups.is_closed("2026-11", los_angeles, now) is False


def test_rollups_refresh_command_stores_what_is_missing(world, runner):
    with time_machine.travel(utc(2026, 4, 20, 12), tick=False):
        result = runner.invoke(args=["rollups", "refresh"])
        assert result.exit_code == 0, result.output
        assert "stored 22 facility-months" in result.output  # May 2025 to March 2026 x 2 facilities
        again = runner.invoke(args=["rollups", "refresh"])
        assert "stored 0 facility-months" in again.output
    assert stored()[(world.oh.id, "2026-01")].kits == 2


def test_the_month_just_ended_is_stored_only_from_its_second_day(world, runner):
    with time_machine.travel(utc(2026, 4, 1, 12), tick=False):  # 1 April in both time zones
        runner.invoke(args=["rollups", "refresh"])
    assert not any(month == "2026-03" for _, month in stored())
    with time_machine.travel(utc(2026, 4, 2, 12), tick=False):
        runner.invoke(args=["rollups", "refresh"])
    assert {fid for fid, month in stored() if month == "2026-03"} == {world.oh.id, world.ca.id}
