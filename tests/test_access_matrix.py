"""Every route x every role gets exactly the intended answer (see tests/access_matrix.py)."""
import pytest

from tests.access_matrix import EXEMPT, LOGIN, MATRIX, ROLES


def test_every_route_has_an_entry_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - EXEMPT
    missing = sorted(endpoints - set(MATRIX))
    stale = sorted(set(MATRIX) - endpoints)
    assert missing == [], f"routes with no access decision in tests/access_matrix.py: {missing}"
    assert stale == [], f"entries for routes that no longer exist: {stale}"


@pytest.fixture
def facilities(make_facility):
    return make_facility("FAC-A"), make_facility("FAC-B")


def path_values(path: str, facility_a) -> dict:
    """Make just the facility-A records this path names (creating all of them for each of the
    hundreds of cases would make the test slow)."""
    from datetime import date
    from string import Formatter

    from sqlalchemy import select

    from reentry.auth import services as accounts
    from reentry.documents import services as documents
    from reentry.documents.models import Hotline
    from reentry.extensions import db
    from reentry.participants.models import CustodyEpisode, Participant

    names = {name for _, name, _, _ in Formatter().parse(path) if name}
    values: dict = {"facility": facility_a.code}
    if "user_id" in names:
        values["user_id"] = accounts.create_user(None, "target@matrix.test", "staff",
                                                 "a long enough passphrase", [facility_a]).id
    if names & {"certificate_id", "certificate_code", "participant_id"}:
        person = Participant(last_name="Matrix", first_name="Pat")
        db.session.add(person)
        db.session.flush()
        db.session.add(CustodyEpisode(participant_id=person.id, facility_id=facility_a.id, booking_id="M-1"))
        db.session.flush()
        values["participant_id"] = person.id
    if names & {"certificate_id", "certificate_code"}:
        certificate = documents.issue_certificate(None, db.session.get(Participant, values["participant_id"]), "Overdose response", "1.0",
                                                  date(2026, 1, 5), "Trainer T", "en")
        values.update(certificate_id=certificate.id, certificate_code=certificate.code)
    if "resource_id" in names:
        values["resource_id"] = documents.create_resource(None, name="Matrix Clinic", type="moud", state="OH",
                                                          county="Franklin", phone="614-555-0100").id
    if "hotline_id" in names:
        if db.session.scalar(select(Hotline.id)) is None:
            documents.seed_reference_data()  # emptied between tests on PostgreSQL
        values["hotline_id"] = db.session.scalar(select(Hotline.id))
    db.session.commit()
    return values


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_as_intended(app, facilities, login_as, endpoint, role):
    method, path, expected = MATRIX[endpoint]
    facility_a, facility_b = facilities
    client = app.test_client()
    if role == "other_staff":
        login_as("staff", facilities=[facility_b], test_client=client)
    elif role in ("staff", "manager"):
        login_as(role, facilities=[facility_a], test_client=client)
    elif role != "anonymous":
        login_as(role, test_client=client)
    url = path.format(**path_values(path, facility_a))
    response = client.open(url, method=method)
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"], \
            f"{method} {url} as {role}: {response.status_code}"
    else:
        assert response.status_code == want, f"{method} {url} as {role}: {response.status_code}, wanted {want}"
