"""Form pieces shared by every feature."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.fields.choices import SelectChoice


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST (disable, void, reopen...)."""


def select_choices(pairs) -> list[SelectChoice]:
    """WTForms 3.3+ choices from (value, label) pairs (tuples are deprecated there)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def all_facility_choices() -> list[SelectChoice]:
    """Every facility as "CODE: name", by code, valued by code: the admin pages' facility pickers."""
    from sqlalchemy import select

    from reentry.extensions import db
    from reentry.facilities.models import Facility

    return select_choices((f.code, f"{f.code}: {f.name}")
                          for f in db.session.scalars(select(Facility).order_by(Facility.code)))


LANGUAGE_CHOICES = select_choices([("en", "English"), ("es", "Español")])


def apply_domain_error(form: FlaskForm, error) -> None:
    """Show a service's DomainError on the field it names, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


class LanguageField(SelectField):
    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, choices=LANGUAGE_CHOICES, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes in a fieldset: easier by keyboard and screen reader than a
    multiple <select>."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
