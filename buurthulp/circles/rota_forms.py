"""Forms of the rota: a slot, the buttons on a date, ticking a date done."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField, TimeField, widgets
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional

from buurthulp.categories import DAY_PART_LABELS, WEEKDAY_LABELS, Category, DayPart, Weekday
from buurthulp.circles.models import CheckIn, Frequency, SlotKind
from buurthulp.circles.rota import NO_HEALTH, NOTE_MAX, TITLE_MAX, SlotInput
from buurthulp.forms import ChoiceField, DateField, Form, HiddenIdField, IdField, LocalDecimalField, strip_filter

KIND_CHOICES = [(SlotKind.HELP.value, _l("Help (for example meals, a walk, groceries)")),
                (SlotKind.CHECK_IN.value, _l("Check-in: a call or a visit to see that all is well"))]
FREQUENCY_CHOICES = [(Frequency.WEEKLY.value, _l("Every week")),
                     (Frequency.FORTNIGHTLY.value, _l("Every other week")),
                     (Frequency.DAILY.value, _l("Every day"))]
TIMING_CHOICES = [("part", _l("A part of the day")), ("time", _l("At a time"))]
OUTCOME_CHOICES = [(CheckIn.ALL_WELL.value, _l("Done, all is well")),
                   (CheckIn.ATTENTION.value, _l("Done, something needs attention"))]


def _int_or_none(value):
    if value in (None, ""):
        return None
    return int(value)


class SlotForm(Form):
    title = StringField(_l("Name"), filters=[strip_filter],
                        validators=[DataRequired(_l("Give the slot a name, for example “Meals on Monday evening”.")),
                                    Length(max=TITLE_MAX, message=_l("Use at most 100 characters for the name."))],
                        description=_l("For example “Meals on Monday evening” or “A phone call”."))
    category = ChoiceField(_l("What kind of help?"), placeholder=_l("Choose a kind of help"),
                           message=_l("Choose a kind of help."),
                           choices=[(c.value, c.label) for c in Category])
    kind = RadioField(_l("Help or check-in?"), default=SlotKind.HELP.value, choices=KIND_CHOICES,
                      validators=[InputRequired(_l("Choose help or check-in."))])
    frequency = RadioField(_l("How often?"), default=Frequency.WEEKLY.value, choices=FREQUENCY_CHOICES,
                           validators=[InputRequired(_l("Choose how often."))])
    weekday = SelectField(_l("Day of the week"), coerce=_int_or_none, validators=[Optional()],
                          choices=[("", _l("Choose a day (not for every day)"))]
                          + [(d.value, WEEKDAY_LABELS[d]) for d in Weekday])
    timing = RadioField(_l("When on the day?"), default="part", choices=TIMING_CHOICES,
                        validators=[InputRequired(_l("Choose a part of the day or a time."))])
    day_part = SelectField(_l("Part of the day"), coerce=int, default=DayPart.MORNING.value,
                           choices=[(p.value, DAY_PART_LABELS[p]) for p in DayPart], validators=[Optional()])
    at_time = TimeField(_l("Time"), validators=[Optional()], description=_l("For example 10:00."))
    starts_on = DateField(_l("First date"), validators=[InputRequired(_l("Choose the first date."))])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.frequency.data != Frequency.DAILY.value and self.weekday.data is None and not self.weekday.errors:
            self.weekday.errors = [*self.weekday.errors, _l("Choose the day of the week.")]
            ok = False
        if self.timing.data == "time" and self.at_time.data is None and not self.at_time.errors:
            self.at_time.errors = [*self.at_time.errors, _l("Choose the time.")]
            ok = False
        return ok

    def to_input(self) -> SlotInput:
        at_time = self.timing.data == "time"
        return SlotInput(title=self.title.data, category=Category(self.category.data), kind=SlotKind(self.kind.data),
                         frequency=Frequency(self.frequency.data),
                         weekday=None if self.frequency.data == Frequency.DAILY.value else self.weekday.data,
                         day_part=None if at_time else self.day_part.data,
                         at_time=self.at_time.data if at_time else None, starts_on=self.starts_on.data)

    def fill(self, slot) -> None:
        """Show a slot's values (on a GET)."""
        self.title.data, self.category.data, self.kind.data = slot.title, slot.category.value, slot.kind.value
        self.frequency.data, self.weekday.data = slot.frequency.value, slot.weekday
        self.timing.data = "time" if slot.at_time is not None else "part"
        self.day_part.data = slot.day_part if slot.day_part is not None else DayPart.MORNING.value
        self.at_time.data, self.starts_on.data = slot.at_time, slot.starts_on


class HiddenDateField(DateField):
    widget = widgets.HiddenInput()


class HiddenChoice(StringField):
    widget = widgets.HiddenInput()


class DateForm(Form):
    """The buttons on one date of the rota: which slot, which date."""

    slot_id = HiddenIdField(validators=[DataRequired()])
    on_date = HiddenDateField(validators=[DataRequired()])
    # the button pressed: this date, or every date from it on
    what = HiddenChoice(default="date", validators=[Optional(), AnyOf(["date", "series"])])

    @property
    def whole_series(self) -> bool:
        return self.what.data == "series"


class SwapForm(DateForm):
    to_id = IdField(_l("Give this date to"), validators=[InputRequired(_l("Choose who takes this date."))])


class TickForm(DateForm):
    outcome = RadioField(_l("How did it go?"), choices=OUTCOME_CHOICES, validate_choice=False)
    note = TextAreaField(_l("What needs attention?"), filters=[strip_filter], description=NO_HEALTH,
                         validators=[Optional(), Length(max=NOTE_MAX, message=_l("Use at most 1000 characters."))])

    # a help date: how long it took, when the circle's initiative counts circle help for its pot
    hours = LocalDecimalField(_l("How many hours did it take? (optional)"), places=2,
                              validators=[Optional(), NumberRange(0.25, 24, _l("Fill in between 0.25 and 24 hours."))],
                              description=_l("For example 1,5 for an hour and a half."))

    def check_in(self) -> CheckIn | None:
        return CheckIn(self.outcome.data) if self.outcome.data in {c.value for c in CheckIn} else None

    def minutes(self) -> int | None:
        return int(round(float(self.hours.data) * 60)) if self.hours.data else None


class StopSlotForm(Form):
    last_day = DateField(_l("Last date"), validators=[InputRequired(_l("Choose the last date."))],
                         description=_l("Dates after this one are no longer on the rota."))
