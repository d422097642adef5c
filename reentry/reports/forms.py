from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from reentry.forms import MultiCheckboxField, select_choices

FORMAT_CHOICES = select_choices([("csv", "CSV"), ("pdf", "PDF")])


class ReportFilterForm(FlaskForm):
    """A report's filters (a GET form: it changes nothing, so it carries no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[DataRequired(_l("Enter the first day (YYYY-MM-DD)."))])
    end = DateField(_l("To"), validators=[DataRequired(_l("Enter the last day (YYYY-MM-DD)."))])
    facility = MultiCheckboxField(_l("Facilities"), choices=[], description=_l("None chosen: all you may see."))
    funding = SelectField(_l("Funding source"), choices=[], validate_choice=False)
    count_self = SelectField(_l("Self-administration"), choices=[], validate_choice=False)
    lot = StringField(_l("Lot number"), validators=[Optional()])
    deaths_through = DateField(_l("Deaths recorded through"), validators=[Optional()],
                               description=_l("The last date of death the death file is complete for (YYYY-MM-DD). "
                                              "Empty: taken as complete up to yesterday."))
    bom = BooleanField(_l("Byte order mark for Excel (CSV)"))
    format = SelectField(_l("Download as"), choices=FORMAT_CHOICES, default="csv")
