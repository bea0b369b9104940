"""Forms for registration, log-in, passwords and the profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from buurthulp.accounts.models import DigestPreference, InvalidPostcode, normalise_postcode
from buurthulp.accounts.photos import MAX_UPLOAD_BYTES, TOO_LARGE
from buurthulp.accounts.services import password_problem
from buurthulp.categories import Category, slot_choices
from buurthulp.forms import Form, MultiCheckboxField, strip_filter

AUTO = 0


class PostcodeMixin:
    def validate_postcode(self, field):
        try:
            field.data = normalise_postcode(field.data)
        except InvalidPostcode as exc:
            raise ValidationError(str(exc.message)) from None


class ForPerson:
    """A form about one neighbour's account: ``person=`` when it is made."""

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person


class StrongPasswordMixin(ForPerson):
    """The password rule said with the other mistakes of the form, not after them; ``person`` is whose
    password it is (for "not your name or e-mail address"), else the form's own name and e-mail fields."""

    def validate_password(self, field):
        person = self.person
        email = person.email if person is not None else getattr(getattr(self, "email", None), "data", None)
        name = person.display_name if person is not None else getattr(getattr(self, "display_name", None), "data", None)
        problem = password_problem(field.data or "", email=email or "", name=name or "")
        if problem:
            raise ValidationError(str(problem))


class CurrentPasswordMixin(ForPerson):
    """A password field that must be ``person``'s own password, checked with the form's other fields."""

    own_password_field = "current"

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        field = self[self.own_password_field]
        if field.data and not field.errors and not self.person.check_password(field.data):
            field.errors.append(self.own_password_message)
            ok = False
        return ok


class RegisterForm(PostcodeMixin, StrongPasswordMixin, Form):
    display_name = StringField(
        _l("Your name as neighbours will see it"),
        validators=[DataRequired(_l("Fill in your name.")), Length(max=80, message=_l("Use at most 80 characters."))],
        filters=[strip_filter],
        description=_l("Your first name is enough, for example “Ria” or “Ahmed B.”."),
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Fill in your e-mail address.")),
                    Email(_l("This does not look like an e-mail address."), check_deliverability=False),
                    Length(max=254)],
        filters=[strip_filter],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Choose a password."))],
        description=_l("At least 10 characters. Tip: three words you will remember."),
    )
    postcode = StringField(
        _l("Postcode"),
        validators=[DataRequired(_l("Fill in your postcode."))],
        description=_l("Four digits and two letters, like 3554 AB. We never show it to others."),
    )


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Fill in your e-mail address."))],
                       filters=[strip_filter])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Fill in your password."))])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ForgotPasswordForm(Form):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Fill in your e-mail address.")),
                    Email(_l("This does not look like an e-mail address."), check_deliverability=False)],
        filters=[strip_filter],
    )


class ResetPasswordForm(StrongPasswordMixin, Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a password."))],
                             description=_l("At least 10 characters. Tip: three words you will remember."))
    confirm = PasswordField(_l("New password again"),
                            validators=[EqualTo("password", _l("The two passwords are not the same."))])


class ChangePasswordForm(CurrentPasswordMixin, ResetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Fill in your current password."))])
    own_password_message = _l("This is not your current password.")


def availability_choices():
    return slot_choices()


class ProfileForm(PostcodeMixin, Form):
    display_name = RegisterForm.display_name
    about = TextAreaField(
        _l("A few words about yourself (optional)"),
        validators=[Optional(), Length(max=500, message=_l("Use at most 500 characters."))],
        filters=[strip_filter],
        description=_l("Neighbours see this. Please do not write about health here."),
    )
    postcode = RegisterForm.postcode
    # Shown only where the postcode lies in more than one neighbourhood; the choice among those is all it sets
    # (accounts.services.update_profile: the neighbourhood follows the postcode).
    neighbourhood = SelectField(_l("Neighbourhood"), coerce=int, default=AUTO, validate_choice=False,
                                description=_l("Your postcode lies in more than one neighbourhood. Choose yours."))
    likes = MultiCheckboxField(_l("What I like to do for others"), choices=[])
    needs = MultiCheckboxField(_l("What I could use help with"), choices=[])
    availability = MultiCheckboxField(_l("When I am usually free"), choices=[])
    locale = RadioField(_l("Language"), choices=[("nl", "Nederlands"), ("en", "English")],
                        validators=[DataRequired()])
    digest = RadioField(
        _l("Monthly overview by e-mail"),
        choices=[(DigestPreference.MONTHLY.value, _l("Yes, once a month")), (DigestPreference.OFF.value, _l("No, thank you"))],
        validators=[DataRequired()],
    )
    phone = StringField(
        _l("Phone number (optional)"),
        validators=[Optional(), Length(max=32),
                    Regexp(r"^\+?[0-9 ()-]{6,}$", message=_l("Use digits, spaces and + only, like 06 12345678."))],
        filters=[strip_filter],
    )
    notify_by_mail = BooleanField(_l("E-mail me about responses and messages (at most once an hour)"))
    share_email = BooleanField(_l("Share my e-mail address"))
    share_phone = BooleanField(_l("Share my phone number"))

    def fill_choices(self, neighbourhoods, categories=None, allowed=()):
        """``neighbourhoods``: those the postcode lies in (shown); ``allowed``: also accepted on saving (the
        neighbourhoods of the postcode typed, and the one held), which the service then decides between."""
        category_choices = [(c.value, c.label) for c in (categories if categories is not None else Category)]
        self.likes.choices = category_choices
        self.needs.choices = category_choices
        self.availability.choices = availability_choices()
        self.neighbourhood.choices = [(n.id, f"{n.name} ({n.municipality})") for n in neighbourhoods]
        self._allowed_neighbourhoods = {AUTO} | {n.id for n in neighbourhoods} | {n.id for n in allowed}

    def validate_neighbourhood(self, field):
        if field.data not in self._allowed_neighbourhoods:
            raise ValidationError(_l("Choose one of the neighbourhoods your postcode lies in."))


class DeleteAccountForm(CurrentPasswordMixin, Form):
    own_password_field = "password"
    own_password_message = _l("This is not your password.")

    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired(_l("Fill in your password."))])
    confirm = BooleanField(_l("Yes, delete my account and my personal data"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class PhotoForm(Form):
    """A profile photo to upload; ``accounts.photos`` checks and re-encodes what it holds."""

    photo = FileField(
        _l("Photo"),
        validators=[FileRequired(_l("Choose a photo first.")), FileSize(MAX_UPLOAD_BYTES, message=TOO_LARGE)],
        description=_l("A JPEG, PNG or WebP photo of at most 8 MB. We make it square and remove the place where "
                       "it was taken and other hidden details."),
    )
