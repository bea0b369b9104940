"""Forms of the pot: settings, the treasurer's bookings, a correction, a person's allowance wish."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from buurthulp.categories import CATEGORY_LABELS, Category
from buurthulp.forms import ChoiceField, DateField, Form, KeyField, LocalDecimalField, strip_filter
from buurthulp.money import lazy_example, parse_money
from buurthulp.pot.models import MODE_LABELS, RULE_LABELS, CompensationMode, DistributionRule, TransactionKind


class MoneyField(StringField):
    """An amount in euros typed the reader's way ("12,50", "€ 1.250,00"; "1,250.00" in English); ``cents`` is the value."""

    widget = TextInput()
    cents: int | None = None

    def __init__(self, *args, allow_sign: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_sign = allow_sign

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.cents = None
        if self.data:
            self.cents = parse_money(self.data, allow_sign=self.allow_sign)


def new_key() -> str:
    """A fresh idempotency key for a form: submitting the same form twice books once."""
    return uuid.uuid4().hex


class BookingForm(Form):
    """A treasurer's booking: posted once to see it as it will be booked, then again, confirmed, to book it."""

    key = KeyField()
    # Set by the confirmation page only: "1" on its "Book it" button, and the id of the similar
    # booking it asked about (a booking that looks like this one), so that a newer one is asked about again.
    confirmed = HiddenField()
    again = HiddenField()
    change = SubmitField(_l("Change"))
    amount = MoneyField(_l("Amount in euros"), validators=[InputRequired(_l("Fill in the amount."))],
                        description=_l("For example %(example)s.", example=lazy_example("12.50")))
    value_date = DateField(_l("Date"), validators=[InputRequired(_l("Choose the date."))])
    description = StringField(_l("Description"), filters=[strip_filter],
                              validators=[Length(max=200, message=_l("Use at most 200 characters."))])

    def validate_amount(self, field):
        # said before the confirmation page, not after it (the services refuse it too)
        if field.cents is not None and field.cents <= 0:
            raise ValidationError(_l("Fill in an amount of more than € 0."))


class IncomeForm(BookingForm):
    source = RadioField(_l("Where does the money come from?"), choices=[
        (TransactionKind.CONTRIBUTION.value, _l("A contribution")),
        (TransactionKind.SUBSIDY.value, _l("A subsidy")),
        (TransactionKind.GIFT.value, _l("A gift")),
    ], default=TransactionKind.CONTRIBUTION.value, validators=[InputRequired(_l("Choose where the money comes from."))])


class SpendingForm(BookingForm):
    description = StringField(_l("Description"), filters=[strip_filter],
                              validators=[DataRequired(_l("Say what the money was spent on.")),
                                          Length(max=200, message=_l("Use at most 200 characters."))])


class PayoutForm(BookingForm):
    member = ChoiceField(_l("Paid to"), coerce=int, placeholder=_l("Choose who was paid"),
                         message=_l("Choose who was paid."))


class DirectForm(BookingForm):
    member = ChoiceField(_l("Helper"), coerce=int, placeholder=_l("Choose the helper"),
                         message=_l("Choose the helper."))
    hours = LocalDecimalField(_l("Hours of help (if known)"), places=2,
                              validators=[Optional(), NumberRange(0.25, 200, _l("Fill in between 0.25 and 200 hours."))])
    over_limit = BooleanField(_l("Book it anyway, although it goes over a tax-free limit"))


class ReverseForm(Form):
    key = KeyField()
    reason = StringField(_l("Why is this corrected?"), filters=[strip_filter],
                         validators=[DataRequired(_l("Say why this booking is corrected.")),
                                     Length(max=200, message=_l("Use at most 200 characters."))])


class AllowanceForm(Form):
    keep_under_limit = BooleanField(_l("Keep my compensation under the tax-free limit"),
                                    description=_l("Anything above the limit then stays in the pot. "
                                                   "You do not have to say why."))
    under_21 = BooleanField(_l("I am younger than 21"),
                            description=_l("The hourly limit is lower under 21."))


class SettingsForm(Form):
    mode = RadioField(_l("How is help compensated?"),
                      choices=[(m.value, MODE_LABELS[m]) for m in CompensationMode],
                      validators=[InputRequired(_l("Choose how help is compensated."))])
    rate_per_hour = MoneyField(_l("Compensation per hour, in euros"), description=_l("For example %(example)s.", example=lazy_example("4.50")))
    rate_per_km = MoneyField(_l("Compensation per km for lifts, in euros"), description=_l("For example %(example)s.", example=lazy_example("0.23")))
    rule = RadioField(_l("How is the pot shared out at the end of the month?"),
                      choices=[(r.value, RULE_LABELS[r]) for r in DistributionRule],
                      validators=[InputRequired(_l("Choose how the pot is shared out."))])
    month_end_day = IntegerField(_l("Day of the month on which last month is shared out"),
                                 validators=[InputRequired(_l("Fill in a day.")),
                                             NumberRange(1, 28, _l("Choose a day between 1 and 28."))])
    count_circle_help = BooleanField(_l("Count done dates of support circles as help"),
                                     description=_l("A member who does a date of a circle's rota and says how long "
                                                    "it took gets compensation for it, like for other help."))

    def category_fields(self):
        return [self[f"rate_{c.value}"] for c in Category]


for _category in Category:
    setattr(SettingsForm, f"rate_{_category.value}", MoneyField(
        _l("%(category)s: per hour, in euros", category=CATEGORY_LABELS[_category]),
        description=_l("Leave empty to use the general rate.")))
del _category
