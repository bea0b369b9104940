"""The forms of the broker's queue: its filters, and handing an ask to a colleague."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from buurthulp.broker import queue as q
from buurthulp.categories import Category
from buurthulp.forms import ChoiceField, Form
from buurthulp.posts.forms import category_choices

AGES = [("", _l("Any age")), ("3", _l("3 days or more")), ("7", _l("A week or more")),
        ("14", _l("Two weeks or more")), ("30", _l("A month or more"))]


class QueueFilterForm(Form):
    """GET filters of the queue; no CSRF needed for reading. Nonsense (an old or mistyped link) falls back to
    the default, as the feed's filters do."""

    class Meta:
        csrf = False

    section = SelectField(_l("Section"), default=q.Section.NEW.value,
                          choices=[(s.value, q.SECTION_LABELS[s]) for s in q.Section], validators=[Optional()])
    hood = SelectField(_l("Neighbourhood"), default="", validators=[Optional()])
    category = SelectField(_l("Kind of help"), default="", validators=[Optional()])
    age = SelectField(_l("Waiting"), default="", choices=AGES, validators=[Optional()])
    holder = SelectField(_l("Who is on it"), default=q.Holder.ALL.value,
                         choices=[(q.Holder.ALL.value, _l("Everyone's")), (q.Holder.MINE.value, _l("Mine")),
                                  (q.Holder.UNCLAIMED.value, _l("Nobody's yet"))], validators=[Optional()])
    sort = SelectField(_l("Order"), default=q.Sort.AGE.value,
                       choices=[(q.Sort.AGE.value, _l("Waiting longest first")),
                                (q.Sort.URGENCY.value, _l("Soonest date first"))], validators=[Optional()])

    def __init__(self, *args, initiative, **kwargs):
        super().__init__(*args, **kwargs)
        hoods = sorted(initiative.neighbourhoods, key=lambda n: n.name)
        self.hood.choices = [("", _l("All neighbourhoods"))] + [(str(n.id), n.name) for n in hoods]
        hidden = initiative.hidden
        self.category.choices = [("", _l("All kinds"))] + category_choices([c for c in Category if c.value not in hidden])

    def filters(self) -> q.Filters:
        """The filters asked for; a value that is not one of the choices counts as the default."""
        if not self.validate():
            for f in self:
                if f.errors:
                    f.data, f.errors = f.default, []
        return q.Filters(section=q.Section(self.section.data or q.Section.NEW.value),
                         neighbourhood_id=int(self.hood.data) if self.hood.data else None,
                         category=Category(self.category.data) if self.category.data else None,
                         min_days=int(self.age.data) if self.age.data else None,
                         holder=q.Holder(self.holder.data or q.Holder.ALL.value),
                         sort=q.Sort(self.sort.data or q.Sort.AGE.value))

    @property
    def filtered(self) -> bool:
        """Whether a filter other than the section is on."""
        return any((self.hood.data, self.category.data, self.age.data,
                    self.holder.data not in ("", q.Holder.ALL.value), self.sort.data not in ("", q.Sort.AGE.value)))


class HandOverForm(Form):
    colleague_id = ChoiceField(_l("Hand it to"), coerce=int, placeholder=_l("Choose a broker"),
                               message=_l("Choose the broker who takes it over."))

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.colleague_id.choices = [(c.id, c.display_name) for c in colleagues]
