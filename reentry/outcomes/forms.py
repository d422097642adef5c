from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class ReviewForm(FlaskForm):
    """Accept or reject one candidate pair of the death linkage, with a reason."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)],
                           description=_l("What you checked, e.g. the examiner's report names the jail."))
    accept = SubmitField(_l("Same person: accept"))
    reject = SubmitField(_l("Not the same person: reject"))
