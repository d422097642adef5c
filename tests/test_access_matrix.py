"""Every route x every role gets exactly the intended answer (see tests/access_matrix.py)."""
import pytest

from tests.access_matrix import EXEMPT, LOGIN, MATRIX, NAME_ROUTES, ROLES
from tests.clock import today


def test_every_route_has_an_entry_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - EXEMPT
    # "endpoint:label" entries are a second case of one route (a report with its own rule).
    listed = {entry.partition(":")[0] for entry in MATRIX}
    missing = sorted(endpoints - listed)
    stale = sorted(listed - endpoints)
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
    if names & {"product_id", "source_id", "lot_id", "event_id", "report_id", "location_id"}:
        values.update(naloxone_records(facility_a, names))
    if names & {"session_id", "attendee_id", "version_id"}:
        values.update(training_records(facility_a))
    if names & {"hotline_id", "law_state"}:
        if db.session.scalar(select(Hotline.id)) is None:
            documents.seed_reference_data()  # hotlines and laws: emptied between tests on PostgreSQL
        values["hotline_id"] = db.session.scalar(select(Hotline.id))
        values["law_state"] = "OH"
    db.session.commit()
    return values


def training_records(facility) -> dict:
    from datetime import timedelta

    from reentry.auth import services as accounts
    from reentry.database import utcnow
    from reentry.training import services as training
    from reentry.training.cli import DEFAULT_PATH

    version, _ = training.import_curriculum(None, DEFAULT_PATH)
    trainer = accounts.create_user(None, "trainer@matrix.test", "staff", "a long enough passphrase", [facility])
    session = training.create_training_session(
        trainer, facility, starts_at=utcnow() - timedelta(hours=1), format="group", language="en",
        curriculum_version=version, location="Classroom", trainers=[trainer])
    attendee = training.add_walk_in(trainer, session, "W1")
    return {"session_id": session.id, "attendee_id": attendee.id, "version_id": version.id}


def naloxone_records(facility, names: set) -> dict:
    from datetime import timedelta

    from sqlalchemy import select

    from reentry.database import utcnow
    from reentry.extensions import db
    from reentry.naloxone import services as naloxone
    from reentry.naloxone.catalog import seed_catalog
    from reentry.naloxone.models import FundingSource, Product

    if db.session.scalar(select(Product.id)) is None:
        seed_catalog()  # emptied between tests on PostgreSQL
    product = naloxone.get_product_by_code("narcan-4mg")
    source = db.session.scalar(select(FundingSource).order_by(FundingSource.id))
    values = {"product_id": product.id, "source_id": source.id}
    if "gtin_id" in names:
        values["gtin_id"] = naloxone.add_product_gtin(None, product, "9520000000011").id
    lot = naloxone.receive_lot(None, facility, product, "MATRIX-1", today() + timedelta(days=400), 5, source)
    values["lot_id"] = lot.id
    if "event_id" in names or "report_id" in names:
        event, _ = naloxone.record_kit_event(None, facility, naloxone.KitDetails(
            occurred_at=utcnow(), context="release", outcome="property", recipient_type="participant",
            kits=1, lot=lot, supply="first"), token=naloxone.new_token())
        values["event_id"] = event.id
        report, _ = naloxone.record_reversal(None, facility, naloxone.ReversalDetails(
            occurred_on=today(), reporter_type="staff", location_type="home", giver_type="family",
            outcome="survived", kit_event=event, naloxone_source="our_kit"), token=naloxone.new_token())
        values["report_id"] = report.id
    if "location_id" in names:
        values["location_id"] = naloxone.create_location(None, facility, "Unit A cabinet", "housing_cabinet", 7).id
    return values


def _client_as(app, login_as, role, facilities):
    """A client signed in as this matrix role (staff and managers of facility A, other_staff of B)."""
    facility_a, facility_b = facilities
    client = app.test_client()
    if role == "other_staff":
        login_as("staff", facilities=[facility_b], test_client=client)
    elif role in ("staff", "manager"):
        login_as(role, facilities=[facility_a], test_client=client)
    elif role != "anonymous":
        login_as(role, test_client=client)
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_as_intended(app, facilities, login_as, endpoint, role):
    method, path, expected = MATRIX[endpoint]
    client = _client_as(app, login_as, role, facilities)
    url = path.format(**path_values(path, facilities[0]))
    response = client.open(url, method=method)
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"], \
            f"{method} {url} as {role}: {response.status_code}"
    else:
        assert response.status_code == want, f"{method} {url} as {role}: {response.status_code}, wanted {want}"


# --- routes that return participants' names (issue 14.5) ------------------------------------------

PROBE = "Quillfeather"  # the named person's last name: in no other test record or page text


def name_world(facility_a) -> dict:
    """Every record a route path names, all tied to one person called Quillfeather at facility A:
    their kit, use report, training, certificate, worklist row and audited name change."""
    from datetime import date, timedelta
    from string import Formatter

    from sqlalchemy import select

    from reentry.extensions import db
    from reentry.naloxone.models import KitEvent, ReversalReport
    from reentry.participants import services as participants
    from reentry.participants.models import CustodyEpisode, Participant
    from reentry.training import services as training
    from reentry.training.models import TrainingSession

    extra = {"episode_id", "start", "end", "lot_number"}
    names = {name for _, path, *_ in [*MATRIX.values(), *NAME_ROUTES.values()]
             for _, name, _, _ in Formatter().parse(path) if name} - extra
    values = path_values(" ".join("{%s}" % name for name in sorted(names)), facility_a)
    person = db.session.get(Participant, values["participant_id"])
    participants.update_participant(None, person, person.version, last_name=PROBE, first_name="Nameprobe",
                                    date_of_birth=date(1980, 2, 3))  # the audit row holds the name
    episode = db.session.scalar(select(CustodyEpisode).where(CustodyEpisode.participant_id == person.id))
    episode.expected_release_date = today() + timedelta(days=1)  # on the release worklist
    event = db.session.get(KitEvent, values["event_id"])
    event.participant_id, event.episode_id = person.id, episode.id
    db.session.get(ReversalReport, values["report_id"]).participant_id = person.id
    training.add_attendee(None, db.session.get(TrainingSession, values["session_id"]), person.id)
    db.session.commit()
    return values | {"episode_id": episode.id, "start": (today() - timedelta(days=30)).isoformat(),
                     "end": (today() + timedelta(days=1)).isoformat(), "lot_number": "MATRIX-1"}


def _shows_probe(response) -> bool | None:
    """Whether the answer names the person; None for a PDF (compressed text: not searchable)."""
    if response.mimetype == "application/pdf":
        return None
    return PROBE in response.get_data().decode("utf-8", "replace")


def test_name_routes_follow_the_one_rule(app):
    """Each listed route is marked with its kind in the view (auth.access.shows_names) or is a
    report in NAME_REPORTS, and its answers never give names to a role the rule refuses."""
    from reentry.auth.access import NAME_ACCESS
    from reentry.reports.services import NAME_REPORTS

    for label, (_method, _path, kind, answers) in NAME_ROUTES.items():
        endpoint, _, report = label.partition(":")
        if report:
            assert report.split("-")[0] in NAME_REPORTS, label
        else:
            assert getattr(app.view_functions[endpoint], "shows_names", None) == kind, \
                f"{endpoint} returns names: decorate it with @shows_names({kind!r})"
        allowed = {"other_staff" if role == "staff" else role for role in NAME_ACCESS[kind]} | set(NAME_ACCESS[kind])
        given = {role for role, answer in answers.items() if answer in (200, 400)}
        assert given <= allowed, f"{label} gives names to {sorted(given - allowed)}"
        if kind == "bulk":
            assert answers["staff"] == answers["other_staff"] == 403, label
    marked = {endpoint for endpoint, view in app.view_functions.items() if getattr(view, "shows_names", None)}
    assert marked == {label.partition(":")[0] for label in NAME_ROUTES if ":" not in label}


@pytest.mark.parametrize("label", sorted(NAME_ROUTES))
def test_name_route_answers_each_role(app, facilities, login_as, label):
    method, path, _kind, expected = NAME_ROUTES[label]
    url = path.format(**name_world(facilities[0]))
    for role in ROLES:
        response = _client_as(app, login_as, role, facilities).open(url, method=method)
        want = expected[role]
        if want == LOGIN:
            assert response.status_code == 302 and "/login" in response.headers["Location"], f"{url} as {role}"
            continue
        assert response.status_code == want, f"{method} {url} as {role}: {response.status_code}, wanted {want}"
        named = _shows_probe(response)
        if want == 200 and named is not None:
            # 200 for staff of facility B only on a list, which must leave A's person out
            assert named == (role != "other_staff"), f"{url} as {role}: name shown {named}"
        elif want != 200:
            assert not named, f"{url} as {role} ({want}) still shows the name"


def test_every_page_that_shows_a_name_is_a_name_route(app, facilities, login_as):
    """Request every GET route (and every report, shown and downloaded) as an admin against the
    named world: any page that shows the name must be in NAME_ROUTES."""
    from reentry.reports.services import REPORTS

    values = name_world(facilities[0])
    client = _client_as(app, login_as, "admin", facilities)
    urls = {endpoint: path for endpoint, (method, path, _) in MATRIX.items() if method == "GET"}
    urls.update({label: path for label, (method, path, *_) in NAME_ROUTES.items() if method == "GET"})
    query = "start={start}&end={end}&lot={lot_number}"
    for report in REPORTS:
        urls[f"reports.detail:{report}"] = f"/reports/{report}?{query}"
        urls[f"reports.download:{report}"] = f"/reports/{report}/download?{query}&format=csv"
    shown = set()
    for label, path in sorted(urls.items()):
        response = client.get(path.format(**values))
        if _shows_probe(response):
            shown.add(label)
    assert "participants.index" in shown and "reports.download:recall" in shown  # the probe works
    assert sorted(shown - set(NAME_ROUTES)) == [], "pages showing names that NAME_ROUTES does not list"
