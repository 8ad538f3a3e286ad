"""slrt_core: the pure-domain engine of Indonesia's SLRT one-stop social service.

Register a household's needs, assess, approve, refer to the program that can meet them,
follow each referral until the client confirms the service, re-assess and close; every
step is an event in a tamper-evident audit trail.

The public API is what this module exports, plus the sub-packages ``case``, ``referral``,
``rules``, ``adapters`` and ``testing``.
"""

from slrt_core._version import __version__
from slrt_core.access import Actor, Command, Role
from slrt_core.audit import AuditReport
from slrt_core.case import Case, CaseState, Event, Need, NeedStatus, Priority
from slrt_core.errors import (
    AccessDenied,
    AuditIntegrityError,
    CaseNotFoundError,
    ConcurrencyError,
    ConsentError,
    DefinitionError,
    DeliveryError,
    InvalidInputError,
    NotFoundError,
    Problem,
    ReferralNotFoundError,
    SlrtError,
    StorageError,
    TransitionNotAllowed,
)
from slrt_core.household import (
    Disability,
    FloorType,
    Household,
    Housing,
    Person,
    RegistryStatus,
    Relationship,
    Schooling,
    WallType,
)
from slrt_core.identity import KkNumber, Nik, RegionCode, RegionLevel, Sex
from slrt_core.labels import label
from slrt_core.notify import Notification
from slrt_core.referral import Referral, ReferralReason, ReferralStatus
from slrt_core.service import Slrt
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Sector, Tier

__all__ = [
    "AccessDenied",
    "Actor",
    "AuditIntegrityError",
    "AuditReport",
    "Case",
    "CaseNotFoundError",
    "CaseState",
    "Channel",
    "ClosingReason",
    "Command",
    "ComplaintKind",
    "ConcurrencyError",
    "ConsentError",
    "DefinitionError",
    "DeliveryError",
    "Disability",
    "Event",
    "FloorType",
    "Household",
    "Housing",
    "InvalidInputError",
    "KkNumber",
    "Need",
    "NeedStatus",
    "Nik",
    "NotFoundError",
    "Notification",
    "Person",
    "Priority",
    "Problem",
    "Referral",
    "ReferralNotFoundError",
    "ReferralReason",
    "ReferralStatus",
    "RegionCode",
    "RegionLevel",
    "RegistryStatus",
    "Relationship",
    "Role",
    "Schooling",
    "Sector",
    "Sex",
    "Slrt",
    "SlrtError",
    "StorageError",
    "Tier",
    "TransitionNotAllowed",
    "WallType",
    "__version__",
    "label",
]
