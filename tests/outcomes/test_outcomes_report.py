"""The outcomes report (issue 15): deaths after release checked against counts worked out by hand.

The world (`deaths_world`), dated back from each facility's today T (so it is marked `clock`):

facility A (New York), releases at T-400 unless said, all windows complete:
  p1  kit, trained, MOUD    opioid death on day 0
  p2  kit                   opioid death on day 14
  p3  trained               overdose (not opioid) on day 15
  p4  MOUD (buprenorphine)  opioid death on day 28
  p5                        other death (not overdose) on day 29
  p6  kit                   opioid death on day 90
  p7                        opioid death on day 365
  p8                        opioid death on day 366 (in no window)
  p9                        opioid death 10 days BEFORE the release (no earlier release: never counted)
  p10                       opioid death on day 10, link rejected (not counted)
  p11                       opioid death on day 10, link waiting for review (not counted)
  p12 released from A at T-400 and again from B at T-380; opioid death 10 days after the B release
      (counts for B only: the most recent release before death)
  p13 kit, released T-100   opioid death on day 5 (365 window not complete: in 14/28/90 only)
facility B (Los Angeles): p12's second release; p14 released T-10 (in no window yet); p15 released
  T-400, opioid death on day 20, link accepted on review (counted).
facility C: no releases.
Outside: p16 released from A at T-600 (before the period), opioid death on day 10 (before the
period); an opioid death of a person never released (unlinked), inside the period.
"""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from reentry.extensions import db
from tests.clock import today

pytestmark = pytest.mark.clock


# --------------------------------------------------------------------------- Wilson

def test_wilson_interval_against_published_values():
    """Hand computation with z = 1.959963984540054, z² = 3.841459:

    0 of 10: centre = (0 + 3.841459/20) / (1 + 0.3841459) = 0.192073/1.384146 = 0.138767;
        half = 1.959964/1.384146 * sqrt(0 + 3.841459/400) = 1.416008 * 0.098000 = 0.138767;
        (0, 0.277533) -> per 1,000: 0.0 to 277.5.
    5 of 100: centre = (0.05 + 0.019207) / 1.038415 = 0.066647;
        half = 1.887457 * sqrt(0.000475 + 0.0000960) = 1.887457 * 0.0238964 = 0.045103;
        (0.021544, 0.111750) -> 21.5 to 111.8 (Newcombe 1998 / Brown, Cai, DasGupta 2001: 0.0215-0.1118).
    50 of 1000: centre = (0.05 + 0.0019207) / 1.0038415 = 0.051722;
        half = 1.952490 * sqrt(0.0000475 + 0.00000096) = 1.952490 * 0.0069613 = 0.013592;
        (0.038130, 0.065314) -> 38.1 to 65.3.
    """
    from reentry.outcomes.report import rate_with_interval, wilson_interval

    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.277533, abs=1e-6)
    low, high = wilson_interval(5, 100)
    assert (low, high) == (pytest.approx(0.021544, abs=2e-6), pytest.approx(0.111750, abs=2e-6))
    low, high = wilson_interval(50, 1000)
    assert (low, high) == (pytest.approx(0.038130, abs=2e-6), pytest.approx(0.065314, abs=2e-6))
    low, high = wilson_interval(10, 10)  # symmetric to 0 of 10
    assert high == 1.0 and low == pytest.approx(1 - 0.277533, abs=1e-6)
    assert rate_with_interval(0, 10) == ("0.0", "0.0", "277.5")
    assert rate_with_interval(5, 100) == ("50.0", "21.5", "111.8")
    assert rate_with_interval(50, 1000) == ("50.0", "38.1", "65.3")
    assert rate_with_interval(0, 0) == ("", "", "")
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


# --------------------------------------------------------------------------- the world

@pytest.fixture
def deaths_world(app, make_facility):
    from reentry.naloxone import services as naloxone
    from reentry.naloxone.catalog import seed_catalog
    from reentry.naloxone.models import FundingSource, Product
    from reentry.outcomes.models import DeathLink, DeathRecord
    from reentry.participants.models import CustodyEpisode, Participant, ReleaseScreening
    from reentry.training import services as training
    from reentry.training.cli import DEFAULT_PATH
    from reentry.training.models import TrainingAttendee, TrainingSession
    from reentry.database import utcnow

    if db.session.scalar(select(Product.id)) is None:
        seed_catalog()
    a = make_facility("OUT-A", timezone="America/New_York")
    b = make_facility("OUT-B", timezone="America/Los_Angeles")
    c = make_facility("OUT-C", timezone="America/Chicago")
    ta, tb = today(a), today(b)
    narcan = naloxone.get_product_by_code("narcan-4mg")
    source = db.session.scalar(select(FundingSource).order_by(FundingSource.id))
    lot = naloxone.receive_lot(None, a, narcan, "OUT1", ta + timedelta(days=900), 50, source)
    version, _ = training.import_curriculum(None, DEFAULT_PATH)
    people = {}
    cases = iter(range(1, 1000))

    def release(name, facility, released, *, kit=False, trained=False, moud=None):
        person = people.get(name)
        if person is None:
            person = people[name] = Participant(last_name=f"Outcome{name}", first_name="Test")
            db.session.add(person)
            db.session.flush()
        episode = CustodyEpisode(participant_id=person.id, facility_id=facility.id, booking_id=f"{name}-{released}",
                                 custody_start=released - timedelta(days=30), release_date=released)
        db.session.add(episode)
        db.session.flush()
        if kit:
            naloxone.record_kit_event(None, facility, naloxone.KitDetails(
                occurred_at=utcnow(), context="release", outcome="handed", recipient_type="participant", kits=1,
                lot=lot, supply="first"), token=naloxone.new_token(), episode=episode)
        if trained:
            session = TrainingSession(facility_id=facility.id, curriculum_version_id=version.id,
                                      starts_at=utcnow() - timedelta(days=(ta - released).days + 5), format="group",
                                      language="en", status="completed", completed_at=utcnow())
            db.session.add(session)
            db.session.flush()
            db.session.add(TrainingAttendee(session_id=session.id, participant_id=person.id, attendance="full",
                                            is_complete=True))
        db.session.add(ReleaseScreening(participant_id=person.id, episode_id=episode.id,
                                        screened_on=released - timedelta(days=2), opioid_use_before_custody=True,
                                        on_methadone=None, on_buprenorphine=moud, on_naltrexone_xr=False))
        return episode

    def death(name, died_on, kind="opioid", status="linked", facility=None):
        record = DeathRecord(source="Test ME", case_number=f"OUT-{next(cases)}", last_name=f"Outcome{name}",
                             first_name="Test", date_of_death=died_on, is_overdose=kind in ("opioid", "overdose"),
                             is_opioid=kind == "opioid")
        db.session.add(record)
        db.session.flush()
        if name in people:
            db.session.add(DeathLink(death_record_id=record.id, participant_id=people[name].id,
                                     facility_id=(facility or a).id, match_probability=0.99, status=status))

    r = ta - timedelta(days=400)
    day = timedelta
    release("p1", a, r, kit=True, trained=True, moud=True); death("p1", r)
    release("p2", a, r, kit=True); death("p2", r + day(14))
    release("p3", a, r, trained=True); death("p3", r + day(15), "overdose")
    release("p4", a, r, moud=True); death("p4", r + day(28))
    release("p5", a, r); death("p5", r + day(29), "other")
    release("p6", a, r, kit=True); death("p6", r + day(90))
    release("p7", a, r); death("p7", r + day(365))
    release("p8", a, r); death("p8", r + day(366))
    release("p9", a, r); death("p9", r - day(10))
    release("p10", a, r); death("p10", r + day(10), status="rejected")
    release("p11", a, r); death("p11", r + day(10), status="review")
    release("p12", a, r)
    release("p12", b, tb - day(380)); death("p12", tb - day(370), facility=b)
    release("p13", a, ta - day(100), kit=True); death("p13", ta - day(95))
    release("p14", b, tb - day(10))
    release("p15", b, tb - day(400)); death("p15", tb - day(380), status="accepted", facility=b)
    release("p16", a, ta - day(600)); death("p16", ta - day(590))
    death("never-released", ta - day(200))
    db.session.commit()
    return a, b, c, ta - day(500), ta


def _params(start, end, codes=()):
    from reentry.reports.services import ReportParams

    return ReportParams(start, end, list(codes))


def _by_key(rows):
    return {(row[0], row[1], row[2]): row[3:7] for row in rows}


# Hand-computed (module docstring): (window, group) -> [releases, deaths_all, overdose, opioid] at A.
EXPECTED_A = {
    (14, "all"): [13, 3, 3, 3], (28, "all"): [13, 5, 5, 4], (90, "all"): [13, 7, 6, 5], (365, "all"): [12, 7, 6, 5],
    (14, "kit_at_release"): [4, 3, 3, 3], (28, "kit_at_release"): [4, 3, 3, 3],
    (90, "kit_at_release"): [4, 4, 4, 4], (365, "kit_at_release"): [3, 3, 3, 3],
    (14, "no_kit_at_release"): [9, 0, 0, 0], (28, "no_kit_at_release"): [9, 2, 2, 1],
    (90, "no_kit_at_release"): [9, 3, 2, 1], (365, "no_kit_at_release"): [9, 4, 3, 2],
    (14, "trained_before_release"): [2, 1, 1, 1], (28, "trained_before_release"): [2, 2, 2, 1],
    (90, "trained_before_release"): [2, 2, 2, 1], (365, "trained_before_release"): [2, 2, 2, 1],
    (14, "not_trained_before_release"): [11, 2, 2, 2], (28, "not_trained_before_release"): [11, 3, 3, 3],
    (90, "not_trained_before_release"): [11, 5, 4, 4], (365, "not_trained_before_release"): [10, 5, 4, 4],
    (14, "moud_at_release"): [2, 1, 1, 1], (28, "moud_at_release"): [2, 2, 2, 2],
    (90, "moud_at_release"): [2, 2, 2, 2], (365, "moud_at_release"): [2, 2, 2, 2],
    (14, "no_moud_at_release"): [11, 2, 2, 2], (28, "no_moud_at_release"): [11, 3, 3, 2],
    (90, "no_moud_at_release"): [11, 5, 4, 3], (365, "no_moud_at_release"): [10, 5, 4, 3],
}
# B: p12's second release and p15 (both no kit, not trained, no MOUD); p14 too recent for any window.
EXPECTED_B_ALL = {14: [2, 1, 1, 1], 28: [2, 2, 2, 2], 90: [2, 2, 2, 2], 365: [2, 2, 2, 2]}


def test_counts_match_the_hand_computed_world(deaths_world):
    from reentry.outcomes.report import GROUPS, WINDOWS, rate_with_interval
    from reentry.reports.services import run_report

    a, b, c, start, end = deaths_world
    result = run_report(None, "outcomes", _params(start, end))
    got = _by_key(result.rows)
    assert len(result.rows) == 4 * len(WINDOWS) * len(GROUPS)  # A, B, C and ALL
    for (window, group), counts in EXPECTED_A.items():
        assert got[("OUT-A", window, group)] == counts, (window, group)
    for window, counts in EXPECTED_B_ALL.items():
        assert got[("OUT-B", window, "all")] == counts
        assert got[("OUT-B", window, "no_kit_at_release")] == counts
        assert got[("OUT-B", window, "kit_at_release")] == [0, 0, 0, 0]
        total = [x + y for x, y in zip(EXPECTED_A[(window, "all")], counts)]
        assert got[("ALL", window, "all")] == total
    rows = {(row[0], row[1], row[2]): row for row in result.rows}
    for window in WINDOWS:
        for group in GROUPS:
            assert rows[("OUT-C", window, group)][3:] == [0, 0, 0, 0, "", "", ""]
    # 4 opioid deaths among 13 releases within 28 days: 307.7 per 1,000 with its Wilson interval.
    assert rows[("OUT-A", 28, "all")][7:] == ["307.7", *rate_with_interval(4, 13)[1:]]
    assert rows[("OUT-A", 28, "all")][7] == "307.7" and float(rows[("OUT-A", 28, "all")][8]) < 307.7


def test_csv_header_and_rows_are_the_contract(deaths_world):
    from reentry.reports.services import export_bytes, run_report

    a, b, c, start, end = deaths_world
    result = run_report(None, "outcomes", _params(start, end, ["OUT-A"]))
    text = export_bytes(result, "csv").decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == ("facility,window_days,group,releases,deaths_all,deaths_overdose,deaths_opioid,"
                        "rate_opioid_per_1000,ci_low,ci_high")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert {row[0] for row in rows} == {"OUT-A", "ALL"}
    assert ["OUT-A", "28", "all", "13", "5", "5", "4", "307.7"] == rows[[r[:3] for r in rows].index(
        ["OUT-A", "28", "all"])][:8]
    # One facility chosen: ALL is that facility.
    assert [r[1:] for r in rows if r[0] == "ALL"] == [r[1:] for r in rows if r[0] == "OUT-A"]


def test_scotland_indicator(deaths_world):
    """13 opioid deaths dated in the period (p16's is before it); within 28 days of release: p1,
    p2, p4, p12 (from B), p13, p15 (from B) = 6; from A alone: 4."""
    from reentry.outcomes.report import rate_with_interval
    from reentry.reports.services import run_report

    a, b, c, start, end = deaths_world
    result = run_report(None, "outcomes", _params(start, end))
    scotland = result.sections[1]
    assert scotland.columns == ["opioid_deaths", "within_28_days_of_release", "pct_within_28_days", "ci_low",
                                "ci_high"]
    assert scotland.rows == [[13, 6, *rate_with_interval(6, 13, per=100)]]
    assert scotland.rows[0][2] == "46.2"
    only_a = run_report(None, "outcomes", _params(start, end, ["OUT-A"]))
    assert only_a.sections[1].rows[0][:3] == [13, 4, "30.8"]


def test_pdf_prints_the_caveat_and_definitions(deaths_world):
    from pypdf import PdfReader

    from reentry.reports.services import export_bytes, run_report

    a, b, c, start, end = deaths_world
    result = run_report(None, "outcomes", _params(start, end, ["OUT-A"]), export_format="pdf")
    data = export_bytes(result, "pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)
    for phrase in ("Wilson score interval", "Observational", "not the effect of the kit", "fully elapsed",
                   "Scotland's indicator", "most recent release on or before the date of death",
                   "kit_at_release", "307.7"):
        assert phrase in text, phrase


def test_staff_may_not_run_it_and_are_not_offered_it(app, deaths_world, login_as):
    a, b, c, start, end = deaths_world
    client = app.test_client()
    login_as("staff", facilities=[a], test_client=client)
    query = f"start={start.isoformat()}&end={end.isoformat()}"
    assert client.get(f"/reports/outcomes?{query}").status_code == 403
    assert client.get(f"/reports/outcomes/download?{query}&format=csv").status_code == 403
    assert "/reports/outcomes" not in client.get("/reports/").get_data(as_text=True)


def test_a_manager_sees_only_their_facilities(app, deaths_world, login_as):
    from reentry.audit.models import AuditEvent

    a, b, c, start, end = deaths_world
    client = app.test_client()
    login_as("manager", facilities=[c], test_client=client)
    query = f"start={start.isoformat()}&end={end.isoformat()}"
    assert "/reports/outcomes" in client.get("/reports/").get_data(as_text=True)
    response = client.get(f"/reports/outcomes/download?{query}&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:]
    assert {row[0] for row in rows} == {"OUT-C", "ALL"}
    assert all(row[3:7] == ["0", "0", "0", "0"] for row in rows)
    # Asking for another facility's code is the same as asking for one that does not exist.
    assert client.get(f"/reports/outcomes?{query}&facility=OUT-A").status_code == 200
    page = client.get(f"/reports/outcomes?{query}").get_data(as_text=True)
    assert "Scotland" in page and "Observational" in page and "fully elapsed" in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.export",
                                                      AuditEvent.entity_id == "outcomes")) is not None


def test_the_api_does_not_serve_it(app):
    from reentry.errors import PermissionDenied
    from reentry.outcomes.report import check_may_see

    class Key:
        role = "api"

    with pytest.raises(PermissionDenied):
        check_may_see(Key())
    check_may_see(None)  # the CLI runs as the program


def test_deidentified_tables_are_suppressed(deaths_world):
    """ALL facilities, window 28: releases kit 4 (<11) and no kit 11 (its partner: *), all 15;
    deaths 3 / 4 / 7 (all <11). Scotland: 13 opioid deaths, 6 within 28 days, 7 not (both <11,
    so the percent is blank)."""
    from reentry.reports.deidentified import deidentified_tables

    a, b, c, start, end = deaths_world
    files = deidentified_tables(None, _params(start, end))
    rows = list(csv.reader(io.StringIO(files["outcomes.csv"])))
    assert rows[0] == ["window_days", "group", "releases", "deaths_all", "deaths_overdose", "deaths_opioid"]
    table = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert len(table) == 4 * 7
    assert table[("28", "all")] == ["15", "<11", "<11", "<11"]
    assert table[("28", "kit_at_release")] == ["<11", "<11", "<11", "<11"]
    assert table[("28", "no_kit_at_release")] == ["*", "<11", "<11", "<11"]
    assert table[("365", "all")][0] == "14"
    assert table[("365", "kit_at_release")][0] == "<11" and table[("365", "no_kit_at_release")][0] == "*"
    scotland = dict(tuple(r) for r in csv.reader(io.StringIO(files["scotland_indicator.csv"])))
    assert scotland == {"measure": "value", "opioid_deaths": "13", "within_28_days_of_release": "<11",
                        "not_within_28_days_of_release": "<11", "pct_within_28_days": "", "ci_low": "",
                        "ci_high": ""}
    assert "scotland_indicator.csv" in files["about.txt"] and "Observational" in files["about.txt"]


def test_deidentified_rows_show_counts_of_11_and_more():
    from reentry.outcomes.report import deidentified_scotland_rows

    assert deidentified_scotland_rows(200, 20)[:4] == [["opioid_deaths", "200"], ["within_28_days_of_release", "20"],
                                                        ["not_within_28_days_of_release", "180"],
                                                        ["pct_within_28_days", "10.0"]]
    assert deidentified_scotland_rows(200, 5)[1:4] == [["within_28_days_of_release", "<11"],
                                                       ["not_within_28_days_of_release", "*"],
                                                       ["pct_within_28_days", ""]]


def test_last_quarters():
    from datetime import date

    from reentry.outcomes.report import last_quarters

    assert last_quarters(date(2026, 2, 10)) == [
        ("2025-Q1", date(2025, 1, 1), date(2025, 3, 31)), ("2025-Q2", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025-Q3", date(2025, 7, 1), date(2025, 9, 30)), ("2025-Q4", date(2025, 10, 1), date(2025, 12, 31)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 2, 10))]


def test_dashboard_shows_deaths_after_release_once_records_exist(app, login_as, make_facility):
    from reentry.outcomes.models import DeathLink, DeathRecord
    from reentry.participants.models import CustodyEpisode, Participant

    facility = make_facility("OUT-D")
    client = app.test_client()
    login_as("admin", test_client=client)
    assert "deaths-after-release" not in client.get("/reports/dashboard").get_data(as_text=True)
    released = today(facility) - timedelta(days=3)
    person = Participant(last_name="Outcomedash", first_name="Test")
    db.session.add(person)
    db.session.flush()
    db.session.add(CustodyEpisode(participant_id=person.id, facility_id=facility.id, booking_id="D-1",
                                  release_date=released))
    record = DeathRecord(source="Test ME", case_number="D-1", last_name="Outcomedash", first_name="Test",
                         date_of_death=released + timedelta(days=2), is_overdose=True, is_opioid=True)
    db.session.add(record)
    db.session.flush()
    db.session.add(DeathLink(death_record_id=record.id, participant_id=person.id, facility_id=facility.id,
                             status="linked"))
    db.session.commit()
    page = client.get("/reports/dashboard").get_data(as_text=True)
    assert "deaths-after-release" in page and "chart-deaths-28" in page
    quarter = f"{record.date_of_death.year}-Q{(record.date_of_death.month - 1) // 3 + 1}"
    assert f'<th scope="row">{quarter}</th><td>1</td><td>1</td><td>100.0</td>' in page


def test_dashboard_figure_is_never_built_for_staff(app, deaths_world, make_user):
    from reentry.outcomes.report import dashboard_quarters
    from reentry.reports.services import ReportParams, _resolve

    a, *_ = deaths_world
    staff, manager = make_user("staff", [a]), make_user("manager", [a])
    params = ReportParams(today(a), today(a))
    assert dashboard_quarters(staff, _resolve(staff, params), today(a)) is None
    assert len(dashboard_quarters(manager, _resolve(manager, params), today(a))) == 5


def test_cli_writes_the_csv_and_the_pdf(deaths_world, runner, tmp_path):
    a, b, c, start, end = deaths_world
    out = tmp_path / "outcomes.csv"
    result = runner.invoke(args=["report", "outcomes", "--from", start.isoformat(), "--to", end.isoformat(),
                                 "--facility", "OUT-B", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["facility", "window_days", "group"] and len(rows) == 1 + 2 * 4 * 7
    assert ["OUT-B", "28", "all", "2", "2", "2", "2", "1000.0", "342.4", "1000.0"] in rows
    pdf = tmp_path / "outcomes.pdf"
    result = runner.invoke(args=["report", "outcomes", "--from", start.isoformat(), "--to", end.isoformat(),
                                 "--format", "pdf", "--out", str(pdf)])
    assert result.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")


def test_a_death_counted_for_two_people_counts_for_nobody(deaths_world):
    """p1's death (day 0) also accepted for p7 (pairs that disagree): counted neither for p1 nor,
    as p7's earliest death, for p7, whose own day-365 death counts as before."""
    from reentry.outcomes.models import DeathLink, DeathRecord
    from reentry.participants.models import Participant
    from reentry.reports.services import run_report

    a, b, c, start, end = deaths_world
    p1, p7 = (db.session.scalar(select(Participant.id).where(Participant.last_name == f"Outcome{n}"))
              for n in ("p1", "p7"))
    record = db.session.scalar(select(DeathRecord.id).join(DeathLink, DeathLink.death_record_id == DeathRecord.id)
                               .where(DeathLink.participant_id == p1))
    db.session.add(DeathLink(death_record_id=record, participant_id=p7, facility_id=a.id, match_probability=0.9,
                             status="accepted"))
    db.session.commit()
    got = _by_key(run_report(None, "outcomes", _params(start, end)).rows)
    assert got[("OUT-A", 14, "all")] == [13, 2, 2, 2]  # p2 (day 14) and p13 (day 5); p1 no longer
    assert got[("OUT-A", 365, "all")] == [12, 6, 5, 4]


def test_a_window_is_complete_only_once_its_last_day_is_over(app, make_facility):
    """Released exactly 14 days ago: day 14 is today, not over, so the 14-day window is not
    complete; released 15 days ago it is."""
    from reentry.outcomes.models import DeathLink, DeathRecord
    from reentry.participants.models import CustodyEpisode, Participant
    from reentry.reports.services import run_report

    facility = make_facility("OUT-W", timezone="America/Denver")
    t = today(facility)
    for n, days_ago in enumerate((14, 15)):
        person = Participant(last_name=f"Window{n}", first_name="Test")
        db.session.add(person)
        db.session.flush()
        db.session.add(CustodyEpisode(participant_id=person.id, facility_id=facility.id, booking_id=f"W{n}",
                                      custody_start=t - timedelta(days=60), release_date=t - timedelta(days=days_ago)))
        record = DeathRecord(source="W", case_number=f"W{n}", last_name=f"Window{n}", first_name="Test",
                             date_of_death=t - timedelta(days=days_ago - 3), is_overdose=True, is_opioid=True)
        db.session.add(record)
        db.session.flush()
        db.session.add(DeathLink(death_record_id=record.id, participant_id=person.id, facility_id=facility.id,
                                 match_probability=0.99, status="linked"))
    db.session.commit()
    got = _by_key(run_report(None, "outcomes", _params(t - timedelta(days=30), t, ["OUT-W"])).rows)
    assert got[("OUT-W", 14, "all")] == [1, 1, 1, 1]  # only the release of 15 days ago
    assert got[("OUT-W", 28, "all")] == [0, 0, 0, 0]


def test_deaths_recorded_through_censors_windows_the_file_does_not_cover(deaths_world):
    """A death file complete through T-300: A's releases at T-400 complete the 14-, 28- and
    90-day windows (day 90 is T-310), not the 365-day one; p13 (released T-100) completes none,
    so its day-5 death drops out of every window."""
    from reentry.reports.services import ReportParams, run_report

    a, b, c, start, end = deaths_world
    through = end - timedelta(days=300)
    result = run_report(None, "outcomes", ReportParams(start, end, ["OUT-A"], deaths_through=through))
    got = _by_key(result.rows)
    assert got[("OUT-A", 14, "all")] == [12, 2, 2, 2]
    assert got[("OUT-A", 28, "all")] == [12, 4, 4, 3]
    assert got[("OUT-A", 90, "all")] == [12, 6, 5, 4]
    assert got[("OUT-A", 365, "all")] == [0, 0, 0, 0]
    filters = dict(result.filters)
    assert filters["Deaths recorded through (file)"] == through.isoformat()
    assert filters["Deaths counted through (per facility)"] == f"OUT-A {through.isoformat()}"


def test_deaths_recorded_through_is_inclusive_and_never_later_than_yesterday(deaths_world):
    from reentry.reports.services import ReportParams, run_report

    a, b, c, start, end = deaths_world
    released = end - timedelta(days=400)

    def window_90(through):
        rows = run_report(None, "outcomes", ReportParams(start, end, ["OUT-A"], deaths_through=through)).rows
        return _by_key(rows)[("OUT-A", 90, "all")][0]

    assert window_90(released + timedelta(days=90)) == 12  # day 90 is in the file
    assert window_90(released + timedelta(days=89)) == 0  # day 90 is not
    # A date after today changes nothing: today's deaths are never complete.
    later = _by_key(run_report(None, "outcomes", ReportParams(start, end, ["OUT-A"],
                                                              deaths_through=end + timedelta(days=30))).rows)
    for (window, group), counts in EXPECTED_A.items():
        assert later[("OUT-A", window, group)] == counts, (window, group)


def test_deaths_through_on_the_cli_the_page_and_the_deidentified_tables(deaths_world, runner, tmp_path,
                                                                         app, login_as):
    from reentry.reports.deidentified import deidentified_tables
    from reentry.reports.services import ReportParams

    a, b, c, start, end = deaths_world
    through = (end - timedelta(days=300)).isoformat()
    out = tmp_path / "outcomes.csv"
    result = runner.invoke(args=["report", "outcomes", "--from", start.isoformat(), "--to", end.isoformat(),
                                 "--facility", "OUT-B", "--deaths-through", through, "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert ["OUT-B", "365", "all", "0", "0", "0", "0", "", "", ""] in rows
    result = runner.invoke(args=["report", "outcomes", "--from", start.isoformat(), "--to", end.isoformat(),
                                 "--deaths-through", "2026-13-01", "--out", str(out)])
    assert result.exit_code != 0 and "--deaths-through" in result.output

    files = deidentified_tables(None, ReportParams(start, end, deaths_through=end - timedelta(days=300)))
    table = {(r[0], r[1]): r[2:] for r in csv.reader(io.StringIO(files["outcomes.csv"]))}
    assert table[("365", "all")][0] == "0"
    export = tmp_path / "tables"
    result = runner.invoke(args=["export-deidentified", "--from", start.isoformat(), "--to", end.isoformat(),
                                 "--deaths-through", through, "--out", str(export)])
    assert result.exit_code == 0, result.output
    assert "365,all,0," in (export / "outcomes.csv").read_text(encoding="utf-8")

    client = app.test_client()
    login_as("admin", test_client=client)
    query = f"start={start.isoformat()}&end={end.isoformat()}"
    page = client.get(f"/reports/outcomes?{query}").get_data(as_text=True)
    assert 'name="deaths_through"' in page
    page = client.get(f"/reports/outcomes?{query}&deaths_through={through}").get_data(as_text=True)
    assert "Deaths recorded through (file)" in page and through in page
    response = client.get(f"/reports/outcomes/download?{query}&deaths_through=not-a-date&format=csv")
    assert response.status_code == 400 and "Not a valid date value" in response.get_data(as_text=True)
    assert 'name="deaths_through"' in client.get("/reports/deidentified").get_data(as_text=True)
    assert 'name="deaths_through"' not in client.get("/reports/coverage").get_data(as_text=True)
