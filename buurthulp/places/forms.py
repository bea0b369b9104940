"""Forms of the living map: a place with its activity times, a story, a flag, the search."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, HiddenField, SelectField, StringField, TextAreaField, TimeField
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from buurthulp.categories import WEEKDAY_LABELS, Weekday
from buurthulp.forms import ChoiceField, Form, LocalDecimalField, strip_filter
from buurthulp.places.models import KIND_LABELS, PlaceKind
from buurthulp.places.services import MAX_ACTIVITIES, ActivityInput, PlaceInput


def _length(n: int) -> Length:
    return Length(max=n, message=_l("Use at most %(n)d characters.", n=n))


class ActivityForm(PlainForm):
    """One weekly activity time; an empty row is left out."""

    title = StringField(_l("Activity"), filters=[strip_filter], validators=[_length(120)],
                        description=_l("For example: walking group, coffee morning."))
    weekday = SelectField(_l("Day"), choices=[("", "—")] + [(str(d.value), WEEKDAY_LABELS[d]) for d in Weekday],
                          validators=[Optional()])
    starts_at = TimeField(_l("From"), validators=[Optional()])
    ends_at = TimeField(_l("Until (optional)"), validators=[Optional()])

    def is_empty(self) -> bool:
        return not (self.title.data or self.weekday.data or self.starts_at.data)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_empty():
            return ok
        if not self.weekday.data:
            self.weekday.errors.append(_l("Choose the day."))
            ok = False
        if self.starts_at.data is None:
            self.starts_at.errors.append(_l("Fill in the starting time."))
            ok = False
        return ok


class PlaceForm(Form):
    name = StringField(_l("Name"), filters=[strip_filter],
                       validators=[DataRequired(_l("Fill in the name of the place or activity.")), _length(120)],
                       description=_l("For example: Buurthuis De Boog, or the Tuesday walking group."))
    kind = ChoiceField(_l("What kind of place or activity?"), choices=[(k.value, KIND_LABELS[k]) for k in PlaceKind],
                       placeholder=_l("Choose a kind of place or activity"),
                       message=_l("Choose what kind of place or activity it is."))
    neighbourhood_id = ChoiceField(_l("Neighbourhood"), coerce=int, placeholder=_l("Choose the neighbourhood"),
                                   message=_l("Choose the neighbourhood."))
    address = StringField(_l("Address (optional)"), filters=[strip_filter], validators=[Optional(), _length(200)],
                          description=_l("The address of the building. Never a home address."))
    where_note = StringField(_l("Or describe where it is"), filters=[strip_filter],
                             validators=[Optional(), _length(300)],
                             description=_l("For example: the green door behind the church."))
    opening_hours = StringField(_l("Opening hours (optional)"), filters=[strip_filter],
                                validators=[Optional(), _length(300)],
                                description=_l("For example: Monday to Friday 9:00 to 17:00."))
    contact = StringField(_l("How to get in touch (optional)"), filters=[strip_filter],
                          validators=[Optional(), _length(300)],
                          description=_l("A phone number, e-mail address or website of the place itself."))
    description = TextAreaField(_l("What happens there?"), filters=[strip_filter],
                                validators=[Optional(), _length(2000)])
    latitude = LocalDecimalField(_l("Latitude (optional)"), places=5, validators=[
        Optional(), NumberRange(50.5, 53.7, _l("That point is not in the Netherlands."))])
    longitude = LocalDecimalField(_l("Longitude (optional)"), places=5, validators=[
        Optional(), NumberRange(3.2, 7.3, _l("That point is not in the Netherlands."))])
    activities = FieldList(FormField(ActivityForm), min_entries=MAX_ACTIVITIES, max_entries=MAX_ACTIVITIES)

    def __init__(self, *args, neighbourhoods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.neighbourhood_id.choices = [(n.id, n.name) for n in neighbourhoods]

    def to_input(self) -> PlaceInput:
        activities = [ActivityInput(title=row.title.data or "", weekday=int(row.weekday.data),
                                    starts_at=row.starts_at.data, ends_at=row.ends_at.data)
                      for row in (entry.form for entry in self.activities) if not row.is_empty()]
        return PlaceInput(
            name=self.name.data, kind=PlaceKind(self.kind.data), neighbourhood_id=self.neighbourhood_id.data,
            address=self.address.data or "", where_note=self.where_note.data or "",
            opening_hours=self.opening_hours.data or "", contact=self.contact.data or "",
            description=self.description.data or "",
            latitude=float(self.latitude.data) if self.latitude.data is not None else None,
            longitude=float(self.longitude.data) if self.longitude.data is not None else None,
            activities=activities)


class StoryForm(Form):
    body = TextAreaField(_l("Your story"), filters=[strip_filter],
                         validators=[DataRequired(_l("Write your story first.")),
                                     Length(min=10, max=1000, message=_l("Use between 10 and 1000 characters."))],
                         description=_l("What did you do there, how was it? For example: “Last week I went "
                                        "along with the walking group…”. Please do not write about health."))


class FlagForm(Form):
    note = StringField(_l("What is no longer right?"), filters=[strip_filter],
                       validators=[DataRequired(_l("Say briefly what is no longer right.")), _length(500)],
                       description=_l("For example: it moved, the times changed, it stopped."))


class ReviewForm(Form):
    action = HiddenField(validators=[DataRequired()])


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip_filter], validators=[Optional(), _length(100)])
    kind = SelectField(_l("Kind"), validators=[Optional()])
    area = SelectField(_l("Where"), validators=[Optional()])

    def __init__(self, *args, neighbourhoods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("All kinds"))] + [(k.value, k.label) for k in PlaceKind]
        self.area.choices = ([("", _l("Near me")), ("all", _l("All neighbourhoods"))]
                             + [(n.slug, n.name) for n in neighbourhoods])
