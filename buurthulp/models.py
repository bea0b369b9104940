"""Imports every domain's models so that SQLAlchemy and Alembic see them all."""

from buurthulp.accounts.models import Neighbour, NeighbourInterest, NeighbourPhoto  # noqa: F401
from buurthulp.activities.models import (  # noqa: F401
    Activity,
    ActivityDate,
    ActivityMessage,
    ActivityNote,
    ActivityOrganiser,
    ActivitySignup,
)
from buurthulp.broker.models import BrokerNote, FollowUp, ProxyConsent, Referral  # noqa: F401
from buurthulp.circles.models import (  # noqa: F401
    CalendarFeed,
    Circle,
    CircleInvite,
    CircleMember,
    CircleMessage,
    RotaSlot,
    Shift,
    SlotSeries,
)
from buurthulp.core.models import Heartbeat, JobRun  # noqa: F401
from buurthulp.digest.models import DigestDelivery  # noqa: F401
from buurthulp.matching.models import MatchingCap, MatchingLiker, MatchingRun  # noqa: F401
from buurthulp.neighbourhoods.models import (  # noqa: F401
    Initiative,
    Membership,
    Neighbourhood,
    NeighbourhoodPostcode,
)
from buurthulp.outbox import OutboxMail  # noqa: F401
from buurthulp.places.models import Place, PlaceActivity, PlaceFlag, Story  # noqa: F401
from buurthulp.posts.models import (  # noqa: F401
    Block,
    Match,
    Message,
    Notification,
    Post,
    Report,
    ThankYou,
)
from buurthulp.pot.models import (  # noqa: F401
    AllowancePreference,
    PotAccount,
    PotEntry,
    PotMonth,
    PotSettings,
    PotTransaction,
)
