"""Forms of the broker workspace."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from buurthulp.accounts.forms import PhotoForm, PostcodeMixin, availability_choices
from buurthulp.accounts.photos import CONSENT_WAYS
from buurthulp.broker.models import ConsentDecision, FollowUpOutcome
from buurthulp.categories import Category
from buurthulp.forms import DateField, Form, IdField, KeyField, LocalDecimalField, MultiCheckboxField, strip_filter
from buurthulp.timeutil import local_today

NO_HEALTH = _l("Do not write health details here: only what brokers need to help.")


class NoteForm(Form):
    body = TextAreaField(_l("Note for the brokers"), filters=[strip_filter], description=NO_HEALTH,
                         validators=[DataRequired(_l("Write a note first.")),
                                     Length(max=2000, message=_l("Use at most 2000 characters."))])


class ReferralForm(Form):
    place_id = SelectField(_l("A place on the living map"), coerce=int, choices=[], default=0,
                           validators=[Optional()])
    organisation = StringField(_l("Or another place or organisation"), filters=[strip_filter],
                               validators=[Length(max=200)],
                               description=_l("For example: the library's digital help desk, the walking club."))

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.place_id.choices = [(0, "—")] + [(p.id, p.name) for p in places]
    along = TextAreaField(_l("Who takes the person along, and when?"), filters=[strip_filter],
                         validators=[Optional(), Length(max=2000)], description=NO_HEALTH)


class BrokerMatchForm(Form):
    helper_id = IdField(_l("Who could help?"), validators=[InputRequired(_l("Choose a neighbour."))])
    note = TextAreaField(_l("A personal note to both"), filters=[strip_filter],
                         validators=[Optional(), Length(max=1000)],
                         description=_l("Both read this. Say why you think they fit. No health details."))


class ConsentForm(Form):
    decision = RadioField(_l("What did the neighbour decide?"),
                          choices=[(ConsentDecision.ACCEPTED.value, _l("Yes, they would like this")),
                                   (ConsentDecision.DECLINED.value, _l("No, thank you"))],
                          validators=[InputRequired(_l("Choose yes or no."))])
    note = StringField(_l("How did they give their consent?"), filters=[strip_filter],
                       validators=[DataRequired(_l("Write down how the neighbour gave their consent.")),
                                   Length(max=500)],
                       description=_l("For example: by phone on Tuesday morning."))


class FollowUpForm(Form):
    outcome = RadioField(_l("How did it go?"),
                         choices=[(FollowUpOutcome.WENT_WELL.value, _l("It went well")),
                                  (FollowUpOutcome.NEEDS_ATTENTION.value, _l("It needs attention")),
                                  (FollowUpOutcome.NOT_REACHED.value, _l("I could not reach them"))],
                         validators=[InputRequired(_l("Choose how it went."))])
    note = TextAreaField(_l("Anything to remember? (optional)"), filters=[strip_filter],
                         validators=[Optional(), Length(max=1000)], description=NO_HEALTH)


def not_in_the_future(form, field):
    if field.data is not None and field.data > local_today():
        raise ValidationError(_l("The date cannot be in the future."))


class ProxyForm(PostcodeMixin, Form):
    # sent back with the form: the same form sent twice registers one neighbour
    key = KeyField()
    name = StringField(_l("Name"), filters=[strip_filter],
                       validators=[DataRequired(_l("Fill in a name.")), Length(max=80)],
                       description=_l("As the neighbour likes to be called, for example “mevrouw Jansen”."))
    contact_route = StringField(_l("How to reach them"), filters=[strip_filter],
                                validators=[DataRequired(_l("Fill in how you reach this neighbour.")),
                                            Length(max=200)],
                                description=_l("For example a phone number, or “via the daughter, 06 …”. Only brokers see this."))
    postcode = StringField(_l("Postcode"), validators=[DataRequired(_l("Fill in the postcode."))])
    likes = MultiCheckboxField(_l("What they like to do for others"), choices=[])
    needs = MultiCheckboxField(_l("What they could use help with"), choices=[])
    availability = MultiCheckboxField(_l("When they are usually free"), choices=[])
    asked_by = StringField(_l("Who asked for this?"), filters=[strip_filter],
                           validators=[DataRequired(_l("Fill in who asked for this.")), Length(max=200)],
                           description=_l("For example “she herself”, “her daughter” or “the GP”."))
    consent_way = RadioField(_l("How did they agree?"), choices=list(CONSENT_WAYS.items()),
                             validators=[InputRequired(_l("Choose how they agreed."))])
    consent_on = DateField(_l("When did they agree?"), default=local_today,
                           validators=[InputRequired(_l("Fill in the date.")), not_in_the_future])
    agreed = BooleanField(_l("They agreed that we register them and that brokers help them through buurthulp"),
                          validators=[DataRequired(_l("Tick the box: register someone only when they agreed to it."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(c.value, c.label) for c in Category]
        self.likes.choices = self.needs.choices = choices
        self.availability.choices = availability_choices()


class ProxyPhotoForm(PhotoForm):
    """A photo a broker adds for a proxy neighbour, with how and when that neighbour agreed to it."""

    way = RadioField(_l("How did they agree?"), choices=list(CONSENT_WAYS.items()),
                     validators=[InputRequired(_l("Choose how they agreed."))])
    agreed_on = DateField(_l("When did they agree?"), validators=[InputRequired(_l("Fill in the date."))],
                          default=local_today)
    agreed = BooleanField(_l("They agreed that neighbours who can see their page see this photo"),
                          validators=[DataRequired(_l("Tick the box: add a photo only when they agreed to it."))])

    def validate_agreed_on(self, field):
        not_in_the_future(self, field)


# --- acting for a proxy neighbour on a match (each form is prefixed with the neighbour's id on the page) ---

class ProxyDoneForm(Form):
    hours = LocalDecimalField(_l("How many hours did it take?"), places=2,
                              validators=[InputRequired(_l("Fill in how long it took.")),
                                          NumberRange(0.25, 24, _l("Fill in between 0.25 and 24 hours."))],
                              description=_l("Ask the neighbour. For example 1,5 for an hour and a half."))
    km = IntegerField(_l("Kilometres driven (for a lift)"),
                      validators=[Optional(), NumberRange(0, 1000, _l("Fill in between 0 and 1000 km."))])


class ProxyThanksForm(Form):
    thanks_note = TextAreaField(_l("Their thank-you note"), filters=[strip_filter],
                                validators=[DataRequired(_l("Write a few words first.")),
                                            Length(max=1000, message=_l("Use at most 1000 characters."))],
                                description=_l("Write down what the neighbour wants to say."))


class ProxyCancelForm(Form):
    reason = TextAreaField(_l("Why? The other person will read this."), filters=[strip_filter],
                           validators=[DataRequired(_l("Please say briefly why, so the other person knows.")),
                                       Length(min=3, max=500, message=_l("Use between 3 and 500 characters."))])


class ProxyBlockForm(Form):
    asked = BooleanField(_l("The neighbour asked me to block this person"),
                         validators=[DataRequired(_l("Tick the box: block someone only when the neighbour asks."))])


class ProxyMessageForm(Form):
    body = TextAreaField(_l("Message on their behalf"), filters=[strip_filter],
                         validators=[DataRequired(_l("Write a message first.")),
                                     Length(max=2000, message=_l("Use at most 2000 characters."))],
                         description=_l("The other person sees that you wrote it for the neighbour."))
