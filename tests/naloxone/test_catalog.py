"""The seeded catalog, admin edits, retiring products, funding sources."""
from __future__ import annotations

from datetime import date


import pytest
from sqlalchemy import func, select

from reentry.audit.models import AuditEvent
from reentry.errors import DomainError
from reentry.extensions import db
from reentry.naloxone import services
from reentry.naloxone.models import FundingSource, Product
from tests.naloxone.conftest import kit
from reentry.database import utcnow

# Dates compared with the facility's today: .ci/run runs these at frozen instants too (issue 18).
pytestmark = pytest.mark.clock


SEEDED = ["narcan-4mg", "naloxone-4mg-generic", "rivive-3mg", "kloxxado-8mg", "zimhi-5mg", "naloxone-0.4mg-vial"]


def test_migration_seeds_exactly_the_six_products_with_their_label_facts(app):
    products = {p.code: p for p in db.session.scalars(select(Product))}
    assert sorted(products) == sorted(SEEDED)
    narcan = products["narcan-4mg"]
    assert (narcan.ndc, narcan.is_otc, narcan.route, narcan.devices_per_kit) == ("69547-627-02", True, "nasal", 2)
    assert (narcan.storage_min_c, narcan.storage_max_c, narcan.shelf_life_months) == (2, 25, 48)
    assert products["naloxone-4mg-generic"].ndc == "0480-3478-68"
    assert products["kloxxado-8mg"].ndc == "59467-679-01" and not products["kloxxado-8mg"].is_otc
    assert products["zimhi-5mg"].ndc == "84571-140-02" and products["zimhi-5mg"].route == "IM/SC"
    assert products["rivive-3mg"].ndc is None and products["rivive-3mg"].is_otc
    assert products["naloxone-0.4mg-vial"].ndc is None and products["naloxone-0.4mg-vial"].route == "IM"
    # Nothing is verified until an administrator checks the current label (DOMAIN.md section 4).
    assert not any(p.is_ndc_verified for p in products.values())
    assert all(p.instructions_key for p in products.values())
    assert {f.kind for f in db.session.scalars(select(FundingSource))} == {
        "state_program", "federal_grant", "purchased", "donated"}


def test_admin_edits_a_product_and_verifying_the_ndc_stamps_the_date(app, make_user):
    admin = make_user("admin")
    product = services.get_product_by_code("rivive-3mg")
    values = {field: getattr(product, field) for field in services.PRODUCT_FIELDS if field not in (
        "ndc_verified_on", "is_active")}
    with pytest.raises(DomainError) as error:
        services.save_product(admin, product, **{**values, "is_ndc_verified": True})
    assert error.value.field == "is_ndc_verified"
    services.save_product(admin, product, **{**values, "ndc": "12345-678-90", "is_ndc_verified": True})
    db.session.commit()
    assert product.is_ndc_verified and product.ndc_verified_on == utcnow().date()  # the catalog has no facility: a UTC date
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "product.update"))
    assert '"ndc": [null, "12345-678-90"]' in row.changes
    with pytest.raises(DomainError):
        services.save_product(admin, None, **{**values, "code": "narcan-4mg"})


def test_a_retired_product_leaves_new_records_but_stays_on_history(app, make_lot, facility):
    lot = make_lot(product_code="zimhi-5mg")
    event, _ = services.record_kit_event(None, facility, kit(lot), token=services.new_token())
    product = lot.product
    services.set_product_active(None, product, False)
    db.session.commit()
    assert product not in services.active_products()
    assert services.distributable_lots(facility) == []
    with pytest.raises(DomainError):
        services.receive_lot(None, facility, product, "NEW", date(2030, 1, 1), 5, lot.funding_source)
    assert db.session.get(type(event), event.id).product.code == "zimhi-5mg"


def test_funding_sources_are_a_list_admins_keep(app, make_user):
    admin = make_user("admin")
    source = services.create_funding_source(admin, "opioid-settlement", "County opioid settlement fund", "other")
    with pytest.raises(DomainError):
        services.create_funding_source(admin, "opioid-settlement", "Again", "other")
    services.set_funding_source_active(admin, source, False)
    db.session.commit()
    assert source not in services.active_funding_sources() and source in services.all_funding_sources()


def test_admin_pages_for_catalog_and_funding(app, client, login_as):
    login_as("admin")
    product = services.get_product_by_code("kloxxado-8mg")
    assert client.post(f"/naloxone/products/{product.id}/retire").status_code == 302
    assert not product.is_active
    response = client.post("/naloxone/funding", data={"code": "county", "name": "County budget", "kind": "purchased"})
    assert response.status_code == 302
    assert "County budget" in client.get("/naloxone/funding").get_data(as_text=True)
    donated = db.session.scalar(select(FundingSource).where(FundingSource.code == "donated"))
    assert client.post(f"/naloxone/funding/{donated.id}/retire").status_code == 302
    assert not donated.is_active and donated not in services.active_funding_sources()


def test_staff_cannot_edit_the_catalog(app, client, login_as):
    login_as("staff")
    product = services.get_product_by_code("kloxxado-8mg")
    assert client.get("/naloxone/products").status_code == 200
    assert client.post(f"/naloxone/products/{product.id}/retire").status_code == 403
    assert client.post("/naloxone/funding", data={"code": "x", "name": "X", "kind": "other"}).status_code == 403


def test_a_huge_storage_temperature_is_refused_with_its_field_named(app, client, login_as):
    login_as("admin")
    before = db.session.scalar(select(func.count(Product.id)))
    response = client.post("/naloxone/products/new", data={
        "code": "huge", "name": "Huge", "strength": "4 mg", "route": "nasal", "devices_per_kit": "2",
        "storage_min_c": "2", "storage_max_c": str(2 ** 63), "instructions_key": "nasal-4mg"})
    assert response.status_code == 200  # the form again, not a database error
    page = response.get_data(as_text=True)
    assert "Store at no more than" in page and "Number must be between -40 and 60" in page
    assert db.session.scalar(select(func.count(Product.id))) == before
