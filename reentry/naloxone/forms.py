"""Naloxone forms. Field checks only; the rules live in services and come back as field errors."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField,
    SubmitField, TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from reentry.forms import select_choices

BLANK = ("", "—")

CONTEXT_LABELS = [("release", _l("At release")), ("in_custody_training", _l("In-custody training")),
                  ("family_visit", _l("Family visit")), ("community", _l("Community"))]
OUTCOME_LABELS = [("handed", _l("Handed to the person")), ("property", _l("Packed in property")),
                  ("declined", _l("Declined"))]
DECLINE_LABELS = [("no_need", _l("Says they do not need it")), ("has_kit", _l("Already has naloxone")),
                  ("distrust", _l("Does not trust the program")),
                  ("legal_worry", _l("Worried about police or legal trouble")),
                  ("cannot_carry", _l("Cannot carry or keep it")), ("stigma", _l("Worried what others think")),
                  ("other", _l("Other (say below)"))]
RECIPIENT_LABELS = [("participant", _l("The person at risk")), ("family", _l("Family or friend")),
                    ("staff", _l("Staff member")), ("community", _l("Community member"))]
SUPPLY_LABELS = [("first", _l("First kit")), ("repeat", _l("Repeat kit")), ("unknown", _l("Not known"))]
REPEAT_LABELS = [("used", _l("Used the last kit")), ("lost", _l("Lost")), ("expired", _l("Expired")),
                 ("confiscated", _l("Confiscated")), ("gave_away", _l("Gave it away"))]
WASTE_LABELS = [("expired", _l("Expired")), ("damaged", _l("Damaged")), ("recalled", _l("Recalled")),
                ("lost", _l("Lost"))]
ROUTE_LABELS = [("nasal", _l("Nasal")), ("IM", _l("Intramuscular (IM)")),
                ("IM/SC", _l("Intramuscular or under the skin (IM/SC)"))]
FUNDING_KIND_LABELS = [("state_program", _l("State distribution program")), ("federal_grant", _l("Federal grant")),
                       ("purchased", _l("Purchased")), ("donated", _l("Donated")), ("other", _l("Other"))]
LOCATION_KIND_LABELS = [("pharmacy", _l("Pharmacy")), ("medical_unit", _l("Medical unit")),
                        ("housing_cabinet", _l("Housing-unit cabinet")), ("emergency_bag", _l("Emergency bag")),
                        ("property_room", _l("Property room")), ("visit_room", _l("Visit room")),
                        ("other", _l("Other"))]
YES_NO_UNKNOWN_LABELS = [("unknown", _l("Not known")), ("yes", _l("Yes")), ("no", _l("No"))]
REPORTER_LABELS = [("participant", _l("The participant")), ("family", _l("Family or friend")),
                   ("staff", _l("Staff member")), ("other", _l("Someone else"))]
LOCATION_TYPE_LABELS = [("home", _l("Home")), ("street", _l("Street or outdoors")), ("shelter", _l("Shelter")),
                        ("facility", _l("A facility")), ("other", _l("Other"))]
GIVER_LABELS = [("participant", _l("The participant")), ("family", _l("Family or friend")),
                ("staff", _l("Staff member")), ("other", _l("Someone else"))]
REVERSAL_OUTCOME_LABELS = [("survived", _l("Survived")), ("died", _l("Died")), ("unknown", _l("Not known"))]
AGE_BAND_LABELS = [("unknown", _l("Not known")), ("under_18", _l("Under 18")), ("18_24", "18-24"),
                   ("25_34", "25-34"), ("35_44", "35-44"), ("45_54", "45-54"), ("55_64", "55-64"),
                   ("65_plus", _l("65 or older"))]
SOURCE_LABELS = [("our_kit", _l("A kit from this program")), ("elsewhere", _l("From somewhere else")),
                 ("unknown", _l("Not known"))]


def label_for(pairs, value) -> str:
    """The display label of a stored code (the code itself if unknown)."""
    return str(dict(pairs).get(value, value or ""))


def _yes_no(label):
    return SelectField(label, choices=select_choices(YES_NO_UNKNOWN_LABELS), default="unknown")


def _count(label):
    return IntegerField(label, validators=[Optional(), NumberRange(min=0, max=500)], default=0)


class KitEventForm(FlaskForm):
    token = HiddenField()
    version = HiddenField()  # corrections: refused if someone else saved the record first
    occurred_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()],
                                     description=_l("Facility local time."))
    context = SelectField(_l("Where"), choices=select_choices(CONTEXT_LABELS), default="release")
    outcome = SelectField(_l("What happened"), choices=select_choices(OUTCOME_LABELS), default="handed")
    lot = SelectField(_l("Lot"), description=_l("Earliest expiry first. Leave empty for a declined kit."))
    kits = IntegerField(_l("Number of kits"), validators=[InputRequired(), NumberRange(min=1, max=500)], default=1)
    recipient_type = SelectField(_l("Who received it"), choices=select_choices(RECIPIENT_LABELS),
                                 default="participant")
    supply = SelectField(_l("First or repeat kit"), choices=select_choices(SUPPLY_LABELS), default="first")
    repeat_reason = SelectField(_l("Why a repeat kit"), choices=select_choices([BLANK, *REPEAT_LABELS]),
                                description=_l("If the last kit was used, you can record that use next."))
    decline_reason = SelectField(_l("Why it was declined"), choices=select_choices([BLANK, *DECLINE_LABELS]),
                                 description=_l("Only for a declined kit."))
    decline_other = StringField(_l("Other reason"), validators=[Length(max=500)])
    submit = SubmitField(_l("Save kit record"))


class BulkDistributionForm(FlaskForm):
    token = HiddenField()
    occurred_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    context = SelectField(_l("Where"), choices=select_choices(CONTEXT_LABELS[2:] + CONTEXT_LABELS[:2]))
    lot = SelectField(_l("Lot"), validators=[DataRequired()])
    community = _count(_l("Kits to community members"))
    family = _count(_l("Kits to family or friends"))
    participant = _count(_l("Kits to people at risk (not named)"))
    staff = _count(_l("Kits to staff"))
    submit = SubmitField(_l("Save counts"))


class VoidForm(FlaskForm):
    reason = StringField(_l("Reason for voiding"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Void record"))


class PickupForm(FlaskForm):
    picked_up = SelectField(_l("Did the kit leave with the person?"),
                            choices=select_choices([("yes", _l("Yes, picked up at release")),
                                                    ("no", _l("No, left behind"))]))
    submit = SubmitField(_l("Save pickup"))


class ReceiveLotForm(FlaskForm):
    product = SelectField(_l("Product"), validators=[DataRequired()])
    lot_number = StringField(_l("Lot number"), validators=[DataRequired(), Length(max=64)])
    expiry_date = DateField(_l("Expiry date"), validators=[DataRequired()])
    quantity = IntegerField(_l("Kits received"), validators=[InputRequired(), NumberRange(min=1, max=100000)])
    funding_source = SelectField(_l("Paid for by"), validators=[DataRequired()])
    location = SelectField(_l("Storage location"))
    received_date = DateField(_l("Date received"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Length(max=500)])
    # Filled by the scan field's script: the scanned cartons' serial numbers, one a line.
    serials = HiddenField()
    submit = SubmitField(_l("Receive lot"))


class WasteForm(FlaskForm):
    quantity = IntegerField(_l("Kits"), validators=[InputRequired(), NumberRange(min=1)])
    reason = SelectField(_l("Reason"), choices=select_choices(WASTE_LABELS))
    note = StringField(_l("Note"), validators=[Length(max=500)])
    submit = SubmitField(_l("Record waste"))


class AdjustForm(FlaskForm):
    counted = IntegerField(_l("Kits counted"), validators=[InputRequired(), NumberRange(min=0)])
    reason = StringField(_l("Reason for the difference"), validators=[DataRequired(), Length(max=200)])
    note = StringField(_l("Note"), validators=[Length(max=500)])
    submit = SubmitField(_l("Record count"))


class TransferForm(FlaskForm):
    destination = SelectField(_l("To facility"), validators=[DataRequired()])
    quantity = IntegerField(_l("Kits"), validators=[InputRequired(), NumberRange(min=1)])
    note = StringField(_l("Note"), validators=[Length(max=500)])
    submit = SubmitField(_l("Transfer"))


class RecallForm(FlaskForm):
    reason = StringField(_l("Recall notice or reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Mark lot recalled"))


class LiftRecallForm(FlaskForm):
    reason = StringField(_l("Reason for lifting the recall"), validators=[DataRequired(), Length(max=500)],
                         description=_l("For example: the maker's notice does not cover this lot."))
    submit = SubmitField(_l("Lift recall"))


class LocationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=select_choices(LOCATION_KIND_LABELS))
    check_every_days = IntegerField(_l("Check every (days)"), validators=[Optional(), NumberRange(min=1, max=365)],
                                    description=_l("For example 7 for a weekly check. Empty: no schedule."))
    submit = SubmitField(_l("Add location"))


class StorageCheckForm(FlaskForm):
    counted = IntegerField(_l("Kits counted"), validators=[InputRequired(), NumberRange(min=0)])
    expired = IntegerField(_l("Kits expired"), validators=[InputRequired(), NumberRange(min=0)], default=0)
    missing = IntegerField(_l("Kits missing"), validators=[InputRequired(), NumberRange(min=0)], default=0)
    note = StringField(_l("Note"), validators=[Length(max=500)])
    submit = SubmitField(_l("Record check"))


class StockMinimumForm(FlaskForm):
    days_of_supply = IntegerField(_l("Minimum stock, in days of supply"),
                                  validators=[InputRequired(), NumberRange(min=1, max=365)],
                                  description=_l("At the rate kits were given in the last 90 days."))
    submit = SubmitField(_l("Save minimum"))


class ScanForm(FlaskForm):
    """One scan, resolved by POST /naloxone/scan (issue 17); `facility` is a facility code."""

    code = StringField(_l("Scan"), validators=[DataRequired(), Length(max=500)])
    facility = StringField(validators=[Optional(), Length(max=32)])
    # "receive": the receive form asks, so a carton received before is refused at once.
    purpose = StringField(validators=[Optional(), AnyOf(("", "receive"))])


class ProductGtinForm(FlaskForm):
    gtin = StringField(_l("Carton GTIN"), validators=[DataRequired(), Length(max=500)],
                       description=_l("Scan the carton or type the GTIN-14, UPC or EAN under its barcode."))
    submit = SubmitField(_l("Add GTIN"))


class CatalogGtinForm(FlaskForm):
    """Add a scanned GTIN the catalog did not know, choosing its product (linked from a scan)."""

    gtin = StringField(_l("Carton GTIN"), validators=[DataRequired(), Length(max=500)],
                       description=_l("The GTIN from the scan; check it against the carton."))
    product = SelectField(_l("Product"), validators=[DataRequired()],
                          description=_l("The product whose cartons carry this GTIN."))
    next = HiddenField()
    submit = SubmitField(_l("Add GTIN"))


class ProductForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    strength = StringField(_l("Strength"), validators=[DataRequired(), Length(max=64)])
    route = SelectField(_l("Route"), choices=select_choices(ROUTE_LABELS))
    devices_per_kit = IntegerField(_l("Devices per kit"), validators=[InputRequired(), NumberRange(min=1, max=50)])
    is_otc = BooleanField(_l("Over the counter"))
    ndc = StringField(_l("NDC"), validators=[Optional(), Length(max=20)])
    is_ndc_verified = BooleanField(_l("NDC checked against the current label"))
    # Bounded like every number field: an unbounded integer overflows the database column (a 500).
    storage_min_c = IntegerField(_l("Store at no less than (°C)"), validators=[Optional(), NumberRange(min=-40, max=60)])
    storage_max_c = IntegerField(_l("Store at no more than (°C)"), validators=[Optional(), NumberRange(min=-40, max=60)])
    storage_note = TextAreaField(_l("Storage note"), validators=[Length(max=1000)])
    shelf_life_months = IntegerField(_l("Shelf life (months)"), validators=[Optional(), NumberRange(min=1, max=120)])
    instructions_key = StringField(_l("Instructions key"), validators=[DataRequired(), Length(max=64)],
                                   description=_l("Chooses the how-to page printed in the release packet."))
    submit = SubmitField(_l("Save product"))


class FundingSourceForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=select_choices(FUNDING_KIND_LABELS))
    submit = SubmitField(_l("Add funding source"))


class ReversalForm(FlaskForm):
    token = HiddenField()
    kit_event = HiddenField()
    participant = HiddenField()
    occurred_on = DateField(_l("Date naloxone was used"), validators=[DataRequired()])
    reporter_type = SelectField(_l("Reported by"), choices=select_choices(REPORTER_LABELS))
    county = StringField(_l("County"), validators=[Length(max=100)])
    zip_code = StringField(_l("ZIP"), validators=[Length(max=10)])
    location_type = SelectField(_l("Where it happened"), choices=select_choices(LOCATION_TYPE_LABELS))
    giver_type = SelectField(_l("Who gave the naloxone"), choices=select_choices(GIVER_LABELS))
    is_self_administered = BooleanField(_l("Given to themselves"))
    product = SelectField(_l("Product used"))
    doses_used = IntegerField(_l("Doses used"), validators=[InputRequired(), NumberRange(min=1, max=20)], default=1)
    was_breathing = _yes_no(_l("Was the person breathing before?"))
    was_responsive = _yes_no(_l("Did the person respond before?"))
    rescue_breathing = _yes_no(_l("Rescue breathing given"))
    called_911 = _yes_no(_l("911 called"))
    ems_came = _yes_no(_l("EMS came"))
    giver_stayed = _yes_no(_l("The giver stayed with the person"))
    others_gave_naloxone = _yes_no(_l("Other responders also gave naloxone"))
    outcome = SelectField(_l("Outcome"), choices=select_choices(REVERSAL_OUTCOME_LABELS), default="unknown")
    age_band = SelectField(_l("Age of the person helped"), choices=select_choices(AGE_BAND_LABELS))
    gender = StringField(_l("Gender of the person helped"), validators=[Length(max=64)])
    naloxone_source = SelectField(_l("Where the naloxone came from"), choices=select_choices(SOURCE_LABELS),
                                  default="unknown")
    submit = SubmitField(_l("Save use report"))
