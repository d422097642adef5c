from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from reentry.facilities.models import FACILITY_TYPES
from reentry.facilities.services import US_STATES
from reentry.forms import select_choices


class FacilityForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("A short permanent name, such as COUNTY-JAIL. Imports and reports use it."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    type = SelectField(_l("Type"), choices=select_choices((t, t.capitalize()) for t in FACILITY_TYPES))
    state = SelectField(_l("State"), choices=select_choices((s, s) for s in US_STATES))
    county = StringField(_l("County"), validators=[Length(max=100)])
    timezone = StringField(_l("Time zone"), validators=[DataRequired(), Length(max=64)],
                           default="America/New_York",
                           description=_l("For example America/Chicago. Dates in reports use this zone."))
    is_active = BooleanField(_l("Active"), default=True)
    require_mfa = BooleanField(_l("Require two-step sign-in of everyone who works here"), default=False)
    submit = SubmitField(_l("Save"))
