"""The flags about a person ("You have overdosed before") print only when they chose it: the
choice is recorded with the screening (off by default), can be changed at print time, prints
on a sheet of its own, and is audited with the print."""
import json
import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.documents.models import PacketPrint
from reentry.extensions import db
from reentry.participants.services import create_participant, latest_screening, record_screening

RELEASE = date(2026, 11, 20)
PERSONAL = ("You have overdosed before", "Injecting raises the risk", "You have been inside")


def _pages(data: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(BytesIO(data)).pages]


@pytest.fixture
def person(make_facility):
    facility = make_facility("PF-JAIL")

    def make(consent=None, **answers):
        n = len(db.session.scalars(select(AuditEvent.id)).all())
        someone = create_participant(None, facility, booking_id=f"PF-{n}", last_name="Sample", first_name="Lee",
                                     custody_start=RELEASE - timedelta(days=40), release_date=RELEASE,
                                     destination_state="OH", destination_county="Franklin")
        values = {"screened_on": RELEASE - timedelta(days=2), "overdose_ever": True, "injects": True,
                  "opioid_use_before_custody": True, "fentanyl_in_supply": True, **answers}
        if consent is not None:
            values["wants_personal_flags_printed"] = consent
        record_screening(None, someone, values)
        db.session.commit()
        return facility, someone

    return make


def _print(client, someone, **form):
    response = client.post(f"/participants/{someone.id}/packet.pdf", data={"lang": "en", **form})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return _pages(response.data)


def test_consent_is_off_unless_given(person):
    _, someone = person()
    assert latest_screening(someone.id, facility_ids=None).wants_personal_flags_printed is False


def test_without_consent_no_personal_flag_prints_anywhere(client, login_as, person):
    facility, someone = person()
    login_as("staff", facilities=[facility])
    text = " ".join(_print(client, someone))
    for phrase in PERSONAL:
        assert phrase not in text
    assert "Just for you" not in text
    assert "Fentanyl is in the drugs here" in text  # about the supply, not the person: general page
    printed = db.session.scalar(select(PacketPrint).where(PacketPrint.participant_id == someone.id))
    assert printed.has_personal_flags is False


def test_with_consent_they_print_on_a_sheet_of_their_own(client, login_as, person):
    facility, someone = person(consent=True)
    login_as("staff", facilities=[facility])
    page = client.get(f"/participants/{someone.id}").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="personal_flags"[^>]*>', page).group(0)
    assert "checked" in box  # the print form starts from the choice recorded with the screening
    pages = _print(client, someone, personal_flags="y")
    sheet = [n for n, text in enumerate(pages) if text.startswith("Just for you")]
    assert len(sheet) == 1 and sheet[0] % 2 == 0  # its own sheet: starts on a front side
    personal_page = pages[sheet[0]]
    for phrase in PERSONAL:
        assert phrase in personal_page
        assert all(phrase not in text for n, text in enumerate(pages) if n != sheet[0])
    assert "Just for you" in pages[0]  # listed on the cover
    printed = db.session.scalar(select(PacketPrint).where(PacketPrint.participant_id == someone.id))
    assert printed.has_personal_flags is True
    # Chosen as recorded: no change-of-mind row.
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "packet.personal_flags_choice")) is None


def test_the_screening_audit_row_records_the_choice(person):
    _, someone = person(consent=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "screening.create",
                                                       AuditEvent.entity_id == str(latest_screening(someone.id, facility_ids=None).id)))
    assert json.loads(event.changes)["wants_personal_flags_printed"] is True


@pytest.mark.parametrize("recorded, at_print", [(True, False), (False, True)])
def test_changeable_at_print_time_and_audited(client, login_as, person, recorded, at_print):
    facility, someone = person(consent=recorded)
    user = login_as("staff", facilities=[facility])
    text = " ".join(_print(client, someone, **({"personal_flags": "y"} if at_print else {})))
    assert ("You have overdosed before" in text) is at_print
    change = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "packet.personal_flags_choice"))
    assert change is not None and change.entity_id == str(someone.id) and change.actor_id == user.id
    assert json.loads(change.changes) == {"wants_personal_flags_printed": [recorded, at_print]}
    assert change.occurred_at is not None
    printed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "packet.print"))
    assert json.loads(printed.changes)["personal_flags"] == {str(someone.id): at_print}


def test_batch_command_follows_each_person_s_recorded_choice(runner, person, tmp_path):
    facility, yes = person(consent=True)
    _, no = person()
    out = tmp_path / "day.pdf"
    result = runner.invoke(args=["packets", "--facility", facility.code, "--date", RELEASE.isoformat(),
                                 "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = " ".join(_pages(out.read_bytes()))
    assert text.count("You have overdosed before") == 1
    prints = {p.participant_id: p.has_personal_flags for p in db.session.scalars(select(PacketPrint))}
    assert prints == {yes.id: True, no.id: False}
