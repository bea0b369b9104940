"""The forms of activities: put one on, the filters of the list, and what organisers and neighbours send about
one date (a message, a cancellation, a new day, how many came, a note)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from buurthulp.activities.models import KIND_LABELS, ActivityKind, Audience, Cost, Repeat
from buurthulp.activities.services import MAX_CAPACITY, ActivityInput
from buurthulp.forms import ChoiceField, DateField, Form, id_or_none, strip_filter
from buurthulp.money import for_input, lazy_example
from buurthulp.pot.forms import MoneyField

TITLE_MAX, DESCRIPTION_MAX, PLACE_NOTE_MAX, AUDIENCE_NOTE_MAX = 120, 2000, 200, 120
MESSAGE_MAX, CHANGE_NOTE_MAX, NOTE_MAX = 1000, 300, 300
MAX_ATTENDANCE = 10_000

KIND_CHOICES = [(k.value, KIND_LABELS[k]) for k in ActivityKind]
REPEAT_CHOICES = [(Repeat.ONCE.value, _l("Once")), (Repeat.WEEKLY.value, _l("Every week")),
                  (Repeat.FORTNIGHTLY.value, _l("Every other week")),
                  (Repeat.MONTHLY.value, _l("Every month (for example every first Thursday)"))]
COST_CHOICES = [(Cost.FREE.value, _l("Free")), (Cost.AMOUNT.value, _l("It costs an amount")),
                (Cost.PAY_WHAT_YOU_CAN.value, _l("Pay what you can"))]
AUDIENCE_CHOICES = [(Audience.EVERYONE.value, _l("Everyone")),
                    (Audience.ALL_AGES.value, _l("All ages: children are welcome")),
                    (Audience.OTHER.value, _l("In my own words"))]
DURATIONS = [(30, _l("Half an hour")), (45, _l("Three quarters of an hour")), (60, _l("1 hour")),
             (90, _l("An hour and a half")), (120, _l("2 hours")), (150, _l("2 and a half hours")),
             (180, _l("3 hours")), (240, _l("4 hours")), (360, _l("6 hours")), (480, _l("A whole day (8 hours)"))]
# the filters of the list: how far ahead, in days from today
WHEN_DAYS = {"week": 7, "month": 31, "all": 90}
WHEN_CHOICES = [("week", _l("In the coming week")), ("month", _l("In the coming month")),
                ("all", _l("In the coming 3 months"))]


def _length(n: int) -> Length:
    return Length(max=n, message=_l("Use at most %(n)d characters.", n=n))


def _id_or_none(value):
    """A select's value as an id, the empty option as None; anything else cannot be one of its choices."""
    if value is None or isinstance(value, int):
        return value
    if not value.strip():
        return None
    number = id_or_none(value)
    if number is None:
        raise ValueError(value)
    return number


class ActivityForm(Form):
    """Put on an activity, or change it."""

    title = StringField(_l("Name of the activity"), filters=[strip_filter],
                        validators=[DataRequired(_l("Give the activity a name.")), _length(TITLE_MAX)],
                        description=_l("For example: coffee morning, walk in the park, repair café."))
    description = TextAreaField(_l("What will you do? (optional)"), filters=[strip_filter],
                                validators=[Optional(), _length(DESCRIPTION_MAX)],
                                description=_l("Everyone nearby can read this. Do not write about health."))
    kind = ChoiceField(_l("What kind of activity?"), choices=KIND_CHOICES, placeholder=_l("Choose a kind"),
                       message=_l("Choose what kind of activity it is."))
    place_id = SelectField(_l("Place"), coerce=_id_or_none, validators=[Optional()],
                           description=_l("A place on the map of the neighbourhood, or choose “somewhere else”."))
    place_note = StringField(_l("Or say where it is"), filters=[strip_filter],
                             validators=[Optional(), _length(PLACE_NOTE_MAX)],
                             description=_l("For example: in the garden behind the church. Never a home address "
                                            "of someone else."))
    starts_on = DateField(_l("Date"), validators=[InputRequired(_l("Choose the date."))],
                          description=_l("For a series: the first date."))
    start_time = TimeField(_l("Start time"), validators=[InputRequired(_l("Fill in the start time, for example "
                                                                          "10:00."))],
                           description=_l("For example 10:00."))
    # no `required`: the select always holds one of its choices (2 hours unless changed), and a value that is
    # none of them is refused as "not a valid choice"
    duration = SelectField(_l("How long does it take?"), coerce=int, default=120, choices=DURATIONS)
    repeat = RadioField(_l("How often?"), choices=REPEAT_CHOICES, default=Repeat.ONCE.value,
                        validators=[InputRequired(_l("Choose how often."))])
    repeat_until = DateField(_l("Last date (optional)"), validators=[Optional()],
                             description=_l("Only for a series. Leave it empty and it keeps going until you "
                                            "stop it."))
    capacity = IntegerField(_l("How many people can come? (optional)"),
                            validators=[Optional(), NumberRange(1, MAX_CAPACITY, _l("Fill in a number from 1 to "
                                                                                    "1000."))],
                            description=_l("Leave it empty when there is no limit. When it is full, people can "
                                           "wait for a place."))
    cost = RadioField(_l("What does it cost?"), choices=COST_CHOICES, default=Cost.FREE.value,
                      validators=[InputRequired(_l("Choose what it costs."))])
    cost_amount = MoneyField(_l("Amount in euros"), validators=[Optional()],
                             description=_l("Only when it costs an amount. For example %(example)s.",
                                            example=lazy_example("2.50")))
    audience = RadioField(_l("Who is it for?"), choices=AUDIENCE_CHOICES, default=Audience.EVERYONE.value,
                          validators=[InputRequired(_l("Choose who it is for."))])
    audience_note = StringField(_l("Who it is for, in your own words"), filters=[strip_filter],
                                validators=[Optional(), _length(AUDIENCE_NOTE_MAX)],
                                description=_l("For example: for people who like to sing."))
    initiative_id = SelectField(_l("In the name of"), coerce=_id_or_none, validators=[Optional()])
    show_notes = BooleanField(_l("Show the notes of people who came with the activity"), default=True,
                              description=_l("After a date, people who came can leave a short note, for example "
                                             "“nice to do”."))

    def __init__(self, *args, places=(), initiatives=(), durations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.place_id.choices = [("", _l("Somewhere else (say where below)"))] + [(p.id, p.name) for p in places]
        self.initiative_id.choices = [("", _l("Myself"))] + [(i.id, i.name) for i in initiatives]
        extra = [(m, _l("%(n)d minutes", n=m)) for m in durations if m not in dict(DURATIONS)]
        self.duration.choices = sorted(DURATIONS + extra, key=lambda c: c[0])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.cost.data != Cost.AMOUNT.value and self.cost_amount.errors:
            # an amount typed and then "free" chosen: the amount is not used, so not wrong either
            self.cost_amount.errors = []
            ok = not self.errors
        checks = [
            (self.place_id.data is None and not self.place_note.data, self.place_note,
             _l("Choose a place, or say where it is.")),
            (self.cost.data == Cost.AMOUNT.value and self.cost_amount.cents is None and not self.cost_amount.errors,
             self.cost_amount, _l("Fill in what it costs, or choose free or pay what you can.")),
            (self.cost.data == Cost.AMOUNT.value and self.cost_amount.cents is not None
             and self.cost_amount.cents <= 0, self.cost_amount, _l("Fill in an amount of more than € 0.")),
            (self.audience.data == Audience.OTHER.value and not self.audience_note.data, self.audience_note,
             _l("Say who the activity is for.")),
            (self.repeat.data != Repeat.ONCE.value and self.repeat_until.data is not None
             and self.starts_on.data is not None and self.repeat_until.data < self.starts_on.data,
             self.repeat_until, _l("The last date comes before the first date.")),
        ]
        for wrong, field, message in checks:
            if wrong and not field.errors:
                field.errors = [*field.errors, message]
                ok = False
        return ok

    def to_input(self) -> ActivityInput:
        cost = Cost(self.cost.data)
        audience = Audience(self.audience.data)
        return ActivityInput(
            title=self.title.data or "", kind=ActivityKind(self.kind.data), starts_on=self.starts_on.data,
            start_time=self.start_time.data, description=self.description.data or "",
            duration_minutes=self.duration.data, repeat=Repeat(self.repeat.data),
            repeat_until=self.repeat_until.data if self.repeat.data != Repeat.ONCE.value else None,
            place_id=self.place_id.data, place_note=(self.place_note.data or "") if self.place_id.data is None else "",
            capacity=self.capacity.data, cost=cost,
            cost_cents=self.cost_amount.cents if cost == Cost.AMOUNT else None, audience=audience,
            audience_note=(self.audience_note.data or "") if audience == Audience.OTHER else "",
            show_notes=bool(self.show_notes.data),
            initiative_id=self.initiative_id.data if "initiative_id" in self else None)

    def fill(self, activity) -> None:
        """Show an activity's values (on a GET of the edit page)."""
        self.title.data, self.description.data = activity.title, activity.description
        self.kind.data, self.place_id.data, self.place_note.data = (activity.kind.value, activity.place_id,
                                                                    activity.place_note)
        self.starts_on.data, self.start_time.data = activity.starts_on, activity.start_time
        self.duration.data, self.repeat.data = activity.duration_minutes, activity.repeat.value
        self.repeat_until.data, self.capacity.data = activity.repeat_until, activity.capacity
        self.cost.data = activity.cost.value
        self.cost_amount.data = for_input(activity.cost_cents) if activity.cost_cents else ""
        self.cost_amount.cents = activity.cost_cents
        self.audience.data, self.audience_note.data = activity.audience.value, activity.audience_note
        self.show_notes.data = activity.show_notes


class FilterForm(Form):
    """The GET filters of the list and the week: how far ahead, what kind, which place. No CSRF for reading."""

    class Meta:
        csrf = False

    when = SelectField(_l("When"), default="month", choices=WHEN_CHOICES, validators=[Optional()])
    kind = SelectField(_l("Kind of activity"), default="", choices=[("", _l("All kinds"))] + KIND_CHOICES,
                       validators=[Optional()])
    place = SelectField(_l("Place"), coerce=_id_or_none, default=None, validators=[Optional()])

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.place.choices = [("", _l("All places"))] + [(p.id, p.name) for p in places]

    @property
    def filtered(self) -> bool:
        return bool(self.kind.data or self.place.data or (self.when.data and self.when.data != "month"))


class MessageForm(Form):
    message = TextAreaField(_l("Your message to everyone coming"), filters=[strip_filter],
                         validators=[DataRequired(_l("Write a message.")), _length(MESSAGE_MAX)],
                         description=_l("Everyone who comes to this date gets it, in the app and by e-mail."))


class CancelDateForm(Form):
    reason = TextAreaField(_l("Why is it off? (optional)"), filters=[strip_filter],
                         validators=[Optional(), _length(CHANGE_NOTE_MAX)],
                         description=_l("Everyone who comes gets a message at once."))


class MoveDateForm(Form):
    new_day = DateField(_l("New date"), validators=[InputRequired(_l("Choose the new date."))])
    new_time = TimeField(_l("New start time"), validators=[InputRequired(_l("Fill in the start time, for example "
                                                                            "10:00."))],
                         description=_l("For example 10:00."))
    reason = TextAreaField(_l("Why does it move? (optional)"), filters=[strip_filter],
                         validators=[Optional(), _length(CHANGE_NOTE_MAX)],
                         description=_l("Everyone who comes gets a message at once."))


class AttendanceForm(Form):
    number = IntegerField(_l("How many people came?"),
                          validators=[InputRequired(_l("Fill in how many people came.")),
                                      NumberRange(0, MAX_ATTENDANCE, _l("Fill in a number from 0 to 10000."))],
                          description=_l("A number is enough. No names."))


class NoteForm(Form):
    note = TextAreaField(_l("How was it?"), filters=[strip_filter],
                         validators=[DataRequired(_l("Write a few words.")), _length(NOTE_MAX)],
                         description=_l("A short note, for example “nice to do”. Others may read it with the "
                                        "activity. Do not write about health."))
