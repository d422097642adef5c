"""The release risk screening form, its audit row, double submits, and the flags on the record."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reentry.audit.models import AuditEvent
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.participants import services
from reentry.participants.models import ReleaseScreening
from tests import clock


# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def form_token(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([0-9a-f-]{36})"', page).group(1)


def test_screening_saves_answers_shows_flags_and_is_audited(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    today = clock.today()
    person = make_participant(facility, custody_start=today - timedelta(days=30), expected_release_date=today)
    page = client.get(f"/participants/{person.id}/screening").get_data(as_text=True)
    token = form_token(page)
    data = {"token": token, "screened_on": today.isoformat(), "opioid_use_before_custody": "yes",
            "on_methadone": "no", "injects": "yes", "uses_alone": "yes", "housing_at_release": "shelter",
            "xylazine_in_supply": "", "days_since_last_opioid_use": ""}
    response = client.post(f"/participants/{person.id}/screening", data=data)
    assert response.status_code == 302
    saved = services.latest_screening(person.id, facility_ids=None)
    assert saved.opioid_use_before_custody is True and saved.on_methadone is False
    assert saved.xylazine_in_supply is None and saved.housing_at_release == "shelter"
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "screening.create")) == 1
    detail = client.get(f"/participants/{person.id}").get_data(as_text=True)
    for code in ("TOLERANCE_LOST", "NO_MOUD", "INJECTS", "USES_ALONE", "NO_STABLE_HOUSING"):
        assert code in detail
    assert "Even a small dose can stop your breathing" in detail and "Binswanger" in detail


def test_resubmitting_the_same_form_saves_once(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    person = make_participant(facility)
    token = form_token(client.get(f"/participants/{person.id}/screening").get_data(as_text=True))
    data = {"token": token, "screened_on": clock.today().isoformat(), "injects": "yes"}
    first = client.post(f"/participants/{person.id}/screening", data=data)
    second = client.post(f"/participants/{person.id}/screening", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(ReleaseScreening)) == 1


def test_spanish_speakers_see_reasons_in_spanish(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    person = make_participant(facility, preferred_language="es")
    client.post(f"/participants/{person.id}/screening",
                data={"screened_on": clock.today().isoformat(), "uses_alone": "yes"})
    assert "No use a solas." in client.get(f"/participants/{person.id}").get_data(as_text=True)


def test_future_screening_date_is_refused(client, login_as, make_facility, make_participant):
    facility = make_facility()
    login_as("staff", facilities=[facility])
    person = make_participant(facility)
    page = client.post(f"/participants/{person.id}/screening",
                       data={"screened_on": (clock.today() + timedelta(days=3)).isoformat()}).get_data(as_text=True)
    assert "cannot be in the future" in page
    assert services.latest_screening(person.id, facility_ids=None) is None


def test_latest_screening_is_the_newest(make_facility, make_participant):
    person = make_participant(make_facility())
    assert services.latest_screening(person.id, facility_ids=None) is None
    old, _ = services.record_screening(None, person, {"screened_on": clock.today() - timedelta(days=5)})
    new, _ = services.record_screening(None, person, {"screened_on": clock.today(), "injects": True})
    db.session.commit()
    assert services.latest_screening(person.id, facility_ids=None).id == new.id


def test_other_facility_screening_page_is_404(client, login_as, make_facility, make_participant):
    login_as("staff", facilities=[make_facility()])
    stranger = make_participant(make_facility())
    assert client.get(f"/participants/{stranger.id}/screening").status_code == 404


def test_the_form_shows_every_question(client, login_as, make_facility, make_participant):
    from reentry.participants.forms import ScreeningForm

    facility = make_facility()
    login_as("staff", facilities=[facility])
    person = make_participant(facility)
    page = client.get(f"/participants/{person.id}/screening").get_data(as_text=True)
    with client.application.test_request_context():
        names = [field.name for field in ScreeningForm()]
    for name in names:
        assert f'name="{name}"' in page, name


def test_the_screening_date_is_the_facilitys_date(client, login_as, make_facility, make_participant):
    """At 21:00 in New York (02:00 UTC the next day) the form offers the local date and refuses
    the UTC one as a future date."""
    from datetime import UTC, date, datetime

    import time_machine

    facility = make_facility()  # America/New_York
    person = make_participant(facility)
    with time_machine.travel(datetime(2026, 12, 4, 2, 0, tzinfo=UTC), tick=False):
        login_as("staff", facilities=[facility])
        page = client.get(f"/participants/{person.id}/screening").get_data(as_text=True)
        assert 'value="2026-12-03"' in page
        with pytest.raises(DomainError) as error:
            services.record_screening(None, person, {"screened_on": date(2026, 12, 4)})
        assert error.value.field == "screened_on"
        screening, _ = services.record_screening(None, person, {})
        assert screening.screened_on == date(2026, 12, 3)
