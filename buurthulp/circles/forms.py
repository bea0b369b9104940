"""The forms of circles: start one, invite, answer, write on the board."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length

from buurthulp.forms import Form, MultiCheckboxField, strip_filter

ABOUT_MAX = 1000
MESSAGE_MAX = 2000


class StartForm(Form):
    """Around whom: "me", "proxy-<initiative>-<id>" (a broker's proxy neighbour), "person-<id>" (who asked)."""

    centre = RadioField(_l("Around whom is the circle?"),
                        validators=[InputRequired(_l("Choose around whom the circle is."))])
    about = TextAreaField(
        _l("What is the circle for? (optional)"), filters=[strip_filter],
        validators=[Length(max=ABOUT_MAX, message=_l("Use at most 1000 characters."))],
        description=_l("One or two sentences, for example \u201cSo that Annie can keep living at home.\u201d "
                       "Everyone in the circle can read it. Do not write about health."))

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.centre.choices = list(choices)


class InviteMailForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Fill in an e-mail address.")),
                    Email(_l("This does not look like an e-mail address."), check_deliverability=False),
                    Length(max=254)],
        filters=[strip_filter],
        description=_l("We send an invitation link to this address. It can be someone who lives further away."))


class InvitePickForm(Form):
    neighbours = MultiCheckboxField(_l("Neighbours you know from help"), coerce=int,
                                    validators=[DataRequired(_l("Choose one or more neighbours to invite."))])

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.neighbours.choices = list(choices)


class AnswerForm(Form):
    """A yes or no from two buttons named ``answer``."""

    answer = StringField(validators=[AnyOf(["yes", "no"])])


class MessageForm(Form):
    body = TextAreaField(
        _l("Your message to the circle"), filters=[strip_filter],
        validators=[DataRequired(_l("Write a message first.")),
                    Length(max=MESSAGE_MAX, message=_l("Use at most 2000 characters."))],
        description=_l("Everyone in the circle and its broker can read this. Do not write about health."))
