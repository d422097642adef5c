"""The death-linkage review queue in a real browser, with axe: a manager sees each pair side by
side, rejects one with a reason and accepts another; a later run of link-deaths keeps both."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

pytest.importorskip("splink")


@pytest.fixture
def review_pairs(live_app):
    """Two synthetic people released from DEMO-JAIL and a death record of each dated before the
    release (so each pair is flagged for review whatever its score), applied as scored pairs
    (`link-deaths --pairs`); returns {case number: link id}."""
    from reentry.extensions import db
    from reentry.facilities.models import Facility
    from reentry.outcomes.linkage import link_deaths, prepare_inputs
    from reentry.outcomes.models import DeathLink, DeathRecord
    from reentry.participants.models import CustodyEpisode, Participant

    people = [("Quillon", "Avery", date(1984, 2, 11), "E2E-REJECT"), ("Marchetti", "Rowan", date(1979, 8, 30), "E2E-ACCEPT")]
    with live_app.app_context():
        jail = db.session.scalar(select(Facility).where(Facility.code == "DEMO-JAIL"))
        pairs, cases = [], {}
        for last, first, born, case in people:
            person = Participant(first_name=first, last_name=last, date_of_birth=born, gender="F",
                                 destination_zip="43215", search_name=f"{last} {first}".lower())
            db.session.add(person)
            db.session.flush()
            db.session.add(CustodyEpisode(participant_id=person.id, facility_id=jail.id, booking_id=case,
                                          custody_start=date(2025, 1, 10), release_date=date(2025, 6, 1)))
            record = DeathRecord(source="E2E ME", case_number=case, first_name=first, last_name=last,
                                 date_of_birth=born, sex="F", zip="43215", date_of_death=date(2025, 5, 20),
                                 underlying_cause="X42", multiple_causes="T40.4", is_overdose=True, is_opioid=True)
            db.session.add(record)
            db.session.flush()
            pairs.append((record.id, person.id, 0.97))
        link_deaths(None, "E2E ME", pairs=pairs, inputs=prepare_inputs("E2E ME"))
        db.session.commit()
        for link in db.session.scalars(select(DeathLink).join(DeathRecord).where(DeathRecord.source == "E2E ME")):
            assert link.status == "review" and "before the release" in link.flag
            cases[link.death_record.case_number] = link.id
    return cases


def test_manager_rejects_and_accepts_pairs_and_a_rerun_keeps_them(page, a11y, sign_in, live_app, review_pairs):
    sign_in(page, "manager@demo.test")
    page.goto("/outcomes/review/")
    expect(page.get_by_role("heading", level=1, name="Death linkage: review")).to_be_visible()
    a11y(page)
    rejected = page.get_by_role("region", name="Fields compared E2E-REJECT")
    expect(rejected.get_by_role("row", name="last_name")).to_contain_text("Quillon")
    expect(rejected).to_contain_text("agree")
    section = page.locator("section", has=page.get_by_role("heading", name="Case E2E-REJECT", exact=False))
    expect(section).to_contain_text("death before the release date")

    section.get_by_label("Reason").fill("The examiner's case notes give another mother's name")
    section.get_by_role("button", name="Not the same person: reject").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    a11y(page, "after rejecting")
    expect(page.locator("section", has=page.get_by_role("heading", name="Case E2E-REJECT", exact=False))).to_have_count(0)

    accepted = page.locator("section", has=page.get_by_role("heading", name="Case E2E-ACCEPT", exact=False))
    accepted.get_by_role("button", name="Same person: accept").click()  # no reason: refused
    expect(page.get_by_text("Give a reason for the decision.")).to_be_visible()
    a11y(page, "after a decision without a reason")
    accepted = page.locator("section", has=page.get_by_role("heading", name="Case E2E-ACCEPT", exact=False))
    accepted.get_by_label("Reason").fill("Booking photo and the examiner's photo match; release date was entered late")
    accepted.get_by_role("button", name="Same person: accept").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    a11y(page, "after accepting")

    from reentry.extensions import db
    from reentry.outcomes.linkage import link_deaths
    from reentry.outcomes.models import DeathLink

    with live_app.app_context():
        link_deaths(None)  # a full Splink run over every source: reviewed pairs stay as decided
        db.session.commit()
        kept = {case: db.session.get(DeathLink, link_id) for case, link_id in review_pairs.items()}
        assert kept["E2E-REJECT"].status == "rejected"
        assert kept["E2E-REJECT"].review_reason.startswith("The examiner's case notes")
        assert kept["E2E-ACCEPT"].status == "accepted" and kept["E2E-ACCEPT"].reviewed_by_id is not None
