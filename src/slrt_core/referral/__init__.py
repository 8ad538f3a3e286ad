"""Referrals: the lifecycle, reason codes and the provider directory."""

from slrt_core.referral._directory import (
    Capacity,
    Directory,
    Provider,
    Service,
    ServiceDirectory,
    Sla,
)
from slrt_core.referral._lifecycle import (
    PERFORMER_STATUSES,
    REASON_REQUIRED,
    REFERRAL_TABLE,
    REQUESTER_STATUSES,
    ReferralLifecycle,
)
from slrt_core.referral._model import Referral, ReferralReason, ReferralStatus, StatusChange

__all__ = [
    "Capacity",
    "Directory",
    "PERFORMER_STATUSES",
    "Provider",
    "REASON_REQUIRED",
    "REFERRAL_TABLE",
    "REQUESTER_STATUSES",
    "Referral",
    "ReferralLifecycle",
    "ReferralReason",
    "ReferralStatus",
    "Service",
    "ServiceDirectory",
    "Sla",
    "StatusChange",
]
