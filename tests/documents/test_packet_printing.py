"""Release packets for real records: `reentry packets` for a facility and day, and the print
button on a participant's page. Both read the person's own flags, destination and language."""
from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from reentry.audit.models import AuditEvent
from reentry.extensions import db
from reentry.participants.services import create_participant, record_screening

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


RELEASE = date(2026, 11, 20)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@pytest.fixture
def leaving(make_facility):
    facility = make_facility("PKT-JAIL")
    ana = create_participant(None, facility, booking_id="P-1", last_name="Peña", first_name="Ana",
                             custody_start=RELEASE - timedelta(days=40), release_date=RELEASE,
                             preferred_language="es", destination_state="OH", destination_county="Franklin")
    record_screening(None, ana, {"screened_on": RELEASE - timedelta(days=2), "injects": True})
    ben = create_participant(None, facility, booking_id="P-2", last_name="O'Neil", first_name="Ben",
                             custody_start=RELEASE - timedelta(days=3), expected_release_date=RELEASE,
                             destination_state="NM")
    create_participant(None, facility, booking_id="P-3", last_name="Later", first_name="Cy",
                       expected_release_date=RELEASE + timedelta(days=1))
    db.session.commit()
    return facility, ana, ben


def test_packets_command_prints_everyone_leaving_that_day(runner, leaving, tmp_path):
    facility, ana, ben = leaving
    out = tmp_path / "packets.pdf"
    result = runner.invoke(args=["packets", "--facility", "pkt-jail", "--date", RELEASE.isoformat(),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote 2 packets for PKT-JAIL on {RELEASE.isoformat()} to {out}" in result.output
    reader = PdfReader(str(out))
    assert reader.pages[0].mediabox.width == 612 and reader.pages[0].mediabox.height == 792
    text = _text(out.read_bytes())
    assert "Ana Peña" in text and "Ben O'Neil" in text and "Cy Later" not in text
    assert "primeras dos semanas" in text.lower()  # Ana's packet is in her language
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "packet.print"))
    assert sorted(__import__("json").loads(event.changes)["participant_ids"]) == sorted([ana.id, ben.id])


def test_packets_command_errors_are_one_line(runner, leaving, tmp_path):
    out = tmp_path / "none.pdf"
    result = runner.invoke(args=["packets", "--facility", "PKT-JAIL", "--date", "2020-01-01", "--out", str(out)])
    assert result.exit_code != 0 and "Nobody at PKT-JAIL is released" in result.output
    assert not out.exists()
    result = runner.invoke(args=["packets", "--facility", "NOPE", "--date", "2026-11-20", "--out", str(out)])
    assert result.exit_code != 0 and "No facility with code NOPE." in result.output
    result = runner.invoke(args=["packets", "--facility", "PKT-JAIL", "--date", "20-11-2026", "--out", str(out)])
    assert result.exit_code != 0 and "YYYY-MM-DD" in result.output


def test_language_and_large_print_options(runner, leaving, tmp_path):
    out = tmp_path / "en.pdf"
    result = runner.invoke(args=["packets", "--facility", "PKT-JAIL", "--date", RELEASE.isoformat(),
                                 "--out", str(out), "--lang", "en", "--large-print"])
    assert result.exit_code == 0, result.output
    assert "first two weeks" in _text(out.read_bytes()).lower()


def test_print_button_on_the_participant_page(client, login_as, leaving):
    facility, ana, _ = leaving
    login_as("staff", facilities=[facility])
    page = client.get(f"/participants/{ana.id}").get_data(as_text=True)
    assert "Print release packet" in page
    response = client.post(f"/participants/{ana.id}/packet.pdf", data={"lang": "es"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data)
    assert "Ana Peña" in text
    # Her screening says she injects, but she did not choose to have that printed: it is not.
    assert "inyectarse sube el riesgo" not in text.lower() and "Solo para usted" not in text


def test_print_button_refuses_another_facility(client, login_as, leaving, make_facility):
    _, ana, _ = leaving
    login_as("staff", facilities=[make_facility("ELSEWHERE")])
    assert client.post(f"/participants/{ana.id}/packet.pdf", data={"lang": "en"}).status_code == 404
