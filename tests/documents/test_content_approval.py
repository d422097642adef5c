"""Content sign-off (issue 13): one content version; a medical director (an admin account marked
as content reviewer) approves it; packets of an approved version print who reviewed it in the
footer, in the packet's language; an unapproved version prints no such claim and staff are
warned on the print pages; every approval is audited."""
import json
import shutil
from datetime import date, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.documents import governance
from reentry.documents.models import ContentApproval, Hotline
from reentry.extensions import db
from reentry.participants.services import create_participant
from reentry.training.protocol import DEFAULT_ROOT

RELEASE = date(2026, 11, 20)
FORM = {"title": "Medical Director", "title_es": "Directora médica", "signed_name": "Dr. Rowan Example"}


def _text(data: bytes) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(BytesIO(data)).pages)


@pytest.fixture
def shipped(app):
    """The shipped hotlines and law rows (PostgreSQL runs empty the tables between tests)."""
    from reentry.documents.services import seed_reference_data

    seed_reference_data()
    db.session.commit()


@pytest.fixture
def person(make_facility):
    facility = make_facility("CV-JAIL")
    someone = create_participant(None, facility, booking_id="CV-1", last_name="Sample", first_name="Lee",
                                 custody_start=RELEASE - timedelta(days=40), release_date=RELEASE,
                                 destination_state="OH", destination_county="Franklin")
    db.session.commit()
    return facility, someone


@pytest.fixture
def reviewer(make_user):
    user = make_user("admin")
    governance.grant_reviewer(None, user)
    db.session.commit()
    return user


def _approve(client, **overrides):
    version = governance.current_content().version
    return client.post("/admin/content/approve", data={"version": version, **FORM, **overrides})


def test_the_version_changes_with_any_content_edit(app, shipped, tmp_path):
    before = governance.current_content()
    assert before.version.startswith(governance.curriculum_version() + "-") and "reentry/documents/data/texts.json" in before.manifest
    hotline = db.session.scalar(select(Hotline).where(Hotline.key == "988"))
    hotline.description_en += " Free."
    db.session.flush()
    after = governance.current_content()
    assert after.version != before.version
    assert governance.changed_parts(before.manifest, after.manifest) == ["changed: hotline 988"]
    # a copy of the course with one module edited is another version too
    root = tmp_path / "oend"
    shutil.copytree(DEFAULT_ROOT, root)
    module = root / "modules" / "03-signs.en.md"
    module.write_text(module.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    edited = governance.current_content(curriculum_root=root)
    assert governance.changed_parts(after.manifest, edited.manifest) == ["changed: curricula/oend/modules/03-signs.en.md"]


def test_a_risk_warning_edit_is_another_version(app, shipped, monkeypatch):
    # The risk warnings live in participants/risk.py, not a data file: still content to sign.
    from reentry.participants import risk

    before = governance.current_content()
    citation, english, spanish = risk.FLAG_TEXT["PAST_OVERDOSE"]
    monkeypatch.setitem(risk.FLAG_TEXT, "PAST_OVERDOSE", (citation, english + " Edited.", spanish))
    after = governance.current_content()
    assert governance.changed_parts(before.manifest, after.manifest) == ["changed: reentry/participants/risk.py warnings"]
    monkeypatch.setattr(risk, "TOLERANCE_LOST_DAYS", 8)
    assert governance.current_content().version != after.version


def test_approved_version_prints_the_review_line_in_each_language(client, login, reviewer, person, login_as):
    login(reviewer)
    response = _approve(client)
    assert response.status_code == 302
    version = governance.current_content().version
    _, someone = person
    staff_client = client.application.test_client()
    login_as("staff", facilities=[person[0]], test_client=staff_client)
    page = staff_client.get(f"/participants/{someone.id}").get_data(as_text=True)
    assert 'id="content-unapproved"' not in page
    english = _text(staff_client.post(f"/participants/{someone.id}/packet.pdf", data={"lang": "en"}).data)
    # the approval's day at the printing facility (America/New_York), not UTC's
    today = governance.approval_of(version).approved_at.astimezone(ZoneInfo(person[0].timezone)).date()
    from reentry.documents.content import long_date
    assert f"Content version {version}, reviewed by Medical Director on {long_date(today, 'en')}" in english
    spanish = _text(staff_client.post(f"/participants/{someone.id}/packet.pdf", data={"lang": "es"}).data)
    assert (f"Versión del contenido {version}, revisada por Directora médica el {long_date(today, 'es')}"
            in spanish)
    assert "Medical Director" not in spanish
    large = _text(staff_client.post(f"/participants/{someone.id}/packet.pdf",
                                    data={"lang": "en", "large_print": "y"}).data)
    assert f"Content version {version}, reviewed by Medical Director" in large


def test_unapproved_version_warns_staff_and_the_packet_claims_no_review(client, login_as, person, runner, tmp_path):
    facility, someone = person
    login_as("staff", facilities=[facility])
    version = governance.current_content().version
    page = client.get(f"/participants/{someone.id}").get_data(as_text=True)
    assert 'id="content-unapproved"' in page and version in page
    worklist = client.get(f"/naloxone/{facility.code}/worklist").get_data(as_text=True)
    assert 'id="content-unapproved"' in worklist
    text = _text(client.post(f"/participants/{someone.id}/packet.pdf", data={"lang": "en"}).data)
    assert "reviewed by" not in text and "Content version" not in text and "not approved" not in text
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "packet.print")).all()[-1]
    assert json.loads(event.changes)["content_approved"] is False
    result = runner.invoke(args=["packets", "--facility", facility.code, "--date", RELEASE.isoformat(),
                                 "--out", str(tmp_path / "p.pdf")])
    assert result.exit_code == 0 and f"content version {version} is not approved" in result.output


def test_an_edit_after_approval_needs_a_new_approval(client, login, reviewer, shipped):
    login(reviewer)
    assert _approve(client).status_code == 302
    first = governance.current_content().version
    assert governance.unapproved_version() is None
    hotline = db.session.scalar(select(Hotline).where(Hotline.key == "988"))
    hotline.name_es = "Línea 988 de crisis"
    db.session.commit()
    assert governance.unapproved_version() not in (None, first)
    page = client.get("/admin/content").get_data(as_text=True)
    assert f"What changed since version {first} was approved" in page and "changed: hotline 988" in page


def test_approval_is_audited_with_what_changed(client, login, reviewer):
    login(reviewer)
    assert _approve(client).status_code == 302
    approval = db.session.scalar(select(ContentApproval))
    assert (approval.title, approval.title_es, approval.signed_name, approval.approved_by_id) == (
        "Medical Director", "Directora médica", "Dr. Rowan Example", reviewer.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "content.approve"))
    assert event.actor_id == reviewer.id and event.entity_id == str(approval.id)
    changes = json.loads(event.changes)
    assert changes["version"] == approval.version and changes["title"] == "Medical Director"


def test_a_stale_version_is_refused_not_signed(client, login, reviewer):
    login(reviewer)
    response = _approve(client, version="1.1.0-0000000000")
    assert response.status_code == 422
    assert "The content changed while you were reviewing it" in response.get_data(as_text=True)
    assert db.session.scalar(select(ContentApproval)) is None


def test_a_missing_title_is_named(client, login, reviewer):
    login(reviewer)
    response = _approve(client, title_es="")
    assert response.status_code == 422 and "Your title in Spanish" in response.get_data(as_text=True)
    assert db.session.scalar(select(ContentApproval)) is None


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "admin"])
def test_only_a_content_reviewer_can_approve(client, login_as, role):
    user = login_as(role)  # an admin without the reviewer mark is refused too
    assert _approve(client).status_code == 403
    assert db.session.scalar(select(ContentApproval)) is None
    if role in ("admin", "auditor"):
        page = client.get("/admin/content").get_data(as_text=True)
        assert "Only an admin account marked as content reviewer" in page and 'name="signed_name"' not in page
    assert not user.can_approve_content


def test_the_reviewer_mark_is_for_admin_accounts_and_audited(runner, make_user):
    admin = make_user("admin", email="md@example.test")
    result = runner.invoke(args=["content", "grant-reviewer", "md@example.test"])
    assert result.exit_code == 0, result.output
    db.session.refresh(admin)
    assert admin.can_approve_content
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.update",
                                                       AuditEvent.entity_id == str(admin.id)))
    assert json.loads(event.changes) == {"is_content_reviewer": [False, True]}
    make_user("auditor", email="aud@example.test")
    result = runner.invoke(args=["content", "grant-reviewer", "aud@example.test"])
    assert result.exit_code != 0 and "only an admin account can approve content" in result.output


@pytest.mark.clock
@pytest.mark.parametrize("zone", ["America/Denver", "America/New_York"])
def test_footer_prints_the_approval_day_in_the_facility_zone(app, shipped, make_facility, reviewer, zone):
    """Signed at 02:30 UTC, the evening before in the United States: the footer gives the
    facility's own date, as a long date in the packet language."""
    import time_machine
    from datetime import UTC, datetime

    from reentry.documents.services import assemble_packet, print_packets
    from reentry.documents.builders import WarningInput

    facility = make_facility("TZ-JAIL", timezone=zone)
    someone = create_participant(None, facility, booking_id="TZ-1", last_name="Sample", first_name="Kai",
                                 custody_start=RELEASE - timedelta(days=40), release_date=RELEASE,
                                 destination_state="NM", destination_county="Bernalillo")
    signed = datetime(2027, 1, 1, 2, 30, tzinfo=UTC)  # New Year's Eve in Denver and New York
    with time_machine.travel(signed, tick=False):
        version = governance.current_content().version
        approval = governance.approve_content(reviewer, version=version, **FORM)
        db.session.commit()
    local_day = signed.astimezone(ZoneInfo(zone)).date()
    assert local_day == date(2026, 12, 31)
    assert governance.footer_note(approval, "en", ZoneInfo(zone)).endswith("on December 31, 2026")
    assert governance.footer_note(approval, "es", ZoneInfo(zone)).endswith("el 31 de diciembre de 2026")
    assert governance.footer_note(approval, "en").endswith("on January 1, 2027")  # no zone: UTC
    warning = WarningInput(name="Kai Sample", language="es", release_date=RELEASE, flags=())
    for lang, expected in (("en", "reviewed by Medical Director on December 31, 2026"),
                           ("es", "revisada por Directora médica el 31 de diciembre de 2026")):
        packet = assemble_packet(someone, warning, release_date=RELEASE, product_code=None,
                                 facility_ids={facility.id}, lang=lang)
        text = _text(print_packets(None, [packet], facility_id=facility.id, lang=lang))
        assert expected in text
