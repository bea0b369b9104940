"""Form pieces shared by the domains."""

from __future__ import annotations

import re
from datetime import date

import wtforms
from flask import abort
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, SelectMultipleField, widgets
from wtforms.validators import DataRequired, Length, ValidationError

from buurthulp.converters import MAX_ID

# An idempotency key is stored in a String(100) column, a direct payment's pair with ":paid" added;
# the forms' keys are 32 characters (uuid4().hex).
MAX_KEY_LENGTH = 64
# Far wider than any date the app needs, and far inside what date arithmetic and time zones can hold
# (0001-01-01 00:00 in Amsterdam is before the first moment Python's UTC can hold).
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes; submitting none is a valid empty choice."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        values = {str(v) for v, *_ in self.iter_choices()}
        for item in self.data or []:
            if str(item) not in values:
                raise ValidationError(self.gettext("'%(value)s' is not a valid choice for this field.") % {"value": item})


class KeyField(HiddenField):
    """A form's idempotency key: sent back with the form, so that sending it twice books once."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [DataRequired(), Length(max=MAX_KEY_LENGTH), *(validators or [])], **kwargs)


_ID = re.compile(r"\s*0*([1-9][0-9]{0,9})\s*")


def id_or_none(value) -> int | None:
    """The id a form or query sent as text (ASCII digits, 1..MAX_ID), else None: never one the database refuses."""
    match = _ID.fullmatch(value) if isinstance(value, str) else None
    number = int(match.group(1)) if match else None
    return number if number is not None and number <= MAX_ID else None


class IdField(IntegerField):
    """The id of a row, chosen in a form: a whole number from 1 to MAX_ID, else not a valid choice."""

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = id_or_none(valuelist[0])
            if self.data is None and valuelist[0].strip():
                raise ValueError(self.gettext("Not a valid choice."))


class HiddenIdField(IdField):
    """An id the page carries in a hidden input."""

    widget = widgets.HiddenInput()


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class DateField(wtforms.DateField):
    """A date in a form, from FIRST_DATE to LAST_DATE; one further out is not a valid date."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not FIRST_DATE <= self.data <= LAST_DATE:
            self.data = None
            raise ValueError(self.gettext("Not a valid date value."))


class LocalDecimalField(DecimalField):
    """A decimal number typed the Dutch way ("1,5") or the English way ("1.5").

    A text input: browsers' number inputs refuse a comma in some languages.
    """

    widget = widgets.TextInput()

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace(",", ".")]
        super().process_formdata(valuelist)
        if self.data is not None and (not self.data.is_finite() or abs(self.data) >= 10**9):
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


def valid_submission(form) -> bool:
    """Validate a posted form; other errors are the caller's to show, but a missing or stale CSRF token, or a
    hidden field that is not right (one the person can neither see nor correct), is a plain 400."""
    if form.validate_on_submit():
        return True
    if any(isinstance(form[name].widget, widgets.HiddenInput) for name in form.errors if name in form):
        abort(400)
    return False


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""
