"""The help categories of DESIGN.md, and parts of the week for availability."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from flask_babel import lazy_gettext as _l


class Category(StrEnum):
    ODD_JOBS = "klussen"
    MEALS = "maaltijden"
    GROCERIES = "boodschappen"
    TRANSPORT = "vervoer"
    COMPANY = "gezelschap"
    PAPERWORK = "administratie"
    MINDING = "oppassen"
    EXERCISE = "bewegen"
    OTHER = "anders"

    @property
    def label(self) -> str:
        return str(CATEGORY_LABELS[self])

    @property
    def hint(self) -> str:
        return str(CATEGORY_HINTS[self])


CATEGORY_LABELS = {
    Category.ODD_JOBS: _l("Odd jobs"),
    Category.MEALS: _l("Meals"),
    Category.GROCERIES: _l("Groceries"),
    Category.TRANSPORT: _l("Transport and lifts"),
    Category.COMPANY: _l("Company and meeting"),
    Category.PAPERWORK: _l("Paperwork and digital help"),
    Category.MINDING: _l("Minding children, pets, plants or the house"),
    Category.EXERCISE: _l("Exercise together"),
    Category.OTHER: _l("Other"),
}

CATEGORY_HINTS = {
    Category.ODD_JOBS: _l("a shelf, a lamp, the garden"),
    Category.MEALS: _l("cooking, eating together"),
    Category.GROCERIES: _l("shopping, picking something up"),
    Category.TRANSPORT: _l("a lift to the doctor or the station"),
    Category.COMPANY: _l("a walk, coffee, a chat"),
    Category.PAPERWORK: _l("forms, letters, the computer or phone"),
    Category.MINDING: _l("while someone is away"),
    Category.EXERCISE: _l("walking, cycling, exercising"),
    Category.OTHER: _l("something else"),
}


class Weekday(IntEnum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6

    @property
    def label(self) -> str:
        return str(WEEKDAY_LABELS[self])


WEEKDAY_LABELS = {
    Weekday.MONDAY: _l("Monday"),
    Weekday.TUESDAY: _l("Tuesday"),
    Weekday.WEDNESDAY: _l("Wednesday"),
    Weekday.THURSDAY: _l("Thursday"),
    Weekday.FRIDAY: _l("Friday"),
    Weekday.SATURDAY: _l("Saturday"),
    Weekday.SUNDAY: _l("Sunday"),
}


class DayPart(IntEnum):
    MORNING = 0
    AFTERNOON = 1
    EVENING = 2

    @property
    def label(self) -> str:
        return str(DAY_PART_LABELS[self])


DAY_PART_LABELS = {
    DayPart.MORNING: _l("Morning"),
    DayPart.AFTERNOON: _l("Afternoon"),
    DayPart.EVENING: _l("Evening"),
}


# One message per weekday and part of day: Dutch writes them as one word ("woensdagmiddag"), so the sentence is
# never glued together from "Wednesday" and "afternoon".
SLOT_LABELS = {
    (Weekday.MONDAY, DayPart.MORNING): _l("Monday morning"),
    (Weekday.MONDAY, DayPart.AFTERNOON): _l("Monday afternoon"),
    (Weekday.MONDAY, DayPart.EVENING): _l("Monday evening"),
    (Weekday.TUESDAY, DayPart.MORNING): _l("Tuesday morning"),
    (Weekday.TUESDAY, DayPart.AFTERNOON): _l("Tuesday afternoon"),
    (Weekday.TUESDAY, DayPart.EVENING): _l("Tuesday evening"),
    (Weekday.WEDNESDAY, DayPart.MORNING): _l("Wednesday morning"),
    (Weekday.WEDNESDAY, DayPart.AFTERNOON): _l("Wednesday afternoon"),
    (Weekday.WEDNESDAY, DayPart.EVENING): _l("Wednesday evening"),
    (Weekday.THURSDAY, DayPart.MORNING): _l("Thursday morning"),
    (Weekday.THURSDAY, DayPart.AFTERNOON): _l("Thursday afternoon"),
    (Weekday.THURSDAY, DayPart.EVENING): _l("Thursday evening"),
    (Weekday.FRIDAY, DayPart.MORNING): _l("Friday morning"),
    (Weekday.FRIDAY, DayPart.AFTERNOON): _l("Friday afternoon"),
    (Weekday.FRIDAY, DayPart.EVENING): _l("Friday evening"),
    (Weekday.SATURDAY, DayPart.MORNING): _l("Saturday morning"),
    (Weekday.SATURDAY, DayPart.AFTERNOON): _l("Saturday afternoon"),
    (Weekday.SATURDAY, DayPart.EVENING): _l("Saturday evening"),
    (Weekday.SUNDAY, DayPart.MORNING): _l("Sunday morning"),
    (Weekday.SUNDAY, DayPart.AFTERNOON): _l("Sunday afternoon"),
    (Weekday.SUNDAY, DayPart.EVENING): _l("Sunday evening"),
}


def slot_label(day: Weekday | int, part: DayPart | int) -> str:
    """"Wednesday afternoon" / "woensdagmiddag": one weekday and part of day, as in running text."""
    return str(SLOT_LABELS[Weekday(day), DayPart(part)])


def slot_choice_label(day: Weekday | int, part: DayPart | int) -> str:
    """A slot as the label of a choice, which starts with a capital ("Woensdagmiddag")."""
    label = slot_label(day, part)
    return label[:1].upper() + label[1:]


def slot_choices() -> list[tuple[str, str]]:
    """Every slot as a form choice ("2-1", "Woensdagmiddag"), in the language of the request."""
    return [(f"{d.value}-{p.value}", slot_choice_label(d, p)) for d in Weekday for p in DayPart]


def slot_bit(day: Weekday | int, part: DayPart | int) -> int:
    """The bit of one weekday x part of day in an availability mask."""
    return 1 << (int(day) * len(DayPart) + int(part))


def slots_in(mask: int) -> list[tuple[Weekday, DayPart]]:
    """The (weekday, part of day) pairs set in an availability mask."""
    return [(d, p) for d in Weekday for p in DayPart if mask & slot_bit(d, p)]


def mask_of(slots) -> int:
    """An availability mask from (weekday, part of day) pairs."""
    mask = 0
    for day, part in slots:
        mask |= slot_bit(day, part)
    return mask
