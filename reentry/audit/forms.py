from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Optional


class AuditFilterForm(FlaskForm):
    """Filters for the audit log (a GET form: it changes nothing, so it carries no CSRF token)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who (email contains)"), validators=[Optional()])
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    entity_type = StringField(_l("Record type"), validators=[Optional()])
    entity_id = StringField(_l("Record id"), validators=[Optional()])
    facility = SelectField(_l("Facility"), choices=[], validate_choice=False)
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
