from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateTimeLocalField, HiddenField, PasswordField, SelectField, SelectMultipleField,
    StringField, SubmitField,
)
from wtforms.validators import DataRequired, Length, Optional

from reentry.forms import LanguageField, select_choices

FORMAT_CHOICES = [("group", _l("Group")), ("one_to_one", _l("One-to-one")), ("self_paced", _l("Self-paced"))]
ATTENDANCE_CHOICES = [("", _l("Not recorded")), ("full", _l("Full")), ("partial", _l("Partial")),
                      ("absent", _l("Absent"))]


class SessionForm(FlaskForm):
    request_token = HiddenField()
    facility = SelectField(_l("Facility"), validators=[DataRequired()])
    starts_at = DateTimeLocalField(_l("Date and time"), validators=[DataRequired()], format="%Y-%m-%dT%H:%M",
                                   description=_l("In the facility's local time."))
    format = SelectField(_l("Format"), choices=select_choices(FORMAT_CHOICES[:2]))
    language = LanguageField(_l("Language"))
    curriculum_version = SelectField(_l("Curriculum version"), validators=[DataRequired()])
    location = StringField(_l("Location"), validators=[Length(max=200)],
                           description=_l("For example: Housing unit B classroom."))
    trainers = SelectMultipleField(_l("Trainers"), validators=[DataRequired()],
                                   description=_l("Hold Ctrl (or Cmd) to choose more than one."))
    submit = SubmitField(_l("Create session"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: nothing is written

    q = StringField(_l("Name or booking number"), validators=[DataRequired(), Length(max=200)])


class AddAttendeeForm(FlaskForm):
    participant_id = HiddenField(validators=[DataRequired()])


class HousingUnitForm(FlaskForm):
    unit = SelectField(_l("Housing unit"), validators=[DataRequired()])
    submit = SubmitField(_l("Add everyone in this unit"))


class WalkInForm(FlaskForm):
    label = StringField(_l("Walk-in label"), validators=[DataRequired(), Length(max=200)],
                        description=_l("Initials or a number; no full names for people without a record."))
    submit = SubmitField(_l("Add walk-in"))


class AttendanceForm(FlaskForm):
    attendance = SelectField(_l("Attendance"), choices=select_choices(ATTENDANCE_CHOICES), validators=[Optional()])
    teach_back_signs = BooleanField(_l("Can name the signs of an overdose"))
    teach_back_steps = BooleanField(_l("Shows the steps to respond"))
    teach_back_device = BooleanField(_l("Shows how to use the device they will get"))
    submit = SubmitField(_l("Save"))


class VoidForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Void"))


class ReopenForm(FlaskForm):
    reason = StringField(_l("Reason for reopening"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Reopen session"))


class KioskStartForm(FlaskForm):
    facility = SelectField(_l("Facility"), validators=[DataRequired()])
    curriculum_version = SelectField(_l("Curriculum version"), validators=[DataRequired()])
    booking_id = StringField(_l("Booking or DOC number"), validators=[Length(max=64)],
                             description=_l("Leave empty for an anonymous learner (results are not linked to a person)."))
    language = LanguageField(_l("Starting language"))
    pin = PasswordField(_l("Exit PIN (4 to 8 digits)"), validators=[DataRequired(), Length(min=4, max=8)],
                        description=_l("Needed to unlock or leave the kiosk. Do not tell the learner."))
    submit = SubmitField(_l("Start kiosk on this device"))


class KioskStaffForm(FlaskForm):
    """Unlock or leave a kiosk: the exit PIN, or a staff email and password (and two-step code)."""

    pin = PasswordField(_l("Staff PIN"), validators=[Optional(), Length(max=8)])
    email = StringField(_l("Or staff email"), validators=[Optional(), Length(max=254)])
    password = PasswordField(_l("Staff password"), validators=[Optional(), Length(max=1024)])
    # The second step, for accounts with two-step sign-in: a code from the app or a recovery code.
    code = StringField(_l("Two-step code"), validators=[Optional(), Length(max=32)])
    action = HiddenField()
