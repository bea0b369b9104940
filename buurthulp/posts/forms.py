"""Forms for posts, responses, the conversation, done, thanks, reports and the feed filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from buurthulp.categories import DAY_PART_LABELS, Category, DayPart, mask_of, slot_choices
from buurthulp.errors import DomainError
from buurthulp.forms import (
    ChoiceField,
    DateField,
    Form,
    LocalDecimalField,
    MultiCheckboxField,
    id_or_none,
    strip_filter,
)
from buurthulp.posts.models import PostKind, PostLocation, Timing
from buurthulp.posts.services import PostInput, check_timing
from buurthulp.timeutil import local_today

DURATIONS = [(30, _l("About half an hour")), (60, _l("About an hour")), (120, _l("About two hours")),
             (180, _l("About three hours")), (240, _l("Half a day")), (480, _l("A whole day"))]
EXPIRY_DAYS = [(7, _l("One week")), (14, _l("Two weeks")), (30, _l("30 days")), (60, _l("60 days"))]
PART_OF_DAY_CHOICES = [(p.value, DAY_PART_LABELS[p]) for p in DayPart]  # lazy: translated when shown
# An ask "to my circle": who sees it, and after how many days the neighbourhood does too (None: never)
AUDIENCE_CHOICES = [("neighbourhood", _l("The neighbourhood")),
                    ("circle_1", _l("My circle first, then the neighbourhood after 1 day")),
                    ("circle_3", _l("My circle first, then the neighbourhood after 3 days")),
                    ("circle", _l("Only my circle"))]
CIRCLE_DAYS = {"circle_1": 1, "circle_3": 3, "circle": None}


def category_choices(categories=None):
    """Choices for a category field: the given categories (those offered in a neighbourhood), else all."""
    return [(c.value, c.label) for c in (categories if categories is not None else Category)]


class PostForm(Form):
    kind = RadioField(_l("What would you like to do?"),
                      choices=[(PostKind.ASK.value, _l("I am looking for help")),
                               (PostKind.OFFER.value, _l("I can offer help"))],
                      validators=[InputRequired(_l("Choose whether you ask or offer help."))])
    category = ChoiceField(_l("What kind of help?"), placeholder=_l("Choose a kind of help"),
                           message=_l("Choose a kind of help."))
    title = StringField(_l("In a few words"), filters=[strip_filter],
                        validators=[DataRequired(_l("Fill in a short title.")),
                                    Length(max=100, message=_l("Use at most 100 characters."))],
                        description=_l("For example: “Who can hang a shelf?” or “I like to walk with someone”."))
    description = TextAreaField(_l("Tell a bit more (everyone nearby can read this)"), filters=[strip_filter],
                                validators=[Optional(), Length(max=2000, message=_l("Use at most 2000 characters."))])
    private_details = TextAreaField(
        _l("Private details (optional)"), filters=[strip_filter],
        validators=[Optional(), Length(max=2000, message=_l("Use at most 2000 characters."))],
        description=_l("Only the neighbour you make an appointment with, and the neighbourhood broker, see this: "
                       "for example your street and house number. Please do not write about health."),
    )
    timing = RadioField(_l("When?"), default=Timing.FLEXIBLE.value,
                        choices=[(Timing.ONCE.value, _l("Once, on a date")),
                                 (Timing.FLEXIBLE.value, _l("Some time within a period")),
                                 (Timing.WEEKLY.value, _l("Every week"))],
                        validators=[InputRequired(_l("Choose when."))])
    on_date = DateField(_l("Date"), validators=[Optional()])
    day_part = SelectField(_l("Part of the day"), coerce=int, choices=PART_OF_DAY_CHOICES, validators=[Optional()])
    period_start = DateField(_l("From"), validators=[Optional()])
    period_end = DateField(_l("Until"), validators=[Optional()])
    weekly_slots = MultiCheckboxField(_l("Which days and parts of the day?"), choices=[])  # set per request
    weekly_until = DateField(_l("Until (optional)"), validators=[Optional()])
    duration_minutes = SelectField(_l("How long will it take?"), coerce=int, choices=DURATIONS, default=60)
    place = RadioField(_l("Where?"), default=PostLocation.HOME_AREA.value,
                       choices=[(PostLocation.HOME_AREA.value, _l("Near my home")),
                                (PostLocation.THEIR_PLACE.value, _l("At the other person's place")),
                                (PostLocation.ELSEWHERE.value, _l("Somewhere else"))])
    place_note = StringField(_l("Where exactly? (optional)"), filters=[strip_filter],
                             validators=[Optional(), Length(max=200, message=_l("Use at most 200 characters."))],
                             description=_l("For example: the library, the community centre. Not your address."))
    expiry_days = SelectField(_l("Show my post for"), coerce=int, choices=EXPIRY_DAYS, default=30)
    place_id = HiddenField()  # "ga mee": the place of the living map it is about
    # Offered (in the template) only to someone in an active circle, and only for an ask; anything but
    # "neighbourhood" from anyone else is refused in validate().
    audience = RadioField(_l("Who sees this ask?"), choices=AUDIENCE_CHOICES, default="neighbourhood",
                          validators=[Optional()],
                          description=_l("Your circle sees the ask on the circle's page and can respond as usual."))
    circle = SelectField(_l("Which circle?"), choices=[], validators=[Optional()])
    suggested_can_agree = BooleanField(
        _l("Neighbours the app suggests may say yes straight away"), default=True,
        description=_l("Then you do not have to choose. The first suggested neighbour who says yes will help you. "
                       "You both see each other's contact details. You can still cancel. Without this tick, you "
                       "say yes or no to each of them yourself."))

    def __init__(self, *args, categories=None, circles=(), **kwargs):
        """``circles``: (id, name) of the active circles the author is in, for "who sees this ask?"."""
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices(categories)
        self.weekly_slots.choices = slot_choices()
        self.circle.choices = [(str(i), _l("Circle around %(name)s", name=name)) for i, name in circles]
        if len(self.circle.choices) == 1 and not self.circle.data:
            self.circle.data = self.circle.choices[0][0]

    @property
    def offers_circle(self) -> bool:
        """Whether the form shows "who sees this ask?": the author is in an active circle."""
        return bool(self.circle.choices)

    def circle_choice(self) -> tuple[int | None, int | None]:
        """The circle an ask is for first, and after how many days the neighbourhood sees it (None: never);
        (None, None) for the neighbourhood."""
        if self.kind.data != PostKind.ASK.value or self.audience.data not in CIRCLE_DAYS:
            return None, None
        return id_or_none(self.circle.data), CIRCLE_DAYS[self.audience.data]

    def to_input(self):
        """The validated form as the posts service's input."""
        return self._input(PostKind(self.kind.data), Category(self.category.data))

    def _input(self, kind: PostKind, category: Category) -> PostInput:
        slots = [tuple(int(x) for x in v.split("-")) for v in self.weekly_slots.data or []]
        return PostInput(
            kind=kind, category=category, title=self.title.data or "",
            description=self.description.data or "", private_details=self.private_details.data or "",
            timing=Timing(self.timing.data), on_date=self.on_date.data,
            day_part=self.day_part.data if self.timing.data == Timing.ONCE else None,
            period_start=self.period_start.data, period_end=self.period_end.data, weekly_slots=mask_of(slots),
            weekly_until=self.weekly_until.data, duration_minutes=self.duration_minutes.data,
            place=PostLocation(self.place.data or PostLocation.HOME_AREA), place_note=self.place_note.data or "",
            expiry_days=self.expiry_days.data,
            place_id=id_or_none(self.place_id.data),
            circle_id=self.circle_choice()[0], circle_days=self.circle_choice()[1],
            suggested_can_agree=bool(self.suggested_can_agree.data),
        )

    def validate(self, extra_validators=None) -> bool:
        """Every mistake at once: the rules for "when" (services.check_timing) are checked with the other
        fields, not only once those are right."""
        ok = super().validate(extra_validators)
        if self.kind.data == PostKind.ASK.value and self.audience.data in CIRCLE_DAYS \
                and id_or_none(self.circle.data) is None:
            self.audience.errors.append(_l("Choose a circle you are in."))
            ok = False
        read = (self.timing, self.on_date, self.day_part, self.period_start, self.period_end, self.weekly_slots,
                self.weekly_until, self.duration_minutes, self.expiry_days, self.place)  # what _input reads
        if any(f.errors for f in read):
            return ok
        try:  # kind and category do not matter for "when"; they may still be wrong here
            check_timing(self._input(PostKind.ASK, Category.OTHER), local_today())
        except DomainError as exc:
            self.timing_field().errors.append(str(exc.message))
            return False
        return ok

    def timing_field(self):
        """The field where a problem with "when" is shown."""
        return {Timing.ONCE: self.on_date, Timing.FLEXIBLE: self.period_start,
                Timing.WEEKLY: self.weekly_slots}.get(self.timing.data, self.timing)


class RespondForm(Form):
    note = TextAreaField(_l("A message (optional)"), filters=[strip_filter],
                         validators=[Optional(), Length(max=2000, message=_l("Use at most 2000 characters."))],
                         description=_l("Say hello and when it would suit you. Do not share your address yet."))


class MessageForm(Form):
    body = TextAreaField(_l("Your message"), filters=[strip_filter],
                         validators=[DataRequired(_l("Write a message first.")),
                                     Length(max=2000, message=_l("Use at most 2000 characters."))])


class CancelForm(Form):
    reason = TextAreaField(_l("Why? The other person will read this."), filters=[strip_filter],
                           validators=[DataRequired(_l("Please say briefly why, so the other person knows.")),
                                       Length(min=3, max=500, message=_l("Use between 3 and 500 characters."))])


class DoneForm(Form):
    hours = LocalDecimalField(_l("How many hours did it take?"), places=2,
                         validators=[InputRequired(_l("Fill in how long it took.")),
                                     NumberRange(0.25, 24, _l("Fill in between 0.25 and 24 hours."))],
                         description=_l("For example 1,5 for an hour and a half."))
    km = IntegerField(_l("Kilometres driven (for a lift)"),
                      validators=[Optional(), NumberRange(0, 1000, _l("Fill in between 0 and 1000 km."))])


class ConfirmDoneForm(Form):
    hours = LocalDecimalField(_l("How many hours did it take?"), places=2,
                         validators=[Optional(), NumberRange(0.25, 24, _l("Fill in between 0.25 and 24 hours."))])
    km = IntegerField(_l("Kilometres driven (for a lift)"),
                      validators=[Optional(), NumberRange(0, 1000, _l("Fill in between 0 and 1000 km."))])


class AgreedTimeForm(Form):
    day = DateField(_l("Date"), validators=[InputRequired(_l("Choose the date."))])
    at = TimeField(_l("Time"), validators=[InputRequired(_l("Choose the time."))])


class ThanksForm(Form):
    thanks_note = TextAreaField(_l("Your thank-you note"), filters=[strip_filter],
                         validators=[DataRequired(_l("Write a few words first.")),
                                     Length(max=1000, message=_l("Use at most 1000 characters."))],
                         description=_l("The helper decides whether it is shown on their profile."))


class ReportForm(Form):
    reason = TextAreaField(_l("What is wrong?"), filters=[strip_filter],
                           validators=[DataRequired(_l("Please say briefly what is wrong.")),
                                       Length(min=3, max=1000, message=_l("Use between 3 and 1000 characters."))])


class ThanksVisibilityForm(Form):
    public = BooleanField(_l("Show on my profile"))


class FeedFilterForm(Form):
    """GET filters of the nearby feed; no CSRF needed for reading."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Asks or offers"), default="",
                       choices=[("", _l("Both")), (PostKind.ASK.value, _l("Asks for help")),
                                (PostKind.OFFER.value, _l("Offers of help"))], validators=[Optional()])
    category = SelectField(_l("Kind of help"), default="", validators=[Optional()])
    distance = SelectField(_l("Distance"), default="",
                           choices=[("", _l("Any distance")), ("500", _l("Within 500 m")), ("1000", _l("Within 1 km")),
                                    ("2000", _l("Within 2 km")), ("5000", _l("Within 5 km"))], validators=[Optional()])
    when = SelectField(_l("When"), default="",
                       choices=[("", _l("Any time")), ("7", _l("In the coming week")), ("30", _l("In the coming month"))],
                       validators=[Optional()])

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("All kinds"))] + category_choices(categories)
