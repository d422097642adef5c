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
    assert again.status_code == 200 and "This carton was already scanned: serial S2" in again.get_data(as_text=True)
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
