"""Worklists: the pages each role opens the app to, as named queries on the read models.

Each worklist is a :class:`~slrt_core.projections.CaseFilter` or
:class:`~slrt_core.projections.ReferralFilter` and an order, built for the actor who
asks; :meth:`slrt_core.Slrt.worklist` runs it through :meth:`~slrt_core.Slrt.cases` or
:meth:`~slrt_core.Slrt.referrals`, so the jurisdiction (and, for provider staff, the
provider) applies as for every read.

======================  =========================================================  ==========
worklist                query                                                      order
======================  =========================================================  ==========
``my_cases``            cases assigned to the actor, not closed                    priority
``awaiting_approval``   cases in state ``submitted``                               updated
``to_review``           cases in state ``approved``                                updated
``to_refer``            cases ``reviewed``, ``emergency_served``, ``reassessed``   priority
                        with an open need
``received``            referrals ``requested`` or ``received`` (provider staff:   deadline
                        their provider's)
``overdue``             open referrals past their deadline now                     deadline
``duplicate_suspects``  open cases with a duplicate-suspect flag to resolve        registered
                        (supervisors; :meth:`slrt_core.Slrt.duplicate_suspects`)
======================  =========================================================  ==========

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum

import attrs

from slrt_core.access import Actor
from slrt_core.case._model import CaseState
from slrt_core.projections import CaseFilter, CaseOrder, ReferralFilter, ReferralOrder
from slrt_core.referral._model import ReferralStatus
from slrt_core.vocabulary import Role, Sector

__all__ = ["Worklist", "WorklistQuery", "worklist_query"]


class Worklist(enum.StrEnum):
    """The worklists of the staff roles (the table in :mod:`~slrt_core.application.worklists`)."""

    MY_CASES = "my_cases"
    AWAITING_APPROVAL = "awaiting_approval"
    TO_REVIEW = "to_review"
    TO_REFER = "to_refer"
    RECEIVED = "received"
    OVERDUE = "overdue"
    DUPLICATE_SUSPECTS = "duplicate_suspects"


@attrs.frozen(kw_only=True)
class WorklistQuery:
    """The query a worklist runs: a case or referral filter and its order."""

    cases: CaseFilter | None = None
    referrals: ReferralFilter | None = None
    case_order: CaseOrder = CaseOrder.PRIORITY
    referral_order: ReferralOrder = ReferralOrder.DEADLINE


_OPEN_STATES = frozenset(CaseState) - {CaseState.CLOSED}


def worklist_query(name: Worklist, actor: Actor) -> WorklistQuery:  # noqa: PLR0911 - one per list
    """The query of worklist *name* for *actor*.

    Examples:
        >>> from slrt_core.identity import RegionCode
        >>> fac = Actor(actor_id="fac-1", role=Role.FACILITATOR, jurisdiction=RegionCode("33.74"))
        >>> query = worklist_query(Worklist.MY_CASES, fac)
        >>> query.cases.assignee, query.case_order
        ('fac-1', <CaseOrder.PRIORITY: 'priority'>)
    """
    if name is Worklist.MY_CASES:
        return WorklistQuery(cases=CaseFilter(assignee=actor.actor_id, states=_OPEN_STATES))
    if name is Worklist.AWAITING_APPROVAL:
        return WorklistQuery(
            cases=CaseFilter(states=frozenset({CaseState.SUBMITTED})),
            case_order=CaseOrder.UPDATED,
        )
    if name is Worklist.TO_REVIEW:
        return WorklistQuery(
            cases=CaseFilter(states=frozenset({CaseState.APPROVED})),
            case_order=CaseOrder.UPDATED,
        )
    if name is Worklist.TO_REFER:
        return WorklistQuery(
            cases=CaseFilter(
                states=frozenset(
                    {CaseState.REVIEWED, CaseState.EMERGENCY_SERVED, CaseState.REASSESSED}
                ),
                sectors=frozenset(Sector),
            )
        )
    if name is Worklist.DUPLICATE_SUSPECTS:
        # Answered from the store's candidate index (Slrt.duplicate_suspects): the ids
        # of the flagged cases become the selection; no filter of the read models says it.
        return WorklistQuery(cases=CaseFilter(states=_OPEN_STATES), case_order=CaseOrder.REGISTERED)
    provider = actor.provider_id if actor.role is Role.PROVIDER_STAFF else None
    if name is Worklist.RECEIVED:
        return WorklistQuery(
            referrals=ReferralFilter(
                statuses=frozenset({ReferralStatus.REQUESTED, ReferralStatus.RECEIVED}),
                provider=provider,
            )
        )
    return WorklistQuery(referrals=ReferralFilter(overdue=True, provider=provider))
