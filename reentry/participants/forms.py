from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from reentry.forms import LanguageField, select_choices
from reentry.participants.models import NAME_LENGTH


class ParticipantFilterForm(FlaskForm):
    """Search and filters for the registry (a GET form: it changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name, booking number or date of birth"), validators=[Optional(), Length(max=200)])
    facility = SelectField(_l("Facility"), choices=[], validate_choice=False)
    housing_unit = SelectField(_l("Housing unit"), choices=[], validate_choice=False)
    release_from = DateField(_l("Expected release from"), validators=[Optional()])
    release_to = DateField(_l("Expected release to"), validators=[Optional()])


class ParticipantForm(FlaskForm):
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=NAME_LENGTH)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=NAME_LENGTH)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=NAME_LENGTH)])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    gender = StringField(_l("Gender"), validators=[Optional(), Length(max=64)],
                         description=_l("In the person's own words."))
    preferred_language = LanguageField(_l("Preferred language"))
    destination_state = StringField(_l("Destination state"), validators=[Optional(), Length(max=2)],
                                    description=_l("Two letters, e.g. OH."))
    destination_county = StringField(_l("Destination county"), validators=[Optional(), Length(max=100)])
    destination_zip = StringField(_l("Destination ZIP"), validators=[Optional(), Length(max=10)])
    version = HiddenField()
    submit = SubmitField(_l("Save"))


class VoidForm(FlaskForm):
    reason = TextAreaField(_l("Reason for voiding"), validators=[DataRequired(), Length(min=3, max=2000)],
                           description=_l("For example: entered twice, or the wrong person."))
    submit = SubmitField(_l("Void this record"))


ANSWER_CHOICES = [("", _l("Unknown")), ("yes", _l("Yes")), ("no", _l("No"))]
HOUSING_CHOICES = [("", _l("Unknown")), ("stable", _l("Stable")), ("unstable", _l("Unstable")),
                   ("shelter", _l("Shelter")), ("none", _l("None (no place to stay)"))]


class AnswerField(SelectField):
    """Yes / No / Unknown, read as True / False / None."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("default", "")
        super().__init__(label, validators, choices=select_choices(ANSWER_CHOICES), **kwargs)

    @property
    def answer(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.data)


class ScreeningForm(FlaskForm):
    screened_on = DateField(_l("Date of screening"), validators=[InputRequired()])
    screener_name = StringField(_l("Screener"), validators=[Optional(), Length(max=200)])
    opioid_use_before_custody = AnswerField(_l("Used opioids before custody"))
    days_since_last_opioid_use = IntegerField(_l("Days since last opioid use"),
                                              validators=[Optional(), NumberRange(min=0, max=36500)])
    last_opioid_use_date = DateField(_l("Or: date of last opioid use"), validators=[Optional()])
    on_methadone = AnswerField(_l("On methadone in custody"))
    on_buprenorphine = AnswerField(_l("On buprenorphine in custody"))
    on_naltrexone_xr = AnswerField(_l("On extended-release naltrexone in custody"))
    last_naltrexone_injection = DateField(_l("Date of last naltrexone injection"), validators=[Optional()])
    community_moud_appointment = AnswerField(_l("Community treatment (MOUD) appointment booked"))
    moud_appointment_date = DateField(_l("Appointment date"), validators=[Optional()])
    moud_appointment_place = StringField(_l("Appointment place"), validators=[Optional(), Length(max=200)])
    overdose_ever = AnswerField(_l("Past overdose (ever)"))
    overdose_last_12_months = AnswerField(_l("Overdose in the last 12 months"))
    injects = AnswerField(_l("Injects drugs"))
    uses_sedatives = AnswerField(_l("Uses benzodiazepines, alcohol or other sedatives"))
    xylazine_in_supply = AnswerField(_l("Xylazine known in the local supply"))
    fentanyl_in_supply = AnswerField(_l("Fentanyl known in the local supply"))
    uses_alone = AnswerField(_l("Usually uses alone"))
    housing_at_release = SelectField(_l("Housing at release"), choices=select_choices(HOUSING_CHOICES), default="")
    wants_naloxone = AnswerField(_l("Wants naloxone"))
    wants_treatment_referral = AnswerField(_l("Wants a treatment referral"))
    # Off unless the person says yes: the packet is read during property searches.
    wants_personal_flags_printed = BooleanField(
        _l("Wants the sheet about them printed in the packet"),
        description=_l("Ask: \"Do you want a sheet with your own risks, like past overdoses, in your "
                       "packet? Others may read it.\" Leave unticked unless they say yes."))
    token = HiddenField()
    submit = SubmitField(_l("Save screening"))

    def answers(self) -> dict:
        """The answers as the service takes them (None = unknown)."""
        values = {}
        for field in self:
            if isinstance(field, AnswerField):
                values[field.name] = field.answer
            elif field.name not in ("token", "submit", "csrf_token"):
                values[field.name] = field.data if field.data != "" else None
        values["moud_appointment_place"] = self.moud_appointment_place.data or ""
        values["screener_name"] = self.screener_name.data or ""
        return values


class RosterUploadForm(FlaskForm):
    facility = SelectField(_l("Facility"), choices=[])
    mapping = SelectField(_l("Column mapping"), choices=[], validate_choice=False)
    bookings = FileField(_l("Roster file (CSV)"))
    people = FileField(_l("People file (CSV), if the mapping needs one"))
    snapshot = BooleanField(_l("This file is the whole current population (snapshot)"),
                            description=_l("People missing from it are marked released today."))
    force = BooleanField(_l("Allow a snapshot that releases more than 20 percent of the people in custody"))
    submit = SubmitField(_l("Check file"))


class RosterConfirmForm(FlaskForm):
    upload = HiddenField()
    submit = SubmitField(_l("Import now"))


class MappingForm(FlaskForm):
    facility = SelectField(_l("Facility"), choices=[])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    definition = TextAreaField(_l("Mapping (TOML)"), validators=[DataRequired(), Length(max=20000)],
                               description=_l("See docs/roster-import.md for the format."),
                               render_kw={"rows": 18, "spellcheck": "false"})
    version = HiddenField()
    submit = SubmitField(_l("Save mapping"))
