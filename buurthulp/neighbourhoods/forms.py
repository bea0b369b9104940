"""Forms for neighbourhoods, initiatives and member roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from buurthulp.categories import Category
from buurthulp.forms import ChoiceField, Form, HiddenIdField, LocalDecimalField, MultiCheckboxField, strip_filter
from buurthulp.neighbourhoods.models import BROKER_TITLE_LABELS, ROLE_LABELS, Role
from buurthulp.neighbourhoods.services import EXTRA_ROLES


class NeighbourhoodForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Fill in a name.")), Length(max=100)],
                       filters=[strip_filter])
    municipality = StringField(_l("Municipality"), validators=[DataRequired(_l("Fill in the municipality.")), Length(max=100)],
                               filters=[strip_filter])
    postcodes = TextAreaField(
        _l("Postcode areas"), validators=[DataRequired(_l("Fill in at least one postcode area."))],
        description=_l("Separated by commas: four digits (3554) or four digits and two letters (3554 AB)."),
    )
    adjacent = SelectMultipleField(_l("Neighbourhoods next to it"), coerce=int)
    centre_lat = LocalDecimalField(_l("Centre latitude (optional)"), places=5,
                                   validators=[Optional(), NumberRange(50.7, 53.6, _l("This is not a latitude in the Netherlands."))])
    centre_lon = LocalDecimalField(_l("Centre longitude (optional)"), places=5,
                                   validators=[Optional(), NumberRange(3.3, 7.3, _l("This is not a longitude in the Netherlands."))])


class InitiativeForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Fill in a name.")), Length(max=120)],
                       filters=[strip_filter])
    description = TextAreaField(_l("What the initiative does"), validators=[Optional(), Length(max=2000)],
                                filters=[strip_filter])
    contact_email = EmailField(_l("Contact e-mail (optional)"),
                               validators=[Optional(), Email(_l("This does not look like an e-mail address."),
                                                             check_deliverability=False)],
                               filters=[strip_filter])
    neighbourhoods = MultiCheckboxField(_l("Works in these neighbourhoods"), coerce=int, choices=[])
    hidden_categories = MultiCheckboxField(
        _l("Kinds of help the initiative does not take on (optional)"), choices=[],
        description=_l("They are not offered to neighbours where no other initiative takes them on."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hidden_categories.choices = category_choices()


class BrokerTitleForm(Form):
    broker_title = RadioField(_l("What do the neighbours call your broker?"),
                              choices=[(t.value, label) for t, label in BROKER_TITLE_LABELS.items()],
                              validators=[InputRequired(_l("Choose one of the titles for the broker."))],
                              description=_l("The residents' pages use this word, for example "
                                             "“Call the dorpsondersteuner”."))


class HiddenCategoriesForm(Form):
    hidden_categories = MultiCheckboxField(_l("Kinds of help the initiative does not take on"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.hidden_categories.choices = category_choices()


def category_choices():
    return [(c.value, c.label) for c in Category]


class RolesForm(Form):
    membership_id = HiddenIdField(validators=[DataRequired()])
    roles = MultiCheckboxField(_l("Roles"), choices=[(r.value, ROLE_LABELS[r]) for r in EXTRA_ROLES])


class GrantRoleForm(Form):
    email = EmailField(_l("E-mail address of the neighbour"),
                       validators=[DataRequired(_l("Fill in an e-mail address.")),
                                   Email(_l("This does not look like an e-mail address."), check_deliverability=False)],
                       filters=[strip_filter])
    role = ChoiceField(_l("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in Role], placeholder=_l("Choose a role"),
                       message=_l("Choose a role."))


class PlaceForm(Form):
    """A broker or coordinator places someone whose postcode no neighbourhood covers, when they ask for it."""

    email = EmailField(
        _l("Their e-mail address"),
        validators=[DataRequired(_l("Fill in their e-mail address.")),
                    Email(_l("This does not look like an e-mail address."), check_deliverability=False),
                    Length(max=254)],
        filters=[strip_filter],
        description=_l("The address they joined buurthulp with."),
    )
    neighbourhood = ChoiceField(_l("Neighbourhood"), coerce=int, placeholder=_l("Choose the neighbourhood"),
                                message=_l("Choose the neighbourhood."))
