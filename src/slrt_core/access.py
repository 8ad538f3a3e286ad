"""Who may do what, where: roles, actors, the permission matrix and jurisdiction.

Deny by default. An actor acts on a case only when the case's village lies inside the
actor's jurisdiction (a region code: a village, district, regency, province, or all of
Indonesia); provider staff act only on referrals addressed to their own provider.
Reads are checked like writes, and carry an :class:`AccessPurpose` that the actor's role
must be allowed (:data:`PURPOSES`). A denial raises :class:`~slrt_core.AccessDenied`, is
logged on the ``slrt_core.access`` logger (actor id, role, command: never the case's
personal data), and changes nothing.

Jurisdiction follows region splits (pemekaran) from their effective date
(:func:`~slrt_core.identity.region_covers`) when the policy has a clock.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from datetime import date

import attrs

from slrt_core.calendar import local_date_in
from slrt_core.errors import AccessDenied, InvalidInputError, LanguageCode, OutsideJurisdictionError
from slrt_core.identity import RegionCode, region_covers
from slrt_core.labels import label
from slrt_core.ports import Authorizer, Clock
from slrt_core.texts import text
from slrt_core.vocabulary import Command, Role

__all__ = [
    "PERMISSIONS",
    "PURPOSES",
    "AccessPurpose",
    "Actor",
    "Authorizer",
    "Command",
    "Role",
    "RolePolicy",
    "purpose_for",
]

_log = logging.getLogger("slrt_core.access")


class AccessPurpose(enum.StrEnum):
    """Why personal data is read or exported; recorded in the access log.

    .. versionadded:: 0.1.0
    """

    CASE_WORK = "case_work"
    REFERRAL = "referral"
    SUPERVISION = "supervision"
    AUDIT = "audit"
    MONITORING = "monitoring"
    SUBJECT_ACCESS = "subject_access"


_R = Role
_FIELD = frozenset({_R.FACILITATOR, _R.PUSKESOS_OPERATOR})
_STAFF = frozenset(
    {
        _R.FACILITATOR,
        _R.PUSKESOS_OPERATOR,
        _R.SUPERVISOR,
        _R.FRONT_OFFICE,
        _R.BACK_OFFICE,
        _R.MANAGER,
        _R.AUDITOR,
    }
)

#: The role x command matrix. A pair not listed is denied.
PERMISSIONS: Mapping[Command, frozenset[Role]] = {
    Command.REGISTER: _FIELD | {_R.FRONT_OFFICE, _R.BACK_OFFICE},
    Command.RECORD_NEED: _FIELD | {_R.FRONT_OFFICE, _R.BACK_OFFICE},
    Command.ASSESS: _FIELD | {_R.BACK_OFFICE},
    Command.SUBMIT: _FIELD | {_R.BACK_OFFICE},
    Command.RETURN_FOR_CORRECTION: frozenset({_R.SUPERVISOR, _R.MANAGER}),
    Command.APPROVE: frozenset({_R.SUPERVISOR, _R.MANAGER}),
    Command.REVIEW: frozenset({_R.FRONT_OFFICE}),
    Command.RESOLVE_LOCALLY: _FIELD,
    Command.REFER: frozenset({_R.BACK_OFFICE, _R.MANAGER, _R.PUSKESOS_OPERATOR}),
    Command.DELIVER_DIRECT_SERVICE: _FIELD | {_R.BACK_OFFICE},
    Command.UPDATE_REFERRAL: frozenset({_R.PROVIDER_STAFF}),
    Command.WITHDRAW_REFERRAL: frozenset({_R.BACK_OFFICE, _R.MANAGER}),
    Command.CONFIRM_RECEIPT: _FIELD | {_R.BACK_OFFICE},
    Command.REASSESS: _FIELD | {_R.BACK_OFFICE},
    Command.CLOSE: frozenset({_R.SUPERVISOR, _R.MANAGER, _R.BACK_OFFICE, _R.PUSKESOS_OPERATOR}),
    Command.RECORD_CONSENT: _FIELD | {_R.FRONT_OFFICE, _R.BACK_OFFICE},
    Command.WITHDRAW_CONSENT: _FIELD | {_R.FRONT_OFFICE, _R.BACK_OFFICE},
    Command.RECORD_LAWFUL_BASIS: frozenset({_R.SUPERVISOR, _R.BACK_OFFICE, _R.MANAGER}),
    # Who coordinates the case's workers: the supervisor, the manager, the back office.
    Command.ASSIGN: frozenset({_R.SUPERVISOR, _R.MANAGER, _R.BACK_OFFICE}),
    # A household moved: the sending district hands the case over.
    Command.TRANSFER: frozenset({_R.SUPERVISOR, _R.MANAGER, _R.BACK_OFFICE}),
    Command.ESCALATE: frozenset({_R.SYSTEM}),
    Command.READ_CASE: _STAFF,
    Command.LIST_CASES: _STAFF,
    Command.READ_REFERRAL: _STAFF | {_R.PROVIDER_STAFF},
    Command.VERIFY_AUDIT: frozenset({_R.AUDITOR, _R.MANAGER}),
    # A data subject's request (UU PDP 27/2022 Art. 7, 8): served at the desk, decided by
    # the manager for the controller.
    Command.SUBJECT_ACCESS: frozenset({_R.FRONT_OFFICE, _R.BACK_OFFICE, _R.MANAGER}),
    Command.ERASE: frozenset({_R.MANAGER}),
    # A table of many cases leaves the system: those who report on a region.
    Command.EXPORT: frozenset({_R.SUPERVISOR, _R.MANAGER, _R.AUDITOR}),
    # A duplicate-suspect flag from the intake check is the supervisor's to resolve.
    Command.MARK_DISTINCT: frozenset({_R.SUPERVISOR, _R.MANAGER}),
    Command.MERGE_CASES: frozenset({_R.SUPERVISOR, _R.MANAGER}),
}

_P = AccessPurpose
#: The purposes each role may read for; the first is the role's default.
PURPOSES: Mapping[Role, tuple[AccessPurpose, ...]] = {
    _R.FACILITATOR: (_P.CASE_WORK, _P.REFERRAL),
    _R.PUSKESOS_OPERATOR: (_P.CASE_WORK, _P.REFERRAL),
    _R.SUPERVISOR: (_P.SUPERVISION, _P.CASE_WORK, _P.MONITORING),
    _R.FRONT_OFFICE: (_P.CASE_WORK, _P.REFERRAL, _P.SUBJECT_ACCESS),
    _R.BACK_OFFICE: (_P.CASE_WORK, _P.REFERRAL, _P.SUBJECT_ACCESS),
    _R.MANAGER: (_P.SUPERVISION, _P.MONITORING, _P.CASE_WORK, _P.SUBJECT_ACCESS),
    _R.PROVIDER_STAFF: (_P.REFERRAL,),
    _R.AUDITOR: (_P.AUDIT,),
    _R.SYSTEM: (_P.CASE_WORK,),
}


def purpose_for(actor: Actor, purpose: AccessPurpose | str | None = None) -> AccessPurpose:
    """The purpose *actor* reads for: *purpose* if their role allows it, else a denial.

    ``None`` gives the role's default purpose (the first of :data:`PURPOSES`).

    Raises:
        AccessDenied: the role may not read for *purpose* (logged, like every denial).
        InvalidInputError: *purpose* is not an :class:`AccessPurpose`.

    Examples:
        >>> auditor = Actor(actor_id="aud-1", role=Role.AUDITOR,
        ...                 jurisdiction=RegionCode("33"))
        >>> purpose_for(auditor)
        <AccessPurpose.AUDIT: 'audit'>
        >>> purpose_for(auditor, "case_work")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        slrt_core.errors.AccessDenied: Role auditor may not read personal data for case_work...

    .. versionadded:: 0.1.0
    """
    _check_actor(actor)
    allowed = PURPOSES[actor.role]
    if purpose is None:
        return allowed[0]
    try:
        wanted = AccessPurpose(purpose)
    except ValueError:
        choices = ", ".join(p.value for p in AccessPurpose)
        choices_id = ", ".join(f"`{p.value}` ({_purpose_id(p)})" for p in AccessPurpose)
        raise InvalidInputError.single(
            "purpose",
            f"{purpose!r} is not a purpose; use one of: {choices}.",
            f"{purpose!r} bukan tujuan yang sah; gunakan salah satu: {choices_id}.",
        ) from None
    if wanted not in allowed:
        names = ", ".join(p.value for p in allowed) or "none"
        _deny(
            actor,
            f"read for {wanted}",
            f"Role {actor.role.value.replace('_', ' ')} may not read personal data for {wanted}; "
            f"its purposes are: {names}.",
            f"Peran {label(actor.role, 'id').lower()} tidak boleh membaca data pribadi untuk "
            f"tujuan {_purpose_id(wanted)}; tujuannya: "
            f"{', '.join(_purpose_id(p) for p in allowed) or 'tidak ada'}.",
        )
    return wanted


def _purpose_id(purpose: AccessPurpose) -> str:
    """The purpose in Bahasa Indonesia."""
    return text(f"label.AccessPurpose.{purpose.value}", "id")


def _check_actor(actor: object) -> None:
    if not isinstance(actor, Actor):
        raise InvalidInputError.single(
            "actor",
            f"Expected an Actor (who acts), got {type(actor).__name__}. Build it with "
            "slrt_core.Actor(actor_id=..., role=..., jurisdiction=...).",
            f"Diharapkan `Actor` (pelaku), diterima `{type(actor).__name__}`. Buat dengan "
            "`slrt_core.Actor(actor_id=..., role=..., jurisdiction=...)`.",
        )


def _deny(
    actor: Actor, command: str, en: str, id_: str, *, error: type[AccessDenied] = AccessDenied
) -> None:
    # Ids and the command only: the case's region, names and numbers stay out of logs.
    _log.warning("access denied: actor=%s role=%s command=%s", actor.actor_id, actor.role, command)
    raise error(en, message_id=id_)


@attrs.frozen(kw_only=True)
class Actor:
    """Someone (or a job) acting through the service.

    Args:
        actor_id: a stable id of the person or job.
        role: the actor's role.
        jurisdiction: the region the actor works in; ``RegionCode.INDONESIA`` for national staff.
        provider_id: for provider staff, the provider they work for.
        name: a display name.

    Examples:
        >>> a = Actor(actor_id="fac-1", role=Role.FACILITATOR,
        ...           jurisdiction=RegionCode("33.74.01"))
        >>> a.covers(RegionCode("33.74.01.1001")), a.covers(RegionCode("33.74.02.1001"))
        (True, False)
    """

    actor_id: str
    role: Role
    jurisdiction: RegionCode
    provider_id: str | None = None
    name: str = ""

    def __attrs_post_init__(self) -> None:
        fields: dict[str, object] = {
            "actor_id": self.actor_id,
            "role": self.role,
            "jurisdiction": self.jurisdiction,
            "provider_id": self.provider_id,
            "name": self.name,
        }
        if not isinstance(fields["actor_id"], str) or not self.actor_id.strip():
            raise InvalidInputError.single(
                "actor_id",
                "The actor id is empty or not text; give the staff member's user id.",
                "Id pelaku kosong atau bukan teks; isi id pengguna petugas.",
            )
        if not isinstance(fields["role"], Role):
            object.__setattr__(self, "role", _role(fields["role"]))
        if not isinstance(fields["jurisdiction"], RegionCode):
            raise InvalidInputError.single(
                "jurisdiction",
                "The jurisdiction must be a RegionCode such as RegionCode('33.74'); "
                "RegionCode.INDONESIA for national staff.",
                "Wilayah kerja harus `RegionCode` seperti `RegionCode('33.74')`; "
                "`RegionCode.INDONESIA` untuk petugas nasional.",
            )
        if not isinstance(fields["provider_id"], str | None) or not isinstance(fields["name"], str):
            raise InvalidInputError.single(
                "provider_id",
                "provider_id (and name) must be text.",
                "`provider_id` (dan `name`) harus berupa teks.",
            )
        if (self.role is Role.PROVIDER_STAFF) != (self.provider_id is not None):
            raise InvalidInputError.single(
                "provider_id",
                "Provider staff need a provider_id, and only provider staff have one.",
                "Petugas penyedia layanan wajib punya `provider_id`, dan hanya mereka.",
            )

    def covers(self, region: RegionCode, on: date | None = None) -> bool:
        """True when *region* lies inside the actor's jurisdiction (on *on*, after splits).

        See :func:`~slrt_core.identity.region_covers`.
        """
        return region_covers(self.jurisdiction, region, on)


def _role(value: object) -> Role:
    try:
        return Role(str(value)) if isinstance(value, str) else Role(None)  # type: ignore[arg-type]
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        roles_id = ", ".join(f"`{r.value}` ({label(r, 'id').lower()})" for r in Role)
        raise InvalidInputError.single(
            "role",
            f"{value!r} is not a role; use one of: {roles}.",
            f"{value!r} bukan peran yang sah; gunakan salah satu: {roles_id}.",
        ) from None


class RolePolicy:
    """The built-in policy: :data:`PERMISSIONS`, jurisdiction and provider ownership.

    Args:
        permissions: the role x command matrix; a pair not in it is denied.
        clock: with a clock, jurisdiction follows region splits from their effective
            date (the day is the clock's date in the case region's zone, WIB, WITA or WIT);
            without, codes are compared as stored.

    Examples:
        >>> staff = Actor(actor_id="bo-1", role=Role.BACK_OFFICE,
        ...               jurisdiction=RegionCode("33.74"))
        >>> RolePolicy().authorize(staff, Command.APPROVE,
        ...                        region=RegionCode("33.74.01.1001"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        slrt_core.errors.AccessDenied: Role back office may not approve. Ask a manager ...
    """

    def __init__(
        self,
        permissions: Mapping[Command, frozenset[Role]] = PERMISSIONS,
        *,
        clock: Clock | None = None,
    ) -> None:
        self._permissions = permissions
        self._clock = clock

    def authorize(
        self,
        actor: Actor,
        command: Command,
        /,
        *,
        region: RegionCode | None = None,
        provider_id: str | None = None,
    ) -> None:
        """Raise :class:`~slrt_core.AccessDenied` unless *actor* may run *command*.

        Raises:
            InvalidInputError: *actor* is not an :class:`Actor`.
        """
        _check_actor(actor)
        allowed = self._permissions.get(command, frozenset())
        if actor.role not in allowed:

            def who(language: LanguageCode, joiner: str) -> str:
                names = sorted(label(role, language).lower() for role in allowed)
                return f" {joiner} ".join(names)

            en_role, id_role = label(actor.role, "en").lower(), label(actor.role, "id").lower()
            en_ask, id_ask = (
                (f"Ask a {who('en', 'or')}.", f"Minta kepada {who('id', 'atau')}.")
                if allowed
                else ("No role may do it under this policy.", "Tidak ada peran yang boleh.")
            )
            self._deny(
                actor,
                command,
                f"Role {en_role} may not {command}. {en_ask}",
                f"Peran {id_role} tidak boleh {label(command, 'id')}. {id_ask}",
            )
        if actor.role is Role.PROVIDER_STAFF:
            if provider_id is None or provider_id != actor.provider_id:
                self._deny(
                    actor,
                    command,
                    f"Provider staff of {actor.provider_id!r} may act only on referrals "
                    "addressed to their own provider.",
                    f"Petugas penyedia {actor.provider_id!r} hanya boleh menangani rujukan "
                    "yang ditujukan kepada penyedianya sendiri.",
                )
            return
        on = (
            None if self._clock is None else local_date_in(region, self._clock.now())
        )  # region's zone
        if region is not None and not actor.covers(region, on):
            # The actor's own jurisdiction only: where the case is stays unsaid.
            where = actor.jurisdiction.code or "Indonesia"
            _deny(
                actor,
                command.value,
                f"The case is outside the jurisdiction {where} of {actor.actor_id!r}. "
                "Ask staff of the case's region.",
                f"Kasus itu di luar wilayah kerja {where} milik {actor.actor_id!r}. "
                "Minta kepada petugas wilayah kasus itu.",
                error=OutsideJurisdictionError,
            )

    @staticmethod
    def _deny(actor: Actor, command: Command, en: str, id_: str) -> None:
        _deny(actor, command.value, en, id_)
