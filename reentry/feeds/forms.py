from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange

from reentry.feeds.models import LATE_AFTER_HOURS


class FeedForm(FlaskForm):
    facility = SelectField(_l("Facility"), validators=[DataRequired()])
    folder = StringField(_l("Drop folder"), validators=[DataRequired(), Length(max=1000)],
                         description=_l("The full path on this server where the JMS or SFTP job writes the files."))
    pattern = StringField(_l("File name pattern"), validators=[DataRequired(), Length(max=200)],
                          description=_l("With at most one *, e.g. roster-*.csv."))
    people_pattern = StringField(_l("People file pattern"), validators=[Length(max=200)],
                                 description=_l("Only for two-file layouts, e.g. people-*.csv: the * pairs the files."))
    mapping = StringField(_l("Mapping"), validators=[Length(max=500)],
                          description=_l("A mapping saved for the facility, or empty for the standard columns."))
    snapshot = BooleanField(_l("Each file is the whole population (bookings missing from it are released)"))
    late_after_hours = IntegerField(_l("Late after (hours)"), default=LATE_AFTER_HOURS,
                                    validators=[NumberRange(min=1, max=336)])
    submit = SubmitField(_l("Add feed"))
