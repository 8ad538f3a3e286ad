"""The one way through: every command, registration and erasure included.

:meth:`Pipeline.run` takes a command through these steps, in this order:

1. **check**: the handler's shape checks (pure; nothing read yet);
2. **idempotency**: one look-up of the key; a retry of the same request returns the
   first result, another request under the key is refused;
3. **load**: the case (or the case of the referral) from the write side;
4. **authorize**: role, jurisdiction and provider, on the loaded state; an outsider
   gets the same answer for a case that does not exist and for one outside their
   jurisdiction;
5. **lifecycle**: the transition the command's event declares, checked once;
6. **duplicates** (a registration, when the service has a blind indexer): the
   household is looked up in the store's candidate index; a NIK or KK number already
   on an open case refuses it (:class:`~slrt_core.errors.DuplicateCaseError`) unless
   overridden with a reason, a likely match adds a duplicate-suspect flag
   (:mod:`slrt_core.application.duplicates`);
7. **decide**: the handler turns the command into events (ids are made and the
   directory is read only now);
8. **fold** the events into the new case, and **commit** events, audit records, case
   row, referral index, outbox rows, idempotency record and the case's entry in the
   candidate index in one transaction;
9. **relay** the notifications, when the service has a notifier.

A command refused at any step has written nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import attrs

from slrt_core.access import Actor
from slrt_core.application import (
    assignment,
    case_flow,
    consent,
    duplicates,
    privacy,
    referral,
    sweep,
)
from slrt_core.application._base import By, Collaborators, Decision, Handler, NothingDue
from slrt_core.application._checks import check_id, check_note
from slrt_core.application.commands import (
    REFERRAL_COMMANDS,
    AnyCommand,
    ConfirmReceipt,
    Erase,
    Escalate,
    RegisterCase,
    UpdateReferral,
)
from slrt_core.case._events import (
    CaseErased,
    CaseRegistered,
    DuplicateSuspected,
    Event,
    apply,
    replay,
)
from slrt_core.case._lifecycle import next_state, why_not
from slrt_core.case._model import Case
from slrt_core.dedup import BlindIndexer, MatchDecision
from slrt_core.errors import (
    AccessDenied,
    CaseErasedError,
    CaseNotFoundError,
    CaseNotVisibleError,
    ConcurrencyError,
    CorruptRecordError,
    DuplicateCaseError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    OutsideJurisdictionError,
    ReferralNotFoundError,
    ReferralNotVisibleError,
    SlrtError,
    StorageError,
    TransitionNotAllowed,
)
from slrt_core.freetext import clean_text
from slrt_core.identity import RegionCode
from slrt_core.notify import notifications_for
from slrt_core.outbox import OutboxRelay
from slrt_core.ports import (
    Authorizer,
    CandidateIndex,
    Commit,
    DedupEntry,
    ErasableStore,
    IdempotencyRecord,
    Store,
)
from slrt_core.privacy import NikIndex
from slrt_core.serialization import canonical_json, converter
from slrt_core.vocabulary import Command

__all__ = ["HANDLERS", "Outcome", "Pipeline", "fingerprint"]

#: Every command's handler, by command type.
HANDLERS: Mapping[type[Any], Handler[Any]] = {
    **case_flow.HANDLERS,
    **referral.HANDLERS,
    **consent.HANDLERS,
    **sweep.HANDLERS,
    **privacy.HANDLERS,
    **assignment.HANDLERS,
    **duplicates.HANDLERS,
}

#: Fields that say who asks and how, not what is asked: left out of the fingerprint.
_NOT_THE_REQUEST = frozenset({"actor", "idempotency_key", "expected_version"})


@attrs.frozen(kw_only=True)
class Outcome:
    """What a command did.

    Attributes:
        case: the case as the command left it (``None`` after an erasure finished anew).
        result_id: the id the command returns (the case's, or a new referral's).
        decision: the handler's decision; ``None`` for a replayed retry.

    .. versionadded:: 0.1.0
    """

    case: Case | None
    result_id: str
    decision: Decision | None = None


def fingerprint(command: AnyCommand) -> str:
    """A digest of what *command* asks (its type and arguments, not who asks or the key).

    Examples:
        >>> from slrt_core import Actor, RegionCode, Role
        >>> from slrt_core.application.commands import Assess
        >>> a = Actor(actor_id="fac-1", role=Role.FACILITATOR, jurisdiction=RegionCode("33"))
        >>> b = Actor(actor_id="fac-2", role=Role.FACILITATOR, jurisdiction=RegionCode("33"))
        >>> one = Assess(actor=a, case_id="c1", findings="x", idempotency_key="k")
        >>> fingerprint(one) == fingerprint(Assess(actor=b, case_id="c1", findings="x"))
        True
        >>> fingerprint(one) == fingerprint(Assess(actor=a, case_id="c1", findings="y"))
        False

    .. versionadded:: 0.1.0
    """
    fields = {
        f.name: _plain(getattr(command, f.name))
        for f in attrs.fields(type(command))
        if f.name not in _NOT_THE_REQUEST
    }
    body = canonical_json({"command": type(command).__name__, "fields": fields})
    return hashlib.sha256(body).hexdigest()


def _plain(value: object) -> object:
    """*value* unstructured to JSON-ready data (a routing policy by its name)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    name = getattr(value, "name", None)
    if not attrs.has(type(value)) and isinstance(name, str) and hasattr(value, "key"):
        return f"policy:{name}"
    return converter.unstructure(value)


class Pipeline:
    """Runs commands: the application's one way through (see the module docstring).

    Args:
        store: the write side (and outbox, audit) of the storage adapter.
        authorizer: the access policy.
        collaborators: what handlers may consult.
        nik_index: keyed NIK tokens, written before a registration's commit.
        relay: delivers the outbox after each commit that added notifications.
        dedup: the peppers of intake de-duplication; with it every registration is
            checked against the store's candidate index, which every commit keeps.

    Raises:
        StorageError: *dedup* is given and the store keeps no candidate index.

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        *,
        store: Store,
        authorizer: Authorizer,
        collaborators: Collaborators,
        nik_index: NikIndex | None = None,
        relay: OutboxRelay | None = None,
        dedup: BlindIndexer | None = None,
    ) -> None:
        self.store = store
        self.authorizer = authorizer
        self.collaborators = collaborators
        self.nik_index = nik_index
        self.relay = relay
        self.dedup = dedup
        self.candidates: CandidateIndex | None = None
        if dedup is not None:
            if not isinstance(store, CandidateIndex):
                msg = (
                    f"{type(store).__name__} keeps no duplicate-candidate index "
                    "(slrt_core.ports.CandidateIndex): use a store of slrt_core.adapters, or "
                    "leave dedup out."
                )
                raise StorageError(
                    msg,
                    message_id=f"`{type(store).__name__}` tidak menyimpan indeks kandidat "
                    "ganda (`CandidateIndex`): pakai penyimpanan `slrt_core.adapters`, atau "
                    "kosongkan `dedup`.",
                )
            self.candidates = store

    def run(self, command: AnyCommand, *, claimed_at: datetime | None = None) -> Outcome:
        """Run *command*; what it did.

        Args:
            command: the command.
            claimed_at: the time a device claimed for a command recorded offline
                (:mod:`slrt_core.sync`), kept on its events beside the receipt time.

        Raises:
            SlrtError: any refusal (nothing was written).
        """
        command, handler = self._checked(command)
        if isinstance(command, Erase):
            return self._erase(command, handler)
        outcome, commit = self._prepare(command, handler, self.store, claimed_at)
        if commit is not None:
            self._index((commit,))
            self.store.commit(commit)
            self._relay((commit,))
        return outcome

    def run_many(
        self,
        commands: Sequence[AnyCommand],
        *,
        claimed_at: Sequence[datetime | None] | None = None,
    ) -> list[Outcome | Exception]:
        """Run *commands* in order and write what they decided in one transaction.

        Each command takes every step of :meth:`run` (checks, idempotency, load,
        authorization, lifecycle, decision, fold) on the case as the commands before it
        in the batch left it; their commits then go to the store together
        (:meth:`~slrt_core.ports.EventStore.commit_many`), so the audit chain holds them
        in the batch's order. The rule for refusals:

        - a command refused at any step (a :class:`~slrt_core.SlrtError`, or
          :class:`~slrt_core.application.NothingDue` from a decision) has written
          nothing; the commands after it run on the state without it;
        - a commit the store refuses because its case moved meanwhile (another writer)
          is left out whole, with its :class:`~slrt_core.ConcurrencyError`, and so are
          the batch's later commits of that case; the other commits are written;
        - when the store refuses the transaction as a whole with a conflict it cannot
          blame on one commit, the batch is split: its commits go to the store one at a
          time, in order, and each gets its own answer;
        - an :class:`~slrt_core.application.commands.Erase` ends the transaction: the
          commits before it are written, then it runs alone (a key is destroyed outside
          any transaction), then the batch goes on.

        Args:
            commands: the commands, in the order they apply.
            claimed_at: for each command, the time its device claimed (or ``None``).

        Returns:
            For each command, its :class:`Outcome` or the refusal it raised.

        Raises:
            StorageError: the store failed while writing: nothing of the transaction was
                written (commits written before an erasure in the batch stay).

        .. versionadded:: 0.1.0
        """
        claims = claimed_at if claimed_at is not None else [None] * len(commands)
        if len(claims) != len(commands):
            msg = f"{len(commands)} commands but {len(claims)} claimed times."
            raise ValueError(msg)
        unit = _Unit(self.store)
        answers: list[Outcome | Exception | _Staged] = []
        for command, claimed in zip(commands, claims, strict=True):
            try:
                checked, handler = self._checked(command)
                if not isinstance(checked, Erase):
                    outcome, commit = self._prepare(checked, handler, unit, claimed)
            except (SlrtError, NothingDue) as refusal:
                answers.append(refusal)
                continue
            if isinstance(checked, Erase):
                self._write_unit(unit, answers)
                unit = _Unit(self.store)
                try:
                    answers.append(self._erase(checked, handler))
                except SlrtError as refusal:
                    answers.append(refusal)
            elif commit is not None:
                answers.append(_Staged(outcome, unit.stage(commit)))
            elif (staged := unit.staged_key(checked.idempotency_key)) is not None:
                answers.append(_Staged(outcome, staged))  # a retry of a command of this batch
            else:
                answers.append(outcome)
        return self._write_unit(unit, answers)

    def _write_unit(
        self, unit: _Unit, answers: list[Outcome | Exception | _Staged]
    ) -> list[Outcome | Exception]:
        """Commit the staged commits of *unit*; settle (in place) the answers waiting on them."""
        commits = unit.commits
        if commits:
            self._index(commits)
            try:
                refused = self.store.commit_many(commits)
            except ConcurrencyError:  # not one commit's fault: one transaction each
                refused = self._commit_one_by_one(commits)
            self._relay([c for c, r in zip(commits, refused, strict=True) if r is None])
            for i, answer in enumerate(answers):  # those before are settled already
                if isinstance(answer, _Staged):
                    answers[i] = refused[answer.index] or answer.outcome
        return answers  # type: ignore[return-value] # every _Staged settled above

    def _commit_one_by_one(self, commits: Sequence[Commit]) -> list[ConcurrencyError | None]:
        """*commits* in a transaction each; after a refusal, the case's later ones are refused."""
        refused: dict[str, ConcurrencyError] = {}
        results: list[ConcurrencyError | None] = []
        for commit in commits:
            case_id = commit.case.case_id
            earlier = refused.get(case_id)
            if earlier is None:
                try:
                    self.store.commit(commit)
                except ConcurrencyError as exc:
                    refused[case_id] = earlier = exc
            results.append(earlier)
        return results

    def _checked(self, command: AnyCommand) -> tuple[AnyCommand, Handler[Any]]:
        """The command after its handler's shape checks and text cleaning, and the handler."""
        handler = HANDLERS[type(command)]
        return _clean_texts(handler.check(command, self.collaborators)), handler

    def _prepare(
        self,
        command: AnyCommand,
        handler: Handler[Any],
        store: _Reads,
        claimed_at: datetime | None,
    ) -> tuple[Outcome, Commit | None]:
        """Every step before the write: the outcome, and the commit (``None`` for a retry)."""
        deps = self.collaborators
        _check_target(command)
        key = command.idempotency_key
        if key is not None and (done := self._replayed(command, key, store)) is not None:
            return done, None
        case, region, provider_id = self._load(command, store)
        self._authorize(command, region, provider_id)
        if case is not None:
            if command.expected_version is not None and command.expected_version != case.version:
                raise ConcurrencyError(case.case_id, command.expected_version, case.version)
            _check_lifecycle(case, command)
        flag = self._check_duplicates(command) if isinstance(command, RegisterCase) else None
        now = command.at if isinstance(command, Escalate) else deps.clock.now()
        decision = handler.decide(command, case, now, deps)
        if flag is not None:
            decision = attrs.evolve(decision, steps=(*decision.steps, flag))
        case_id = case.case_id if case is not None else deps.ids.new_id("case")
        new, events = _fold(case, case_id, decision, command.actor, now, claimed_at)
        result_id = decision.result_id or (
            command.referral_id if isinstance(command, REFERRAL_COMMANDS) else case_id
        )
        entry = None if self.dedup is None else duplicates.dedup_entry(case, new, self.dedup)
        commit = _commit_of(command, case, new, events, result_id, key, entry)
        return Outcome(case=new, result_id=result_id, decision=decision), commit

    # ------------------------------------------------------------------ steps

    def _replayed(self, command: AnyCommand, key: str, store: _Reads) -> Outcome | None:
        """The first result of *key*, or ``None`` for a new key (the one look-up)."""
        record = store.idempotency(key)
        if record is None:
            return None
        permission = str(command.permission)
        if record.command != permission:
            raise InvalidInputError.single(
                "idempotency_key",
                f"Idempotency key {key!r} was already used for {record.command!r}; "
                "use a new key for a different command.",
                f"Kunci idempotensi {key!r} sudah dipakai untuk perintah `{record.command}`; "
                "gunakan kunci baru untuk perintah lain.",
            )
        if isinstance(command, REFERRAL_COMMANDS):
            elsewhere = record.result_id != command.referral_id
        elif isinstance(command, RegisterCase):
            elsewhere = False
        else:
            elsewhere = record.case_id != command.case_id
        # Records written before fingerprints have none: they match any request.
        if elsewhere or (record.fingerprint and record.fingerprint != fingerprint(command)):
            raise IdempotencyKeyReusedError(key)
        case = replay(e for e in store.events(record.case_id) if e.version <= record.version)
        provider_id = (
            case.referral(record.result_id).provider_id  # type: ignore[union-attr]
            if isinstance(command, REFERRAL_COMMANDS)
            else None
        )
        try:
            self.authorizer.authorize(
                command.actor, command.permission, region=case.region, provider_id=provider_id
            )
        except OutsideJurisdictionError:
            if isinstance(command, RegisterCase):  # the key names no case: say nothing of it
                raise IdempotencyKeyReusedError(key) from None
            raise _not_visible(command) from None
        return Outcome(case=case, result_id=record.result_id)

    def _check_duplicates(self, command: RegisterCase) -> By | None:
        """The intake check: refuse an open case's household, or the flag to record.

        Raises:
            DuplicateCaseError: a NIK or KK token of the household is on an open case and
                the command gives no override (nothing is written).
        """
        if self.dedup is None or self.candidates is None:
            return None
        found = duplicates.intake_matches(self.candidates, self.dedup, command.household)
        if not found:
            return None
        same = [r for r in found if r.decision is MatchDecision.SAME]
        override = command.duplicate_override
        if same and override is None:
            visible = [r.case_id for r in same if self._may_see(command.actor, r.case_id)]
            fields = sorted({f for r in same for f in r.agreed if f in ("kk", "nik")})
            raise DuplicateCaseError(
                visible, elsewhere=len(visible) < len(same), fields=fields or ("nik",)
            )
        flags = tuple(duplicates.as_flag(r) for r in found)
        payload = DuplicateSuspected(matches=flags, overridden=bool(same))
        return By(payload, command.actor, override if same and override else "")

    def _may_see(self, actor: Actor, case_id: str) -> bool:
        """Whether *actor* may read case *case_id* (the refusal names only those)."""
        try:
            region = self.store.load(case_id).region
            self.authorizer.authorize(actor, Command.READ_CASE, region=region)
        except (AccessDenied, CaseNotFoundError, StorageError):
            return False
        return True

    def _load(
        self, command: AnyCommand, store: _Reads
    ) -> tuple[Case | None, RegionCode, str | None]:
        """The case the command acts on, its region, and the provider of its referral."""
        if isinstance(command, RegisterCase):
            return None, command.household.region, None
        if isinstance(command, REFERRAL_COMMANDS):
            try:
                case_id = store.case_id_of_referral(command.referral_id)
                case = store.load(case_id)
            except CaseErasedError:
                raise
            except (ReferralNotFoundError, CaseNotFoundError):
                raise ReferralNotVisibleError(command.referral_id) from None
            found = referral.referral_of(case, command.referral_id)
            return case, case.region, found.provider_id
        try:
            case = store.load(command.case_id)
        except CaseErasedError:
            raise
        except CaseNotFoundError:
            raise CaseNotVisibleError(command.case_id) from None
        return case, case.region, None

    def _authorize(
        self, command: AnyCommand, region: RegionCode | None, provider_id: str | None
    ) -> None:
        try:
            self.authorizer.authorize(
                command.actor, command.permission, region=region, provider_id=provider_id
            )
        except OutsideJurisdictionError:
            if isinstance(command, RegisterCase):  # the caller's own household: say so
                raise
            raise _not_visible(command) from None

    def _index(self, commits: Iterable[Commit]) -> None:
        """The NIK tokens of the registrations among *commits*, written before they are.

        Before the commit: a failed commit leaves a token to a missing case, which
        lookups skip; the other order could leave a case that cannot be found.
        """
        if self.nik_index is not None:
            for commit in commits:
                if isinstance(commit.events[0].payload, CaseRegistered):
                    self.nik_index.add(commit.case.case_id, commit.case.household)

    def _relay(self, written: Iterable[Commit]) -> None:
        """Deliver the outbox once, if a relay is attached and *written* added to it."""
        if self.relay is not None and any(c.notifications for c in written):
            self.relay.run_once()

    # ------------------------------------------------------------------ erasure

    def _erase(self, command: Erase, handler: Handler[Any]) -> Outcome:
        """Erasure, authorized on the event-sourced state (never on a mutable row)."""
        case_id = command.case_id
        try:
            events = self.store.events(case_id)
        except CaseErasedError:  # the data is unreadable already: finish the erasure
            return self._finish_erasure(command)
        except CaseNotFoundError:
            raise CaseNotVisibleError(case_id) from None
        except CorruptRecordError:
            raise
        except StorageError:
            # The events do not open (a key restored from a backup, say): only an
            # erasure the store has recorded may be finished so.
            try:
                self.store.load(case_id)
            except CaseErasedError:
                return self._finish_erasure(command)
            raise
        case = replay(events)
        self._authorize(command, case.region, None)
        if any(isinstance(e.payload, CaseErased) for e in events):  # an erasure to finish
            self.erase_keys(case_id)
            return Outcome(case=case, result_id=case_id)
        _check_lifecycle(case, command)
        self._erasable(case_id)
        now = self.collaborators.clock.now()
        decision = handler.decide(command, case, now, self.collaborators)
        new, erased = _fold(case, case_id, decision, command.actor, now)
        self.store.commit(Commit(case=new, expected_version=case.version, events=erased))
        self.erase_keys(case_id)
        return Outcome(case=new, result_id=case_id, decision=decision)

    def _finish_erasure(self, command: Erase) -> Outcome:
        """Destroy the key of a case whose data no longer opens (the region is gone with it)."""
        self.authorizer.authorize(command.actor, command.permission)
        self.erase_keys(command.case_id)
        return Outcome(case=None, result_id=command.case_id)

    def _erasable(self, case_id: str) -> ErasableStore:
        store = self.store
        if not isinstance(store, ErasableStore) or not store.codec.can_erase:
            msg = (
                f"Case {case_id!r} cannot be erased: this store keeps personal data in clear. "
                "Open the store with codec=SealingCodec(vault) (slrt_core.crypto)."
            )
            raise StorageError(
                msg,
                message_id=f"Kasus {case_id!r} tidak dapat dihapus: penyimpanan ini menyimpan "
                "data pribadi tanpa enkripsi. Buka dengan `codec=SealingCodec(vault)`.",
            )
        return store

    def erase_keys(self, case_id: str) -> None:
        """Finish the case's erasure (key, outbox rows, pending mark); forget its NIK tokens."""
        self._erasable(case_id).erase(case_id)
        if self.nik_index is not None:
            self.nik_index.forget(case_id)


def _commit_of(
    command: AnyCommand,
    old: Case | None,
    new: Case,
    events: tuple[Event, ...],
    result_id: str,
    key: str | None,
    dedup: DedupEntry | None = None,
) -> Commit:
    """What *command* writes: its events, notifications, idempotency record and index entry."""
    record = (
        IdempotencyRecord(
            key=key,
            command=str(command.permission),
            case_id=new.case_id,
            version=new.version,
            result_id=result_id,
            fingerprint=fingerprint(command),
        )
        if key is not None
        else None
    )
    return Commit(
        case=new,
        expected_version=old.version if old is not None else 0,
        events=events,
        notifications=tuple(n for e in events for n in notifications_for(new, e)),
        idempotency=record,
        dedup=dedup,
    )


class _Reads(Protocol):
    """What the steps before the write read: a store, or a batch's :class:`_Unit`."""

    def load(self, case_id: str, /) -> Case: ...
    def events(self, case_id: str, /) -> list[Event]: ...
    def case_id_of_referral(self, referral_id: str, /) -> str: ...
    def idempotency(self, key: str, /) -> IdempotencyRecord | None: ...


class _Unit:
    """The store as a batch's staged commits leave it: what its later commands read."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.commits: list[Commit] = []
        self._cases: dict[str, int] = {}  # case id -> the index of its last staged commit
        self._referrals: dict[str, str] = {}  # referral id -> case id, staged referrals
        self._keys: dict[str, int] = {}  # idempotency key -> the index of its commit

    def stage(self, commit: Commit) -> int:
        """Add *commit* to the batch; its index."""
        index = len(self.commits)
        self.commits.append(commit)
        case_id = commit.case.case_id
        self._cases[case_id] = index
        for touched in commit.touched_referrals:
            self._referrals[touched.referral_id] = case_id
        if commit.idempotency is not None:
            self._keys[commit.idempotency.key] = index
        return index

    def staged_key(self, key: str | None) -> int | None:
        """The index of the staged commit that used *key*, if one did."""
        return self._keys.get(key) if key is not None else None

    def load(self, case_id: str, /) -> Case:
        index = self._cases.get(case_id)
        return self.commits[index].case if index is not None else self.store.load(case_id)

    def events(self, case_id: str, /) -> list[Event]:
        staged = [c for c in self.commits if c.case.case_id == case_id]
        if not staged:
            return self.store.events(case_id)
        stored = self.store.events(case_id) if staged[0].expected_version else []
        return [*stored, *(e for c in staged for e in c.events)]

    def case_id_of_referral(self, referral_id: str, /) -> str:
        staged = self._referrals.get(referral_id)
        return staged if staged is not None else self.store.case_id_of_referral(referral_id)

    def idempotency(self, key: str, /) -> IdempotencyRecord | None:
        index = self._keys.get(key)
        return self.commits[index].idempotency if index is not None else self.store.idempotency(key)


@attrs.frozen
class _Staged:
    """The answer of a command whose commit waits at *index* in the batch's unit."""

    outcome: Outcome
    index: int


def _check_target(command: AnyCommand) -> None:
    if isinstance(command, UpdateReferral | ConfirmReceipt):
        check_id(command.referral_id, "referral_id")
        if isinstance(command, UpdateReferral):
            check_note(command.note, "note")
    elif not isinstance(command, RegisterCase):
        check_id(command.case_id, "case_id")


def _check_lifecycle(case: Case, command: AnyCommand) -> None:
    """The lifecycle check, once: the transition the command's event declares."""
    transition = command.event.transition
    if next_state(case, transition) is None:
        why, why_id = why_not(transition, case.state)
        raise TransitionNotAllowed(
            case.case_id, case.state.value, str(command.permission), why=why, why_id=why_id
        )


def _fold(
    case: Case | None,
    case_id: str,
    decision: Decision,
    actor: Actor,
    now: datetime,
    claimed_at: datetime | None = None,
) -> tuple[Case, tuple[Event, ...]]:
    """The case after the decision's events, and the events."""
    events = []
    new = case
    for step in decision.steps:
        if isinstance(step, By):
            payload, who, why = step.payload, step.actor, step.reason
        else:
            payload, who, why = step, actor, decision.reason
        event = Event(
            case_id=case_id,
            version=new.version + 1 if new is not None else 1,
            at=now,
            actor_id=who.actor_id,
            role=who.role,
            payload=payload,
            reason=why,
            claimed_at=claimed_at,
        )
        new = apply(new, event)
        events.append(event)
    assert new is not None  # noqa: S101 - every decision records at least one event
    return new, tuple(events)


def _not_visible(command: AnyCommand) -> Exception:
    if isinstance(command, REFERRAL_COMMANDS):
        return ReferralNotVisibleError(command.referral_id)
    return CaseNotVisibleError(command.case_id)  # type: ignore[union-attr]


#: The free-text arguments of commands, cleaned by one policy (:mod:`slrt_core.freetext`).
FREE_TEXT_FIELDS = (
    "findings",
    "note",
    "how",
    "description",
    "override_reason",
    "request_ref",
    "duplicate_override",
)


#: The free-text fields of each command class, found once (not looked up per command).
_FREE_TEXT_OF: Mapping[type[Any], tuple[str, ...]] = {
    kind: tuple(name for name in FREE_TEXT_FIELDS if name in attrs.fields_dict(kind))
    for kind in HANDLERS
}


def _clean_texts(command: AnyCommand) -> AnyCommand:
    """*command* with its free text in NFC, refusing what no store can keep or show.

    Raises:
        InvalidInputError: a lone surrogate, NUL or a control character, or a text over
            its field's limit (nothing is written).
    """
    changed: dict[str, Any] = {}
    for field in _FREE_TEXT_OF[type(command)]:
        value = getattr(command, field)
        if isinstance(value, str):
            clean = clean_text(value, field)
            if clean != value:
                changed[field] = clean
    return attrs.evolve(command, **changed) if changed else command
