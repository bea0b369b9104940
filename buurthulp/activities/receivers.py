"""Activities take part in other domains: a person's calendar feed, a place's page, export and deletion."""

from buurthulp import privacy
from buurthulp.activities.calendar import activity_source
from buurthulp.activities.place_page import place_section
from buurthulp.activities.privacy import export_activities, forget_activities
from buurthulp.circles.calendar import register_source
from buurthulp.places.sections import register_section

register_source(activity_source)
register_section(place_section)
# after posts (20): the cancellations of what the person organised alone tell those coming in the app, and posts'
# erase removes every notification the person caused
privacy.register("activities", export=export_activities, erase=forget_activities, order=30)
