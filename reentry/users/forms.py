from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from reentry.auth.models import ROLES
from reentry.forms import LanguageField, MultiCheckboxField, select_choices

ROLE_CHOICES = select_choices((role, role.capitalize()) for role in ROLES)


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    facilities = MultiCheckboxField(
        _l("Facilities"),
        description=_l("Staff and managers see only these facilities' records. Admins and auditors see all."),
    )
    preferred_language = LanguageField(_l("Language of the screens"))
    submit = SubmitField(_l("Save"))


class UserCreateForm(UserEditForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Temporary password"),
        validators=[DataRequired()],
        description=_l("At least 12 characters. The person must choose their own at first sign-in."),
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create account"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Temporary password"),
        validators=[DataRequired()],
        description=_l("The person must choose their own password at next sign-in."),
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Reset password"))
