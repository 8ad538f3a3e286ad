"""Signed audit checkpoints: catch truncation and a full rewrite, not only edits.

A hash chain shows an edited, inserted or deleted record, but not a chain cut short at
the end, nor one rebuilt from scratch by someone who can write the store: both verify.
A :class:`Checkpoint` is an Ed25519 signature over ``(seq, head)``, the sequence number
and digest of the last record at that moment, made with a key the store never sees and
kept outside it (a file shipped to another server, a ticket, a printout).
:func:`verify_with_checkpoints` then checks the chain *and* that every checkpoint's record
is still there with the same digest: a truncated trail misses it, a rewritten one has a
different digest at it, and a forged checkpoint fails its signature.

Take checkpoints periodically (:class:`Checkpointer`: every N records, or from cron with
``slrt audit checkpoint``); what happened after the latest one is protected by the chain
only until the next.

Needs the ``crypto`` extra (``cryptography``).

Examples:
    >>> from datetime import UTC, datetime
    >>> from slrt_core.audit import seal
    >>> r1 = seal(1, "0" * 64, b'{"a":1}'); r2 = seal(2, r1.digest, b'{"a":2}')
    >>> signer = CheckpointSigner.generate()
    >>> cp = signer.sign(seq=2, head=r2.digest, at=datetime(2026, 3, 1, tzinfo=UTC))
    >>> keys = {signer.key_id: signer.public_key()}
    >>> verify_with_checkpoints([r1, r2], [cp], keys).ok
    True
    >>> verify_with_checkpoints([r1], [cp], keys).reason
    'the trail ends at record 1, before checkpoint 2 (truncated)'
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from slrt_core.audit import GENESIS, AuditRecord, AuditReport, seal, verify
from slrt_core.errors import AuditIntegrityError, InvalidInputError, Problem
from slrt_core.ports import AuditLog
from slrt_core.privacy import whole_number

__all__ = [
    "Checkpoint",
    "CheckpointReport",
    "CheckpointSigner",
    "Checkpointer",
    "key_id_of",
    "load_public_key",
    "read_checkpoints",
    "verify_with_checkpoints",
    "write_checkpoint",
]

_DOMAIN = "slrt-audit-checkpoint/v1"


def key_id_of(public_key: Ed25519PublicKey) -> str:
    """A short id of *public_key*: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@attrs.frozen(kw_only=True)
class Checkpoint:
    """A signed statement "record *seq* of the trail has digest *head*".

    Attributes:
        seq: the sequence number of the last record covered.
        head: that record's digest.
        at: when it was taken (UTC).
        key_id: which signing key (:func:`key_id_of`).
        signature: base64 Ed25519 signature of :meth:`message`.
    """

    seq: int
    head: str
    at: datetime
    key_id: str
    signature: str

    def message(self) -> bytes:
        """The signed bytes: a domain tag, seq, head, time and key id, one per line."""
        return (
            f"{_DOMAIN}\n{self.seq}\n{self.head}\n{self.at.isoformat()}\n{self.key_id}\n".encode()
        )

    def to_json(self) -> str:
        """One line of JSON."""
        return json.dumps(
            {
                "at": self.at.isoformat(),
                "head": self.head,
                "key_id": self.key_id,
                "seq": self.seq,
                "signature": self.signature,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, line: str) -> Checkpoint:
        """The checkpoint in one line written by :meth:`to_json`.

        Raises:
            InvalidInputError: the line is not such a checkpoint.
        """
        try:
            data = json.loads(line)
            seq, head = data["seq"], data["head"]
            if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
                raise TypeError(seq)  # noqa: TRY301 - one handler for every shape problem
            return cls(
                seq=seq,
                head=str(head),
                at=datetime.fromisoformat(data["at"]),
                key_id=str(data["key_id"]),
                signature=str(data["signature"]),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInputError.single(
                "checkpoint",
                f"Not a checkpoint line ({type(exc).__name__}): expected JSON with seq, head, "
                "at, key_id and signature, as written by `slrt audit checkpoint`.",
                f"Bukan baris checkpoint ({type(exc).__name__}): diharapkan JSON berisi `seq`, "
                "`head`, `at`, `key_id` dan `signature`, seperti tulisan `slrt audit checkpoint`.",
            ) from exc


class CheckpointSigner:
    """Signs checkpoints with an Ed25519 private key kept away from the store.

    Args:
        private_key: the key.
    """

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.key_id = key_id_of(private_key.public_key())

    @classmethod
    def generate(cls) -> CheckpointSigner:
        """A signer with a new random key."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, data: bytes) -> CheckpointSigner:
        """The signer of a PKCS#8 PEM private key (unencrypted).

        Raises:
            InvalidInputError: *data* is not an Ed25519 private key.
        """
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise _bad_key("private") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise _bad_key("private")
        return cls(key)

    def private_pem(self) -> bytes:
        """The private key as PKCS#8 PEM (store it like a password)."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_key(self) -> Ed25519PublicKey:
        """The public key that verifies this signer's checkpoints."""
        return self._key.public_key()

    def public_pem(self) -> bytes:
        """The public key as PEM, to hand to verifiers."""
        return self.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, *, seq: int, head: str, at: datetime) -> Checkpoint:
        """A checkpoint of record *seq* with digest *head*, taken at *at*."""
        unsigned = Checkpoint(seq=seq, head=head, at=at, key_id=self.key_id, signature="")
        signature = base64.b64encode(self._key.sign(unsigned.message())).decode("ascii")
        return attrs.evolve(unsigned, signature=signature)

    def checkpoint(self, records: Iterable[AuditRecord], *, at: datetime) -> Checkpoint:
        """Verify the chain of *records*, then sign its head.

        Raises:
            AuditIntegrityError: the chain is broken (never sign a broken trail) or empty.
        """
        report = verify(records)
        report.raise_for_error()
        if report.records == 0:
            raise AuditIntegrityError(0, "the trail is empty; there is nothing to checkpoint")
        return self.sign(seq=report.records, head=report.head, at=at)


def _bad_key(kind: str) -> InvalidInputError:
    return InvalidInputError.single(
        "key",
        f"Not an Ed25519 {kind} key in PEM; make one with `slrt audit keygen`.",
        f"Bukan kunci {kind} Ed25519 dalam PEM; buat dengan `slrt audit keygen`.",
    )


def load_public_key(data: bytes) -> Ed25519PublicKey:
    """The Ed25519 public key in PEM *data*.

    Raises:
        InvalidInputError: *data* is not one.
    """
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise _bad_key("public") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise _bad_key("public")
    return key


def write_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Append *checkpoint* to the JSON-lines file *path* (made if missing)."""
    with path.open("a", encoding="utf-8") as fh:
        fh.write(checkpoint.to_json() + "\n")


def read_checkpoints(lines: Iterable[str]) -> list[Checkpoint]:
    """The checkpoints in JSON lines (blank lines skipped).

    Raises:
        InvalidInputError: a line is not a checkpoint; the message gives its number.
    """
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            found.append(Checkpoint.from_json(line))
        except InvalidInputError as exc:
            problem = exc.problems[0]
            raise InvalidInputError(
                [Problem(f"line {number}", problem.message, problem.message_id)],
                subject="the checkpoints",
            ) from exc
    return found


@attrs.frozen
class CheckpointReport:
    """The result of :func:`verify_with_checkpoints`.

    Attributes:
        ok: the chain verifies and agrees with every checkpoint.
        chain: the report of the hash chain alone.
        checkpoints: how many checkpoints were checked.
        first_bad: the sequence number where trail and checkpoints part, or ``None``.
        reason: what is wrong.
    """

    ok: bool
    chain: AuditReport
    checkpoints: int
    first_bad: int | None = None
    reason: str = ""

    def raise_for_error(self) -> None:
        """Raise :class:`~slrt_core.AuditIntegrityError` when anything is wrong."""
        if not self.ok:
            raise AuditIntegrityError(self.first_bad or 0, self.reason)


def verify_with_checkpoints(
    records: Iterable[AuditRecord],
    checkpoints: Iterable[Checkpoint],
    keys: Mapping[str, Ed25519PublicKey],
) -> CheckpointReport:
    """Verify the chain of *records* and that it agrees with every signed checkpoint.

    Args:
        records: the trail, in order from sequence 1.
        checkpoints: checkpoints taken earlier, kept outside the store.
        keys: key id -> public key of the signers trusted.

    Returns:
        A report naming the first problem: a bad signature or unknown key, a chain break,
        a trail that ends before a checkpoint (truncated), or a record whose digest differs
        from the checkpoint's (rewritten).
    """
    points = sorted(checkpoints, key=lambda c: c.seq)
    for cp in points:
        problem = _signature_problem(cp, keys)
        if problem:
            return CheckpointReport(
                ok=False,
                chain=AuditReport(ok=True, records=0, head=""),
                checkpoints=len(points),
                first_bad=cp.seq,
                reason=problem,
            )
    wanted = {cp.seq for cp in points}
    seen: dict[int, str] = {}

    def watch(items: Iterable[AuditRecord]) -> Iterator[AuditRecord]:
        for record in items:
            if record.seq in wanted:
                seen[record.seq] = record.digest
            yield record

    chain = verify(watch(records))
    if not chain.ok:
        return CheckpointReport(
            ok=False,
            chain=chain,
            checkpoints=len(points),
            first_bad=chain.first_bad,
            reason=f"hash chain broken: {chain.reason}",
        )
    for cp in points:
        if cp.seq > chain.records:
            return CheckpointReport(
                ok=False,
                chain=chain,
                checkpoints=len(points),
                first_bad=chain.records + 1,
                reason=f"the trail ends at record {chain.records}, before checkpoint "
                f"{cp.seq} (truncated)",
            )
        if seen[cp.seq] != cp.head:
            return CheckpointReport(
                ok=False,
                chain=chain,
                checkpoints=len(points),
                first_bad=cp.seq,
                reason=f"record {cp.seq} differs from its signed checkpoint (rewritten)",
            )
    return CheckpointReport(ok=True, chain=chain, checkpoints=len(points))


def _signature_problem(cp: Checkpoint, keys: Mapping[str, Ed25519PublicKey]) -> str:
    key = keys.get(cp.key_id)
    if key is None:
        return f"checkpoint {cp.seq} is signed by unknown key {cp.key_id!r}"
    try:
        key.verify(base64.b64decode(cp.signature, validate=True), cp.message())
    except (InvalidSignature, ValueError):
        return f"checkpoint {cp.seq} has a bad signature (forged or altered)"
    return ""


class Checkpointer:
    """Takes a checkpoint every *every* records, appending it to a file.

    Call :meth:`maybe` after commits or from a scheduled job. The first call verifies the
    whole chain; later calls read and verify only the records added since.

    Args:
        signer: the signing key.
        path: the JSON-lines file the checkpoints go to (outside the store).
        every: records between checkpoints.

    Raises:
        InvalidInputError: *every* is not a whole number of 1 or more.
    """

    def __init__(self, signer: CheckpointSigner, path: Path, *, every: int = 1000) -> None:
        if not whole_number(every):
            raise InvalidInputError.single(
                "every",
                "every must be a whole number of records, 1 or more.",
                "every harus bilangan bulat jumlah catatan, 1 atau lebih.",
            )
        self.signer = signer
        self.path = path
        self.every = every
        self._seq = 0
        self._head = GENESIS
        self._signed = 0

    def maybe(self, log: AuditLog, *, at: datetime) -> Checkpoint | None:
        """Checkpoint *log*'s trail when *every* records came since the last checkpoint.

        Returns:
            The new checkpoint, or ``None`` when it is not yet due.

        Raises:
            AuditIntegrityError: a new record does not chain on (nothing is signed).
        """
        seq, head = self._seq, self._head
        for record in log.audit_records(start=seq + 1):
            if record.seq != seq + 1 or record.prev != head:
                raise AuditIntegrityError(record.seq, "does not chain on to the record before")
            if seal(record.seq, record.prev, record.body).digest != record.digest:
                raise AuditIntegrityError(record.seq, "content does not match its digest (edited)")
            seq, head = record.seq, record.digest
        self._seq, self._head = seq, head
        if seq - self._signed < self.every:
            return None
        checkpoint = self.signer.sign(seq=seq, head=head, at=at)
        write_checkpoint(self.path, checkpoint)
        self._signed = seq
        return checkpoint
