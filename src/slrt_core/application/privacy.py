"""Handlers of personal-data requests: erasure (UU PDP 27/2022 Art. 8, 43).

Erasure is crash-safe and resumable (see :class:`~slrt_core.ports.ErasableStore`): the
commit of the :class:`~slrt_core.case.CaseErased` event marks the erasure pending in the
same transaction, then the store destroys the key, deletes the case's outbox rows and
clears the mark. :func:`complete_pending_erasures` finishes what a crash left pending.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slrt_core.application._base import Collaborators, Decision, Handler
from slrt_core.application._checks import check_id, require_text
from slrt_core.application.commands import Erase
from slrt_core.case._events import CaseErased
from slrt_core.case._model import Case
from slrt_core.errors import CaseErasedError, SlrtError
from slrt_core.ports import ErasableStore, Store

__all__ = ["HANDLERS", "complete_pending_erasures"]

_log = logging.getLogger("slrt_core.erasure")


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


def complete_pending_erasures(
    store: Store, *, forget: Callable[[str], None] | None = None
) -> list[str]:
    """Finish every erasure *store* holds pending; the ids of the cases finished, sorted.

    A pending erasure is finished only when the case's own events (covered by the audit
    chain) hold its :class:`~slrt_core.case.CaseErased` event, or when its key is gone
    already: a pending mark alone, written behind the library's back, destroys nothing.
    Such a mark, and a case whose finishing fails (its key store is busy, say), stays
    pending and is logged on the ``slrt_core.erasure`` logger; the next call tries
    again. *forget* drops the case's NIK tokens.

    A store that cannot erase (no :class:`~slrt_core.ports.ErasableStore`, or a codec
    that keeps personal data in clear) has nothing pending.

    Raises:
        StorageError: the pending erasures cannot be listed.
    """
    if not isinstance(store, ErasableStore) or not store.codec.can_erase:
        return []
    done = []
    for case_id in store.pending_erasures():
        try:
            try:
                events = store.events(case_id)
            except CaseErasedError:  # the key is gone already: finish the rest
                pass
            else:
                if not any(isinstance(e.payload, CaseErased) for e in events):
                    _log.warning(
                        "pending erasure of case %s left alone: its events hold no erasure",
                        case_id,
                    )
                    continue
            store.erase(case_id)
            if forget is not None:
                forget(case_id)
        except SlrtError as exc:
            _log.warning("pending erasure of case %s not finished: %s", case_id, exc)
            continue
        done.append(case_id)
    return done


#: The privacy commands and their handlers.
HANDLERS: dict[type[Any], Handler[Any]] = {
    Erase: Handler(check=_check_erase, decide=_erase),
}
