"""Which monthly digests a person was sent: exported, and removed on deletion."""

from buurthulp import privacy
from buurthulp.digest.services import export_deliveries, forget_deliveries

privacy.register("digest", export=export_deliveries, erase=forget_deliveries, order=50)
