"""The case aggregate: model, events, lifecycle.

Examples:
    >>> from slrt_core.case import CASE_TABLE
    >>> CASE_TABLE.initial
    'registered'
"""

from slrt_core.case._events import (
    EVENT_TYPES,
    CaseApproved,
    CaseAssessed,
    CaseClosed,
    CaseErased,
    CaseReassessed,
    CaseRegistered,
    CaseReturned,
    CaseReviewed,
    CaseSubmitted,
    CaseTransferred,
    DirectServiceDelivered,
    DomainEvent,
    Event,
    NeedRecorded,
    NeedResolvedLocally,
    ReceiptConfirmed,
    ReferralEscalated,
    ReferralRequested,
    ReferralStatusChanged,
    WorkerAssigned,
    WorkerUnassigned,
    apply,
    replay,
)
from slrt_core.case._lifecycle import CASE_TABLE, CaseLifecycle, next_state
from slrt_core.case._model import (
    Assessment,
    Case,
    CaseState,
    DirectService,
    Need,
    NeedStatus,
    Priority,
    ProgramDecision,
)

__all__ = [
    "Assessment",
    "CASE_TABLE",
    "Case",
    "CaseApproved",
    "CaseAssessed",
    "CaseClosed",
    "CaseErased",
    "CaseLifecycle",
    "CaseReassessed",
    "CaseRegistered",
    "CaseReturned",
    "CaseReviewed",
    "CaseState",
    "CaseSubmitted",
    "CaseTransferred",
    "DirectService",
    "DirectServiceDelivered",
    "DomainEvent",
    "EVENT_TYPES",
    "Event",
    "Need",
    "NeedRecorded",
    "NeedResolvedLocally",
    "NeedStatus",
    "Priority",
    "ProgramDecision",
    "ReceiptConfirmed",
    "ReferralEscalated",
    "ReferralRequested",
    "ReferralStatusChanged",
    "WorkerAssigned",
    "WorkerUnassigned",
    "apply",
    "next_state",
    "replay",
]
