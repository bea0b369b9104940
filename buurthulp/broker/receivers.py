"""What brokers recorded about a person (notes, referrals, consents): exported, and erased on deletion."""

from buurthulp import privacy
from buurthulp.broker.services import export_broker_records, forget_broker_records

privacy.register("broker", export=export_broker_records, erase=forget_broker_records, order=10)
