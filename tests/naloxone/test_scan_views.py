"""POST /naloxone/scan and the product page's GTINs (issue 17)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from reentry.extensions import db
from reentry.naloxone import services
from reentry.naloxone.models import CartonSerial, ProductGtin
from tests.clock import today
from tests.naloxone.conftest import kit
from tests.conftest import base_config

pytestmark = pytest.mark.clock

GS = "\x1d"
NARCAN_GTIN = "00369547627027"
KEYS = {"gtin", "ndc", "product", "lot", "expiry", "serial", "problem"}


def _code(lot: str, expiry, serial: str = "") -> str:
    return f"]d201{NARCAN_GTIN}17{expiry:%y%m%d}10{lot}" + (f"{GS}21{serial}" if serial else "")


def test_scan_answers_json_with_exactly_the_contract_keys(client, login_as, facility, make_lot):
    expiry = make_lot(quantity=4, lot_number="VW1").expiry_date
    login_as("staff", facilities=[facility])
    code = facility.code
    db.session.close()
    response = client.post("/naloxone/scan", data={"code": _code("VW1", expiry, "S77"), "facility": code})
    assert response.status_code == 200 and response.is_json
    assert response.get_json() == {"gtin": NARCAN_GTIN, "ndc": "6954762702", "product": "narcan-4mg",
                                   "lot": "VW1", "expiry": expiry.isoformat(), "serial": "S77",
                                   "problem": None}
    refused = client.post("/naloxone/scan", data={"code": _code("ELSE", expiry), "facility": code})
    assert set(refused.get_json()) == KEYS and "No such lot here" in refused.get_json()["problem"]
    empty = client.post("/naloxone/scan", data={"code": ""})
    assert empty.status_code == 400 and set(empty.get_json()) == KEYS and empty.get_json()["problem"]


def test_scan_of_another_facility_is_not_found(client, login_as, make_facility):
    make_facility("SCAN-OTHER")
    login_as("staff", facilities=[make_facility("SCAN-MINE")])
    db.session.close()
    assert client.post("/naloxone/scan", data={"code": NARCAN_GTIN, "facility": "SCAN-OTHER"}).status_code == 404


def test_scan_needs_the_csrf_token(database_url, app):
    from reentry import create_app
    from reentry.auth import services as auth

    csrf_app = create_app(base_config(database_url, WTF_CSRF_ENABLED=True))
    from reentry.facilities.services import create_facility

    auth.create_user(None, "csrf.scan@example.test", "staff", "correct horse battery staple 42",
                     [create_facility(None, "CSRF-SCAN", "Jail", "jail", "OH")])
    db.session.commit()

    def token(html):
        return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)

    client = csrf_app.test_client()
    login_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                            client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": "csrf.scan@example.test", "password": "correct horse battery staple 42",
                                "csrf_token": login_token})
    assert client.post("/naloxone/scan", data={"code": NARCAN_GTIN}).status_code == 400
    page_token = token(client.get("/naloxone/products").get_data(as_text=True))
    response = client.post("/naloxone/scan", data={"code": NARCAN_GTIN, "csrf_token": page_token})
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    assert response.get_json()["product"] == "narcan-4mg"
    with csrf_app.app_context():
        db.engine.dispose()


def test_receive_form_stores_scanned_serials_and_refuses_a_repeat(client, login_as, facility, funding):
    product_id = services.get_product_by_code("narcan-4mg").id
    funding_id = funding.id
    login_as("staff", facilities=[facility])
    db.session.refresh(facility)
    db.session.expunge_all()
    form = {"product": product_id, "lot_number": "RF1", "expiry_date": (today() + timedelta(days=400)).isoformat(),
            "quantity": 2, "funding_source": funding_id, "location": "", "serials": "S1\nS2"}
    first = client.post(f"/naloxone/{facility.code}/lots/receive", data=form)
    assert first.status_code == 302, re.findall(r'field-error">([^<]+)', first.get_data(as_text=True))
    again = client.post(f"/naloxone/{facility.code}/lots/receive", data=form | {"serials": "S2", "quantity": 1})
    received_on = services.facility_today(facility).isoformat()
    assert again.status_code == 200
    assert f"This carton (serial S2) was already received on {received_on}." in again.get_data(as_text=True)
    twice = client.post(f"/naloxone/{facility.code}/lots/receive", data=form | {"serials": "S3\nS3"})
    assert twice.status_code == 200 and "This carton was already scanned: serial S3" in twice.get_data(as_text=True)
    assert sorted(db.session.scalars(select(CartonSerial.serial))) == ["S1", "S2"]


def test_admin_adds_and_removes_a_gtin_on_the_product_page(client, login_as):
    product = services.get_product_by_code("rivive-3mg")
    product_id = product.id
    db.session.close()
    login_as("admin")
    page = client.get(f"/naloxone/products/{product_id}/edit").get_data(as_text=True)
    assert "Carton barcodes (GTINs)" in page and 'name="gtin-gtin"' in page
    response = client.post(f"/naloxone/products/{product_id}/gtins", data={"gtin-gtin": "9520000000028"},
                           follow_redirects=True)
    assert "GTIN 09520000000028 added" in response.get_data(as_text=True)
    bad = client.post(f"/naloxone/products/{product_id}/gtins", data={"gtin-gtin": "9520000000027"},
                      follow_redirects=True)
    assert "check digit" in bad.get_data(as_text=True)
    row_id = db.session.scalar(select(ProductGtin.id).where(ProductGtin.gtin == "09520000000028"))
    db.session.close()
    client.post(f"/naloxone/products/{product_id}/gtins/{row_id}/remove")
    assert db.session.scalar(select(ProductGtin.id).where(ProductGtin.gtin == "09520000000028")) is None


UNKNOWN_GTIN = "09520000000028"  # a valid GTIN-14 no catalog product holds


def test_an_unknown_gtin_offers_its_admin_the_add_form_filled_in(client, login_as, facility):
    login_as("admin", name="Ada Admin")
    code = facility.code
    db.session.close()
    answer = client.post("/naloxone/scan", data={"code": f"01{UNKNOWN_GTIN}10L1"}).get_json()
    assert set(answer) == KEYS and answer["gtin"] == UNKNOWN_GTIN and answer["product"] is None
    assert "not in the catalog yet" in answer["problem"]
    # The receive page hands its script the add-GTIN form, which comes back filled from ?gtin=.
    receive = client.get(f"/naloxone/{code}/lots/receive").get_data(as_text=True)
    assert 'data-add-gtin-url="/naloxone/products/gtins/new"' in receive
    back = f"/naloxone/{code}/lots/receive"
    form = client.get(f"/naloxone/products/gtins/new?gtin={UNKNOWN_GTIN}&next={back}").get_data(as_text=True)
    assert f'name="gtin" required type="text" value="{UNKNOWN_GTIN}"' in form
    assert f'name="next" type="hidden" value="{back}"' in form
    product_id = services.get_product_by_code("rivive-3mg").id
    db.session.close()
    added = client.post("/naloxone/products/gtins/new", data={"gtin": UNKNOWN_GTIN, "product": product_id,
                                                              "next": back})
    assert added.status_code == 302 and added.headers["Location"] == back
    assert client.post("/naloxone/scan", data={"code": UNKNOWN_GTIN}).get_json()["product"] == "rivive-3mg"
    # The product page's own add-GTIN field takes the same prefill.
    page = client.get(f"/naloxone/products/{product_id}/edit?gtin=0012345678905").get_data(as_text=True)
    assert 'value="0012345678905"' in page


def test_the_add_gtin_form_refuses_a_taken_gtin_and_a_foreign_next(client, login_as):
    login_as("admin")
    narcan_id = services.get_product_by_code("narcan-4mg").id
    db.session.close()
    taken = client.post("/naloxone/products/gtins/new", data={"gtin": NARCAN_GTIN, "product": narcan_id})
    assert taken.status_code == 200 and "already belongs to" in taken.get_data(as_text=True)
    outside = client.post("/naloxone/products/gtins/new", data={"gtin": UNKNOWN_GTIN, "product": narcan_id,
                                                                "next": "//evil.example/"})
    assert outside.headers["Location"] == f"/naloxone/products/{narcan_id}/edit"


def test_others_are_told_which_admin_can_add_an_unknown_gtin(client, login_as, make_user, facility):
    make_user("admin", name="Ada Admin")
    nameless = make_user("admin", name="")  # named by nothing: never by their sign-in address
    nameless_email = nameless.email
    login_as("staff", facilities=[facility])
    code = facility.code
    db.session.close()
    problem = client.post("/naloxone/scan", data={"code": UNKNOWN_GTIN}).get_json()["problem"]
    assert "Only an administrator can add it" in problem and "Ada Admin" in problem
    assert nameless_email not in problem and "@" not in problem
    assert 'data-add-gtin-url=""' in client.get(f"/naloxone/{code}/lots/receive").get_data(as_text=True)
    assert client.get(f"/naloxone/products/gtins/new?gtin={UNKNOWN_GTIN}").status_code == 403


def test_a_carton_received_before_is_refused_when_the_receive_form_scans_it(client, login_as, facility, funding):
    product = services.get_product_by_code("narcan-4mg")
    expiry = today() + timedelta(days=400)
    services.receive_lot(None, facility, product, "RS1", expiry, 2, funding, serials=["S1", "S2"])
    db.session.commit()
    received_on = services.facility_today(facility).isoformat()
    login_as("staff", facilities=[facility])
    db.session.close()
    again = client.post("/naloxone/scan", data={"code": _code("RS1", expiry, "S2"), "purpose": "receive"}).get_json()
    assert set(again) == KEYS and again["serial"] == "S2"
    assert again["problem"] == f"This carton (serial S2) was already received on {received_on}."
    new = client.post("/naloxone/scan", data={"code": _code("RS1", expiry, "S3"), "purpose": "receive"}).get_json()
    assert new["problem"] is None and new["lot"] == "RS1"
    # Giving a kit from a received carton is no repeat: only the receive form asks.
    assert client.post("/naloxone/scan", data={"code": _code("RS1", expiry, "S2")}).get_json()["problem"] is None
    assert client.post("/naloxone/scan", data={"code": _code("RS1", expiry, "S2"),
                                               "purpose": "dispense"}).status_code == 400


def test_a_carton_received_at_another_facility_is_refused_without_that_facilitys_date(
        app, client, login_as, facility, funding, make_facility):
    """Another facility's receipts, and their dates, are not this reader's to see: the scan says
    only that the carton was received elsewhere (the submit: test_scanning)."""
    product = services.get_product_by_code("narcan-4mg")
    expiry = today() + timedelta(days=400)
    other = make_facility("SCAN-OTHER")
    services.receive_lot(None, other, product, "RS9", expiry, 1, funding, serials=["X1"])
    db.session.commit()
    login_as("staff", facilities=[facility])
    db.session.close()
    answer = client.post("/naloxone/scan", data={"code": _code("RS9", expiry, "X1"), "purpose": "receive"}).get_json()
    assert answer["problem"] == "This carton (serial X1) was already received at another facility."
    # An admin sees every facility: told the day, in the receiving facility's zone.
    received_on = services.facility_today(db.session.merge(other)).isoformat()
    admin = app.test_client()
    login_as("admin", test_client=admin)
    db.session.close()
    answer = admin.post("/naloxone/scan", data={"code": _code("RS9", expiry, "X1"), "purpose": "receive"}).get_json()
    assert answer["problem"] == f"This carton (serial X1) was already received on {received_on}."


def test_the_kit_correction_form_has_the_scan_field_with_the_facilitys_lots(client, login_as, facility, make_lot):
    lot = make_lot(quantity=5, lot_number="CORR1")
    event, _ = services.record_kit_event(None, facility, kit(lot), token=services.new_token())
    db.session.commit()
    lot_id, event_id, code = lot.id, event.id, facility.code
    login_as("staff", facilities=[facility])
    db.session.close()
    page = client.get(f"/naloxone/kits/{event_id}/edit").get_data(as_text=True)
    assert 'class="scan-field"' in page and 'data-mode="kit"' in page and f'data-facility="{code}"' in page
    assert f"&#34;narcan-4mg|CORR1&#34;: {lot_id}" in page and "js/naloxone-scan.js" in page
