from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from reentry.documents.content import resource_type_labels
from reentry.documents.models import RESOURCE_TYPES
from reentry.facilities.services import US_STATES
from reentry.forms import select_choices

TRI_STATE_CHOICES = [("unknown", _l("Unknown")), ("yes", _l("Yes")), ("no", _l("No"))]


class VerifyLookupForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The code printed under the QR code, such as ABCD-EFGH-JKMN-PQRS-TVWX."))
    submit = SubmitField(_l("Check"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Confirm"))


class ResourceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    type = SelectField(_l("Type"), choices=select_choices(
        (t, resource_type_labels()[t]["en"]) for t in RESOURCE_TYPES))
    address = StringField(_l("Street address and city"), validators=[Length(max=300)])
    state = SelectField(_l("State"), choices=select_choices((s, s) for s in US_STATES))
    county = StringField(_l("County"), validators=[DataRequired(), Length(max=100)],
                         description=_l("Without the word County, e.g. Franklin. Packets list places by county."))
    zip = StringField(_l("ZIP code"), validators=[Length(max=10)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    hours = StringField(_l("Hours"), validators=[Length(max=200)])
    hours_es = StringField(_l("Hours (Spanish)"), validators=[Length(max=200)],
                           description=_l("As a Spanish packet prints them, e.g. De lunes a viernes, de 9 a. m. a "
                                          "5 p. m. Left empty, Spanish packets say to call for the hours."))
    languages = StringField(_l("Languages spoken"), validators=[Length(max=200)])
    accepts_records = SelectField(_l("Accepts people with records"), choices=select_choices(TRI_STATE_CHOICES))
    last_verified_on = DateField(_l("Last verified on"), validators=[Optional()],
                                 description=_l("The day someone called or visited to check this entry."))
    last_verified_by = StringField(_l("Verified by"), validators=[Length(max=200)])
    submit = SubmitField(_l("Save"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()],
                     description=_l("Same columns as the export. Rows with an id update that entry; "
                                    "rows without one are added. Nothing is saved if any row is wrong."))
    submit = SubmitField(_l("Import"))


class HotlineForm(FlaskForm):
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    name_es = StringField(_l("Name (Spanish)"), validators=[Length(max=200)])
    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=40)])
    description_en = StringField(_l("Description (English)"), validators=[Length(max=300)])
    description_es = StringField(_l("Description (Spanish)"), validators=[Length(max=300)])
    source = TextAreaField(_l("Source"), validators=[Length(max=2000)])
    is_verified = BooleanField(_l("I called this number and it is correct (verified)"))
    verified_on = DateField(_l("Verified on"), validators=[Optional()],
                            description=_l("Leave empty for today."))
    submit = SubmitField(_l("Save"))


class LawForm(FlaskForm):
    has_gsl = SelectField(_l("Has a Good Samaritan overdose law"), choices=select_choices(TRI_STATE_CHOICES))
    effective_date = StringField(_l("In effect since"), validators=[Length(max=10)],
                                 description=_l("A date like 2016-09-13, or just the year."))
    protects_arrest = SelectField(_l("Protects from arrest"), choices=select_choices(TRI_STATE_CHOICES))
    protects_charge = SelectField(_l("Protects from charge"), choices=select_choices(TRI_STATE_CHOICES))
    protects_prosecution = SelectField(_l("Protects from prosecution"), choices=select_choices(TRI_STATE_CHOICES))
    covers_possession = SelectField(_l("Covers possession"), choices=select_choices(TRI_STATE_CHOICES))
    covers_paraphernalia = SelectField(_l("Covers paraphernalia"), choices=select_choices(TRI_STATE_CHOICES))
    protects_probation_parole = SelectField(_l("Protects from probation or parole violation"),
                                            choices=select_choices(TRI_STATE_CHOICES))
    conditions = StringField(_l("Conditions"), validators=[Length(max=500)],
                             description=_l("Codes, separated by spaces: must_stay give_name cooperate first_caller "
                                            "treatment_within_days:30 limited_uses:2 small_amount defense_only"))
    exclusions = StringField(_l("Who it leaves out"), validators=[Length(max=500)],
                             description=_l("Codes, separated by spaces: supervision prior_convictions sale_amounts"))
    statute = StringField(_l("Statute"), validators=[Length(max=200)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])
    source = TextAreaField(_l("Source"), validators=[DataRequired(), Length(max=2000)])
    as_of = DateField(_l("As of"), validators=[DataRequired()])
    is_verified = BooleanField(_l("Checked against the statute or a vetted source (prints in packets)"))
    test_strip_status = SelectField(
        _l("Fentanyl test strips under the paraphernalia law"),
        choices=select_choices([("unknown", _l("Unknown (prints nothing)")),
                                ("legal", _l("Legal: not counted as drug paraphernalia")),
                                ("not_exempt", _l("Not exempt: can still count as drug paraphernalia"))]))
    test_strip_source = TextAreaField(_l("Test strip source"), validators=[Length(max=2000)],
                                      description=_l("The statute or state page, with the date you read it."))
    test_strip_as_of = DateField(_l("Test strips as of"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class PrintPacketForm(FlaskForm):
    """Print one person's release packet (language defaults to theirs)."""

    lang = SelectField(_l("Language"), choices=select_choices([("en", "English"), ("es", "Español")]))
    large_print = BooleanField(_l("Large print (18 pt)"))
    personal_flags = BooleanField(
        _l("Print the sheet about this person (their flags)"),
        description=_l("Only if they say yes now. It prints on its own sheet that they can keep apart; "
                       "the choice is recorded."))
    submit = SubmitField(_l("Print release packet"))


class ContentApprovalForm(FlaskForm):
    """A medical director signs the content version shown on the page (issue 13)."""

    version = HiddenField(_l("Content version"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Your title, as printed on English packets"), validators=[DataRequired(), Length(max=60)],
                        description=_l("For example: Medical Director."))
    title_es = StringField(_l("Your title in Spanish, as printed on Spanish packets"),
                           validators=[DataRequired(), Length(max=60)],
                           description=_l("For example: Directora médica or Director médico."))
    signed_name = StringField(_l("Type your full name to sign"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Approve this content version"))
