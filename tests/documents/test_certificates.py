"""Certificates: codes, stored bytes, revoke, reissue, and the public check that leaks nothing."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.documents import services
from reentry.documents.models import Certificate
from reentry.errors import DomainError
from reentry.extensions import db
from tests.clock import today
from tests.documents.conftest import pdf_text

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


def test_codes_are_long_grouped_and_unambiguous():
    codes = {services.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"([2-9A-HJKMNP-TV-Z]{4}-){4}[2-9A-HJKMNP-TV-Z]{4}", code)
        assert not set(code) & set("01ILOU")
    import math

    assert services.CODE_LENGTH * math.log2(len(services.CODE_ALPHABET)) >= 80


def test_typed_codes_are_forgiven_case_spaces_and_dashes():
    code = services.new_code()
    assert services.normalize_code(code.lower().replace("-", " ")) == code
    assert services.normalize_code("not a code") is None
    assert services.normalize_code(code.replace(code[0], "0")) is None


def test_issue_stores_the_pdf_and_its_hash_and_reprint_returns_the_same_bytes(app, issue, make_user):
    staff = make_user("admin")
    certificate = issue(actor=staff)
    assert certificate.pdf_sha256 == hashlib.sha256(certificate.pdf_bytes).hexdigest()
    text = pdf_text(certificate.pdf_bytes)
    assert certificate.code in text and "Alex Testperson" in text
    assert app.config["REENTRY_PUBLIC_URL"].rstrip("/") + "/verify/" + certificate.code in text
    assert "Test County Jail" not in text  # the facility is off by default
    first = services.certificate_pdf(staff, certificate)
    app.config["REENTRY_PUBLIC_URL"] = "https://elsewhere.example"  # a rebuild would differ
    assert services.certificate_pdf(staff, certificate) == first == certificate.pdf_bytes
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.count("certificate.print") == 2 and "certificate.issue" in actions


def test_facility_prints_only_when_asked(issue):
    certificate = issue(facility_name="Demo County Jail")
    assert "Demo County Jail" in pdf_text(certificate.pdf_bytes)


def test_a_tampered_stored_pdf_is_refused(issue):
    certificate = issue()
    certificate.pdf_bytes = certificate.pdf_bytes + b"x"
    with pytest.raises(DomainError, match="checksum"):
        services.certificate_pdf(None, certificate)


@pytest.mark.parametrize("field, value, message", [
    ("course_title", " ", "Course title"),
    ("trainer_name", "", "Trainer"),
    ("language", "fr", "Language"),
    # A day after the facility's today, taken when the test runs (not when it is collected).
    ("completed_on", timedelta(days=1), "future"),
])
def test_bad_input_is_refused_with_a_message(issue, field, value, message):
    if isinstance(value, timedelta):
        value = today() + value
    with pytest.raises(DomainError, match=message):
        issue(**{field: value})


def test_revoke_needs_a_reason_and_happens_once(issue):
    certificate = issue()
    with pytest.raises(DomainError, match="reason"):
        services.revoke_certificate(None, certificate, "  ")
    services.revoke_certificate(None, certificate, "issued to the wrong person")
    assert certificate.status == "revoked"
    with pytest.raises(DomainError, match="already revoked"):
        services.revoke_certificate(None, certificate, "again")


def test_reissue_gives_a_new_code_and_marks_the_old_one_replaced(issue, make_participant):
    participant = make_participant()
    old = issue(participant=participant)
    new = services.reissue_certificate(None, old, participant, "name spelled wrong")
    db.session.commit()
    assert new.code != old.code and old.status == "replaced" and new.status == "valid"
    assert old.replaced_by_id == new.id
    assert (new.course_title, new.completed_on) == (old.course_title, old.completed_on)
    with pytest.raises(DomainError, match="Only a valid"):
        services.reissue_certificate(None, old, participant)


def _verify(client, code):
    response = client.get(f"/verify/{code}")
    return response, response.get_data(as_text=True)


def test_public_check_shows_every_state_and_leaks_nothing(client, issue, make_participant, make_facility):
    facility = make_facility("SECRET-JAIL", name="Secretive County Jail", county="Hidden")
    participant = make_participant(facility=facility, first_name="Zelda", last_name="Quartermaine")
    valid = issue(participant=participant, facility_name="Secretive County Jail")
    revoked = issue(participant=participant)
    services.revoke_certificate(None, revoked, "secret revocation reason xyz")
    replaced = issue(participant=participant)
    newer = services.reissue_certificate(None, replaced, participant)
    db.session.commit()
    cases = [(valid.code, 200, "Valid"), (revoked.code, 200, "Revoked"),
             (replaced.code, 200, "Replaced"), ("ABCD-EFGH-JKMN-PQRS-TVWX", 404, "Not found"),
             ("<script>", 404, "Not found")]
    for code, status, word in cases:
        response, html = _verify(client, code)
        assert response.status_code == status, code
        assert word in html
        assert response.headers["X-Robots-Tag"].startswith("noindex")
        assert '<meta name="robots" content="noindex' in html
        for secret in ("Zelda", "Quartermaine", "Secretive", "SECRET-JAIL", "Hidden", "B0",
                       "secret revocation reason", newer.code, "Test County Jail", "<script>"):
            assert secret not in html, (code, secret)
        if status == 200:
            assert "Z. Q." in html and "Overdose response and naloxone" in html and "2026-11-02" in html
    assert _verify(client, valid.code.lower().replace("-", ""))[0].status_code == 200


def test_public_check_needs_no_login_and_writes_nothing(client, issue):
    certificate = issue()
    before = db.session.scalar(select(db.func.count(AuditEvent.id)))
    assert client.get(f"/verify/{certificate.code}").status_code == 200
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == before


def test_lookup_form_redirects_to_the_code(client):
    assert client.get("/verify/").status_code == 200
    response = client.get("/verify/?code=abcd-efgh")
    assert response.status_code == 302 and response.headers["Location"].endswith("/verify/abcd-efgh")


def test_staff_pages_reprint_revoke_and_reissue(client, issue, login_as, make_participant):
    manager = login_as("manager")
    participant = make_participant(facility=manager.facilities[0])
    certificate = issue(participant=participant)
    page = client.get(f"/certificates/{certificate.id}")
    assert page.status_code == 200 and certificate.code in page.get_data(as_text=True)
    pdf = client.get(f"/certificates/{certificate.id}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data == certificate.pdf_bytes
    response = client.post(f"/certificates/{certificate.id}/reissue", data={"reissue-reason": "typo"})
    new = db.session.scalar(select(Certificate).where(Certificate.replaced_by_id.is_(None),
                                                     Certificate.id != certificate.id))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/certificates/{new.id}")
    client.post(f"/certificates/{new.id}/revoke", data={"revoke-reason": "withdrawn"})
    db.session.expire_all()
    assert db.session.get(Certificate, new.id).status == "revoked"
    events = [json.loads(e.changes or "{}") for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))]
    assert events == [{"reason": "withdrawn"}]


def test_another_facilitys_certificate_is_404(client, issue, login_as, make_facility, make_participant):
    login_as("staff")
    other = issue(participant=make_participant(facility=make_facility("OTHER")))
    assert client.get(f"/certificates/{other.id}").status_code == 404
    assert client.get(f"/certificates/{other.id}.pdf").status_code == 404
    assert client.post(f"/certificates/{other.id}/reissue").status_code == 404
