"""Handlers of personal-data requests: erasure (UU PDP 27/2022 Art. 8, 43)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slrt_core.application._base import Collaborators, Decision, Handler
from slrt_core.application._checks import check_id, require_text
from slrt_core.application.commands import Erase
from slrt_core.case._events import CaseErased
from slrt_core.case._model import Case

__all__ = ["HANDLERS"]


def _check_erase(command: Erase, _deps: Collaborators) -> Erase:
    require_text(command.request_ref, "request_ref")
    check_id(command.case_id, "case_id")
    return command


def _erase(
    command: Erase,
    _case: Case,
    _now: datetime,
    _deps: Collaborators,
) -> Decision:
    return Decision(steps=(CaseErased(request_ref=command.request_ref),))


#: The privacy commands and their handlers.
HANDLERS: dict[type[Any], Handler[Any]] = {
    Erase: Handler(check=_check_erase, decide=_erase),
}
