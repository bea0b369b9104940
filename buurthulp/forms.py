"""Form pieces shared by the domains."""

from __future__ import annotations

import re
from datetime import date

import wtforms
from flask import abort
from flask_babel import get_translations, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, SelectField, SelectMultipleField, widgets
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from buurthulp.converters import MAX_ID

# An idempotency key is stored in a String(100) column, a direct payment's pair with ":paid" added;
# the forms' keys are 32 characters (uuid4().hex).
MAX_KEY_LENGTH = 64
# Far wider than any date the app needs, and far inside what date arithmetic and time zones can hold
# (0001-01-01 00:00 in Amsterdam is before the first moment Python's UTC can hold).
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)


class OwnCatalogue:
    """WTForms' own messages ("Not a valid decimal value.") looked up in our catalogue, so that they read in the
    same plain Dutch as ours, not in WTForms' catalogue ("Ongeldige decimale waarde")."""

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


OWN_CATALOGUE = OwnCatalogue()


class Form(FlaskForm):
    """Every form of the app: Flask-WTF's CSRF and our catalogue for the library's messages. Its CSRF field has
    no id, so that a page with several forms has no duplicate ids (``{{ form.csrf_token }}`` renders as the
    ``csrf()`` macro does)."""

    class Meta:
        def get_translations(self, form):
            return OWN_CATALOGUE

        def render_field(self, field, render_kw):
            if isinstance(field, CSRFTokenField):
                render_kw = {**render_kw, "id": False}
            return super().render_field(field, render_kw)


# WTForms' and Flask-WTF's messages that our forms can show, listed here so that `make translations` puts them
# in our catalogue (WTForms looks them up through Form.Meta.get_translations).
LIBRARY_MESSAGES = (
    _l("This field is required."), _l("Not a valid choice."), _l("Not a valid integer value."),
    _l("Not a valid decimal value."), _l("Not a valid float value."), _l("Not a valid date value."),
    _l("Not a valid time value."), _l("Not a valid datetime value."), _l("Invalid email address."),
    _l("Invalid input."), _l("Invalid Choice: could not coerce."), _l("Field must be equal to %(other_name)s."),
    _l("Number must be at least %(min)s."), _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("'%(value)s' is not a valid choice for this field."),
    _l("The CSRF token is missing."), _l("The CSRF token has expired."), _l("The CSRF token is invalid."),
)


def _plural_library_messages(n):
    """Never called: marks WTForms' messages with a plural for `make translations`."""
    return (ngettext("Field must be at least %(min)d character long.",
                     "Field must be at least %(min)d characters long.", n),
            ngettext("Field cannot be longer than %(max)d character.",
                     "Field cannot be longer than %(max)d characters.", n),
            ngettext("'%(value)s' is not a valid choice for this field.",
                     "'%(value)s' are not valid choices for this field.", n))


class ChoiceField(SelectField):
    """A select one must choose in: it starts on an empty option ("Choose a kind of help"), so that nobody
    sends the first choice by accident, and leaving it empty says ``message``."""

    def __init__(self, label=None, validators=None, *, placeholder, message, **kwargs):
        super().__init__(label, [InputRequired(message), *(validators or [])], **kwargs)
        self.placeholder = placeholder

    def iter_choices(self):
        yield ("", self.placeholder, self.data in (None, ""), {})
        yield from super().iter_choices()

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] == "":
            self.data = None  # the empty option: InputRequired says what to choose
        else:
            super().process_formdata(valuelist)


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


class EmptyForm(Form):
    """A form with only the CSRF token, for buttons that POST."""
