from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from reentry.api.services import MAX_EXPIRES_DAYS
from reentry.forms import MultiCheckboxField, select_choices


class ApiKeyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)],
                       description=_l("Which system uses it, e.g. jms-feed. Shown in the audit trail."))
    facilities = MultiCheckboxField(_l("Facilities"), description=_l("The key can reach only these."))
    scope = SelectField(_l("Scope"), choices=select_choices([("read", _l("Read")), ("write", _l("Read and write"))]))
    expires_days = IntegerField(_l("Expires after (days)"), validators=[Optional(),
                                NumberRange(min=1, max=MAX_EXPIRES_DAYS)],
                                description=_l("Leave empty for a key that does not expire."))
    submit = SubmitField(_l("Create key"))
