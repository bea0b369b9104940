"""Form pieces shared by the domains."""

from __future__ import annotations

from wtforms import DecimalField, SelectMultipleField, widgets
from wtforms.validators import ValidationError


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes; submitting none is a valid empty choice."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        values = {str(v) for v, *_ in self.iter_choices()}
        for item in self.data or []:
            if str(item) not in values:
                raise ValidationError(self.gettext("'%(value)s' is not a valid choice for this field.") % {"value": item})


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


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
    """Validate a posted form; a missing or stale CSRF token is a plain 400, other errors are the caller's to show."""
    from flask import abort

    if form.validate_on_submit():
        return True
    if "csrf_token" in form.errors:
        abort(400)
    return False
