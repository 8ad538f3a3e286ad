"""Assignment and transfer: who works on a case, and which region it belongs to.

The assignees are what the ``my_cases`` worklist lists (:mod:`.worklists`). Assigning
records :class:`~slrt_core.case.WorkerAssigned` (and tells the worker, through the
outbox), unassigning :class:`~slrt_core.case.WorkerUnassigned`; both are audited like
every event. A worker is assigned only in a role that works cases and with a
jurisdiction covering the case, so the case they are told about is one they may open.

A transfer (:class:`~slrt_core.case.CaseTransferred`) moves the case to the village
the household moved to: from the event on, jurisdiction follows the new village, so
the new region's staff have the case and the old region's lose it, and its workers
are unassigned. Open referrals are handled explicitly: cancelled, or kept only where
the service serves the new region and the consent or lawful basis still covers the
referral (re-checked at the transfer's time).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slrt_core.access import Actor
from slrt_core.application._base import Collaborators, Decision, Handler
from slrt_core.application._checks import check_id, check_note, check_region
from slrt_core.application.commands import AssignWorker, TransferCase, UnassignWorker
from slrt_core.calendar import local_date_in
from slrt_core.case._events import (
    CaseTransferred,
    ReferralStatusChanged,
    WorkerAssigned,
    WorkerUnassigned,
)
from slrt_core.case._model import Case
from slrt_core.errors import InvalidInputError, Problem
from slrt_core.identity import RegionLevel
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.vocabulary import Role

__all__ = ["ASSIGNABLE", "HANDLERS", "OPEN_REFERRAL_CHOICES"]

#: The roles a case is assigned to.
ASSIGNABLE = frozenset({Role.FACILITATOR, Role.PUSKESOS_OPERATOR, Role.BACK_OFFICE})


def _check_assign(command: AssignWorker, _deps: Collaborators) -> AssignWorker:
    check_note(command.note, "note")
    if not isinstance(command.worker, Actor):
        raise InvalidInputError.single(
            "worker",
            "worker must be the Actor to assign (with role and jurisdiction), not "
            f"{type(command.worker).__name__}.",
            "worker harus Actor yang ditugaskan (dengan peran dan wilayah kerja), bukan "
            f"{type(command.worker).__name__}.",
        )
    if command.worker.role not in ASSIGNABLE:
        raise InvalidInputError.single(
            "worker",
            f"A {command.worker.role.value.replace('_', ' ')} cannot be assigned to a case; "
            "assign a facilitator, a Puskesos operator or back office staff.",
            "Peran petugas ini tidak dapat ditugaskan pada kasus; tugaskan pendamping, "
            "operator Puskesos, atau petugas back office.",
        )
    return command


def _assign(command: AssignWorker, case: Case, now: datetime, _deps: Collaborators) -> Decision:
    worker = command.worker
    if not worker.covers(case.region, local_date_in(case.region, now)):
        raise InvalidInputError.single(
            "worker",
            f"{worker.actor_id!r} works in {worker.jurisdiction.code or 'Indonesia'}, outside "
            f"the case's region; assign staff of its region, or transfer the case first.",
            f"{worker.actor_id!r} bertugas di {worker.jurisdiction.code or 'Indonesia'}, di "
            "luar wilayah kasus; tugaskan petugas wilayah kasus itu.",
        )
    if worker.actor_id in case.assignees:
        raise InvalidInputError.single(
            "worker",
            f"{worker.actor_id!r} is already assigned to case {case.case_id}.",
            f"{worker.actor_id!r} sudah ditugaskan pada kasus {case.case_id}.",
        )
    payload = WorkerAssigned(worker_id=worker.actor_id, role=worker.role)
    return Decision(steps=(payload,), reason=command.note)


def _check_unassign(command: UnassignWorker, _deps: Collaborators) -> UnassignWorker:
    check_id(command.worker_id, "worker_id")
    check_note(command.note, "note")
    return command


def _unassign(
    command: UnassignWorker, case: Case, _now: datetime, _deps: Collaborators
) -> Decision:
    if command.worker_id not in case.assignees:
        known = ", ".join(sorted(case.assignees)) or "-"
        raise InvalidInputError.single(
            "worker_id",
            f"{command.worker_id!r} is not assigned to case {case.case_id}; its workers are "
            f"{known}.",
            f"{command.worker_id!r} tidak ditugaskan pada kasus {case.case_id}; petugasnya "
            f"{known}.",
        )
    return Decision(steps=(WorkerUnassigned(worker_id=command.worker_id),), reason=command.note)


#: What a transfer may do with the case's open referrals.
OPEN_REFERRAL_CHOICES = ("cancel", "keep")


def _check_transfer(command: TransferCase, _deps: Collaborators) -> TransferCase:
    check_region(command.to_region, "to_region")
    check_note(command.note, "note")
    if getattr(command.to_region, "level", None) is not RegionLevel.VILLAGE:  # None too
        raise InvalidInputError.single(
            "to_region",
            "to_region must be the village the household moved to (a code such as "
            "RegionCode('33.73.01.1001')).",
            "to_region harus desa/kelurahan tujuan pindah rumah tangga (kode seperti "
            "RegionCode('33.73.01.1001')).",
        )
    if command.open_referrals not in (None, *OPEN_REFERRAL_CHOICES):
        raise InvalidInputError.single(
            "open_referrals",
            f"open_referrals must be 'cancel' or 'keep', not {command.open_referrals!r}.",
            f"open_referrals harus 'cancel' atau 'keep', bukan {command.open_referrals!r}.",
        )
    return command


def _transfer(command: TransferCase, case: Case, now: datetime, deps: Collaborators) -> Decision:
    to = command.to_region
    if to == case.region:
        raise InvalidInputError.single(
            "to_region",
            f"Case {case.case_id} is already in {to.code}.",
            f"Kasus {case.case_id} sudah berada di {to.code}.",
        )
    open_ = case.open_referrals
    if open_ and command.open_referrals is None:
        ids = ", ".join(r.referral_id for r in open_)
        raise InvalidInputError.single(
            "open_referrals",
            f"Case {case.case_id} has open referrals ({ids}); say whether the transfer "
            "cancels them (open_referrals='cancel') or keeps them ('keep').",
            f"Kasus {case.case_id} punya rujukan terbuka ({ids}); tentukan apakah "
            "pemindahan membatalkannya (open_referrals='cancel') atau mempertahankannya "
            "('keep').",
        )
    steps: list[Any] = []
    if command.open_referrals == "cancel":
        steps += [
            ReferralStatusChanged(
                referral_id=r.referral_id,
                status=ReferralStatus.CANCELLED,
                reason=ReferralReason.OUT_OF_AREA,
                note="The household moved: cancelled by the case transfer.",
            )
            for r in open_
        ]
    elif open_:
        problems = _kept_referral_problems(case, now, deps, to)
        if problems:
            raise InvalidInputError(problems)
    steps.append(CaseTransferred(from_region=case.region, to_region=to))
    return Decision(steps=tuple(steps), reason=command.note)


def _kept_referral_problems(
    case: Case, now: datetime, deps: Collaborators, to: Any
) -> list[Problem]:
    """Why an open referral cannot follow the case to *to*: area or consent."""
    problems = []
    on = local_date_in(to, now)
    for r in case.open_referrals:
        service = deps.directory.service(r.service_id)
        need = case.need(r.need_id)
        if not any(area.contains(to) for area in service.area):
            problems.append(
                Problem(
                    "open_referrals",
                    f"Service {r.service_id} of referral {r.referral_id} does not serve "
                    f"{to.code}; cancel the referral with the transfer.",
                    f"Layanan {r.service_id} pada rujukan {r.referral_id} tidak melayani "
                    f"{to.code}; batalkan rujukan itu bersama pemindahan.",
                )
            )
        elif need is not None and case.basis_for(need, r.provider_id, now, on) is None:
            problems.append(
                Problem(
                    "open_referrals",
                    f"No consent or lawful basis in force covers referral {r.referral_id} "
                    "any more; record one, or cancel the referral with the transfer.",
                    f"Tidak ada persetujuan atau dasar hukum yang berlaku untuk rujukan "
                    f"{r.referral_id}; catat dahulu, atau batalkan rujukan itu.",
                )
            )
    return problems


#: The assignment and transfer commands and their handlers.
HANDLERS: dict[type[Any], Handler[Any]] = {
    AssignWorker: Handler(check=_check_assign, decide=_assign),
    UnassignWorker: Handler(check=_check_unassign, decide=_unassign),
    TransferCase: Handler(check=_check_transfer, decide=_transfer),
}
