"""Assignment: who works on a case (facilitators, Puskesos operators, back office).

The assignees are what the ``my_cases`` worklist lists (:mod:`.worklists`). Assigning
records :class:`~slrt_core.case.WorkerAssigned` (and tells the worker, through the
outbox), unassigning :class:`~slrt_core.case.WorkerUnassigned`; both are audited like
every event. A worker is assigned only in a role that works cases and with a
jurisdiction covering the case, so the case they are told about is one they may open.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slrt_core.access import Actor
from slrt_core.application._base import Collaborators, Decision, Handler
from slrt_core.application._checks import check_id, check_note
from slrt_core.application.commands import AssignWorker, UnassignWorker
from slrt_core.calendar import local_date_in
from slrt_core.case._events import WorkerAssigned, WorkerUnassigned
from slrt_core.case._model import Case
from slrt_core.errors import InvalidInputError
from slrt_core.vocabulary import Role

__all__ = ["ASSIGNABLE", "HANDLERS"]

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


#: The assignment commands and their handlers.
HANDLERS: dict[type[Any], Handler[Any]] = {
    AssignWorker: Handler(check=_check_assign, decide=_assign),
    UnassignWorker: Handler(check=_check_unassign, decide=_unassign),
}
