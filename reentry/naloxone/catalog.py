"""The catalog every install starts with: six naloxone products and four funding sources.

Facts from ../shared/DOMAIN.md section 4. NDCs are as listed there and left unverified: an
administrator confirms each against the current label before marking it verified. Migration 0005
inserts these rows; `seed_catalog()` adds any that are missing (demo data, tests).
"""
from __future__ import annotations

from sqlalchemy import select

from reentry.extensions import db
from reentry.naloxone.models import FundingSource, Product, ProductGtin
from reentry.naloxone.scanning import gtin_check_digit, gtin_from_ndc

SEED_PRODUCTS = [
    # code, name, strength, route, devices per kit, OTC, NDC, min C, max C, storage note,
    # shelf life months, instructions key
    ("narcan-4mg", "Narcan nasal spray 4 mg", "4 mg", "nasal", 2, True, "69547-627-02", 2, 25,
     "Store at 36-77 F (2-25 C). Do not freeze. Avoid above 104 F (40 C). Protect from light.",
     48, "nasal-4mg"),
    ("naloxone-4mg-generic", "Naloxone HCl nasal spray 4 mg (generic)", "4 mg", "nasal", 2, True,
     "0480-3478-68", 2, 25,
     "Most generics: 36-77 F (2-25 C), do not freeze, protect from light; Teva: below 77 F. "
     "Check the label of the make you hold (BluePoint NDC 68001-645-45).", None, "nasal-4mg"),
    ("rivive-3mg", "RiVive nasal spray 3 mg", "3 mg", "nasal", 2, True, None, None, None,
     "Package size and storage not verified: check the label.", None, "nasal-3mg"),
    ("kloxxado-8mg", "Kloxxado nasal spray 8 mg", "8 mg", "nasal", 2, False, "59467-679-01", None, None,
     "Check the label for storage.", None, "nasal-8mg"),
    ("zimhi-5mg", "Zimhi prefilled syringe 5 mg/0.5 mL", "5 mg/0.5 mL", "IM/SC", 2, False,
     "84571-140-02", None, None, "Also sold as 1 syringe (-11). Check the label for storage.", None,
     "zimhi-syringe"),
    ("naloxone-0.4mg-vial", "Naloxone HCl vial 0.4 mg/mL (1 mL)", "0.4 mg/mL", "IM", 2, False, None,
     None, None, "Kits of vials and syringes vary; count devices per kit as packed. "
     "Check the label for storage.", None, "vial-im"),
]
SEED_FUNDING_SOURCES = [
    ("state-program", "State naloxone distribution program", "state_program"),
    ("federal-grant", "Federal grant", "federal_grant"),
    ("purchased", "Purchased by the facility", "purchased"),
    ("donated", "Donated", "donated"),
]




def _demo_gtin(item: str) -> str:
    """A synthetic GTIN-14 under GS1 prefix 952, which GS1 keeps for examples: valid check digit,
    never on a real carton."""
    payload = "0952" + item.rjust(9, "0")
    return payload + gtin_check_digit(payload)


# One carton GTIN per product, so the demo can be tried with a scanner. Where DOMAIN.md gives an
# NDC, the GTIN is the one a US drug's carton carries for it (indicator 0, "03", NDC, check digit),
# derived here, not read off a label; RiVive and the vial have no NDC here, so theirs are synthetic.
DEMO_GTINS = {
    "narcan-4mg": gtin_from_ndc("69547-627-02"),
    "naloxone-4mg-generic": gtin_from_ndc("0480-3478-68"),
    "rivive-3mg": _demo_gtin("1703"),
    "kloxxado-8mg": gtin_from_ndc("59467-679-01"),
    "zimhi-5mg": gtin_from_ndc("84571-140-02"),
    "naloxone-0.4mg-vial": _demo_gtin("1704"),
}

PRODUCT_COLUMNS = ("code", "name", "strength", "route", "devices_per_kit", "is_otc", "ndc", "storage_min_c",
                   "storage_max_c", "storage_note", "shelf_life_months", "instructions_key")


def seed_rows() -> tuple[list[dict], list[dict]]:
    """The seed as column dicts: (products, funding sources)."""
    products = [dict(zip(PRODUCT_COLUMNS, row), is_ndc_verified=False, is_active=True) for row in SEED_PRODUCTS]
    funding = [dict(code=code, name=name, kind=kind, is_active=True) for code, name, kind in SEED_FUNDING_SOURCES]
    return products, funding


def seed_catalog() -> list[str]:
    """Add the seeded products and funding sources that are missing; returns what was added."""
    products, funding = seed_rows()
    have = set(db.session.scalars(select(Product.code)))
    added = [f"product {row['code']}" for row in products if row["code"] not in have]
    db.session.add_all(Product(**row) for row in products if row["code"] not in have)
    have = set(db.session.scalars(select(FundingSource.code)))
    added += [f"funding source {row['code']}" for row in funding if row["code"] not in have]
    db.session.add_all(FundingSource(**row) for row in funding if row["code"] not in have)
    db.session.flush()
    have = set(db.session.scalars(select(ProductGtin.gtin)))
    for code, gtin in DEMO_GTINS.items():
        product = db.session.scalar(select(Product).where(Product.code == code))
        if product is not None and gtin not in have:
            db.session.add(ProductGtin(product_id=product.id, gtin=gtin))
            added.append(f"GTIN {gtin}")
    db.session.flush()
    return added
