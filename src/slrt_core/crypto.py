"""Personal data encrypted at rest, per case, with keys that erasure destroys.

Every case gets its own random 256-bit data key. The stores write each event with its
personal part (the payload and the free-text reason) sealed by AES-256-GCM under that key
(:class:`SealingCodec`); what stays in clear is the envelope the audit trail and the
indexes need: case id, version, time, actor id, role, event type. The data key is kept
only *wrapped* (encrypted) by a master key that the host app supplies through a
:class:`Keyring`, in a :class:`KeyStore` that should live apart from the event store and
its backups.

Erasure (crypto-shredding) destroys a case's data key: the ciphertext stays where it is,
so the audit chain, which hashes the stored bytes (ciphertext included), still verifies,
but nobody can read it again. Decoding an event of an erased case raises
:class:`~slrt_core.errors.CaseErasedError`.

Needs the ``crypto`` extra (``pip install 'slrt-core[crypto]'``, the ``cryptography``
package, whose AES-GCM runs in OpenSSL).

Examples:
    >>> vault = SubjectVault(StaticKeyring({1: bytes(32)}), MemoryKeyStore())
    >>> box = vault.seal("case-1", b"Siti, NIK 3374014508900001", aad=b"case-1:1")
    >>> b"Siti" in box
    False
    >>> vault.open("case-1", box, aad=b"case-1:1")
    b'Siti, NIK 3374014508900001'
    >>> vault.destroy("case-1")
    True
    >>> vault.open("case-1", box, aad=b"case-1:1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    slrt_core.errors.CaseErasedError: The personal data of case 'case-1' was erased...
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from slrt_core.case._events import CaseErased, Event
from slrt_core.errors import (
    CaseErasedError,
    CorruptRecordError,
    InvalidInputError,
    Problem,
    StorageError,
)
from slrt_core.ports import Keyring, KeyStore
from slrt_core.privacy import _secret_ok, whole_number
from slrt_core.serialization import _event_out, canonical_json, converter

__all__ = [
    "ERASURE_TYPE",
    "KeyStore",
    "Keyring",
    "MemoryKeyStore",
    "SealingCodec",
    "SqliteKeyStore",
    "StaticKeyring",
    "SubjectVault",
]

_NONCE = 12  # bytes: the 96-bit nonce AES-GCM is made for
_KEY = 32  # bytes: AES-256
#: The event type left in clear: it must stay readable after the key is gone.
ERASURE_TYPE = CaseErased.type


class StaticKeyring:
    """A :class:`Keyring` over master keys given as bytes, with versions for rotation.

    The wrapped form is ``version (2 bytes) | nonce (12) | AES-GCM(master, key, key_id)``,
    so a key wrapped under an old master version still unwraps while that version is
    given; :meth:`SubjectVault.rewrap` moves every key to the current version.

    Args:
        keys: master version -> 32 secret bytes.
        current: the version that wraps new keys; the highest by default.

    Raises:
        InvalidInputError: no key, a key that is not 32 bytes, or an unknown current version.
    """

    def __init__(self, keys: Mapping[int, bytes], *, current: int | None = None) -> None:
        keys = dict(keys)
        problems = [
            Problem(
                f"keys[{v!r}]",
                f"Master key version {v!r} must be exactly 32 random bytes under a version "
                "from 1 to 65535; generate one with secrets.token_bytes(32).",
                f"Kunci induk versi {v!r} harus tepat 32 byte acak dengan versi 1 sampai "
                "65535; buat dengan secrets.token_bytes(32).",
            )
            for v, k in keys.items()
            if not whole_number(v, 1, 0xFFFF) or not _secret_ok(k, _KEY, exact=True)
        ]
        if not keys or (current is not None and current not in keys):
            problems.append(
                Problem(
                    "current",
                    "Give at least one master key, and a current version among them.",
                    "Berikan paling sedikit satu kunci induk, dan versi aktif di antaranya.",
                )
            )
        if problems:
            raise InvalidInputError(problems, subject="the master keys")
        self._keys = {v: AESGCM(k) for v, k in keys.items()}
        self.current = current if current is not None else max(keys)

    def version_of(self, wrapped: bytes) -> int:
        """The master version that wrapped *wrapped*."""
        return int.from_bytes(wrapped[:2], "big")

    def wrap(self, key: bytes, /, *, key_id: str) -> bytes:
        """*key* wrapped under the current master key."""
        nonce = os.urandom(_NONCE)
        sealed = self._keys[self.current].encrypt(nonce, key, key_id.encode())
        return self.current.to_bytes(2, "big") + nonce + sealed

    def unwrap(self, wrapped: bytes, /, *, key_id: str) -> bytes:
        """The key inside *wrapped*."""
        master = self._keys.get(self.version_of(wrapped))
        if master is None:
            msg = (
                f"The data key of {key_id!r} is wrapped by master key version "
                f"{self.version_of(wrapped)}, which the keyring does not hold. Give that "
                "version to the keyring (keep old versions until rewrap() has run)."
            )
            raise StorageError(msg)
        try:
            return master.decrypt(wrapped[2 : 2 + _NONCE], wrapped[2 + _NONCE :], key_id.encode())
        except InvalidTag as exc:
            msg = (
                f"The data key of {key_id!r} does not unwrap: wrong master key, or the "
                "stored key was altered. Check the keyring configuration."
            )
            raise StorageError(msg) from exc


class MemoryKeyStore:
    """A :class:`KeyStore` in process memory (tests, simulations)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, bytes] = {}

    def get(self, key_id: str, /) -> bytes | None:
        """The wrapped key."""
        return self._keys.get(key_id)

    def add(self, key_id: str, wrapped: bytes, /) -> bytes:
        """Keep *wrapped* unless a key exists."""
        with self._lock:
            return self._keys.setdefault(key_id, wrapped)

    def destroy(self, key_id: str, /) -> bool:
        """Remove the key."""
        with self._lock:
            return self._keys.pop(key_id, None) is not None

    def replace(self, key_id: str, wrapped: bytes, /) -> None:
        """Store *wrapped* in place of the existing key."""
        with self._lock:
            self._keys[key_id] = wrapped

    def key_ids(self) -> Iterator[str]:
        """Every key id held."""
        with self._lock:
            return iter(sorted(self._keys))


class SqliteKeyStore:
    """A :class:`KeyStore` in its own SQLite file (keep it apart from the event store).

    ``secure_delete`` is on, so a destroyed key is overwritten in the file, not only
    unlinked. In WAL mode the old pages (the key among them) stay in the write-ahead log
    until a checkpoint copies the overwritten page back and the log is truncated; a
    reader in another connection that holds a read transaction prevents that. So
    :meth:`destroy` runs ``wal_checkpoint(TRUNCATE)``, waits up to *busy_timeout* for
    readers to finish, checks that the checkpoint completed, and raises
    :class:`~slrt_core.errors.StorageError` when it did not: the key is then unreadable
    through SQL but its bytes may still be in the log, and calling :meth:`destroy` again
    (or :meth:`purge`) once the readers are gone completes it.

    Args:
        path: the key file; ``":memory:"`` for a private in-memory database.
        synchronous: ``"full"`` (default) or ``"normal"``, as for
            :class:`~slrt_core.adapters.SqliteStore`: give the key store at least the
            durability of the event store (a lost key is lost data).
        busy_timeout: seconds a destruction waits for other connections' readers.

    Raises:
        StorageError: the file cannot be opened.
    """

    def __init__(
        self, path: str | Path, *, synchronous: str = "full", busy_timeout: float = 5.0
    ) -> None:
        self._lock = threading.Lock()
        self._path = str(path)
        if synchronous not in ("full", "normal"):
            msg = f"synchronous must be 'full' or 'normal', not {synchronous!r}."
            raise StorageError(msg)
        try:
            self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            if str(path) != ":memory:":
                self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            self._conn.execute("PRAGMA secure_delete = ON")
            self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS data_keys (key_id TEXT PRIMARY KEY, wrapped BLOB)"
            )
        except sqlite3.Error as exc:
            msg = f"Cannot open the key store {str(path)!r}: {exc}. Check the path."
            raise StorageError(msg) from exc

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                return self._conn.execute(sql, params)
            except sqlite3.Error as exc:
                msg = f"The key store failed: {exc}. Nothing was changed."
                raise StorageError(msg) from exc

    def get(self, key_id: str, /) -> bytes | None:
        """The wrapped key."""
        row = self._run("SELECT wrapped FROM data_keys WHERE key_id = ?", (key_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def add(self, key_id: str, wrapped: bytes, /) -> bytes:
        """Keep *wrapped* unless a key exists."""
        self._run("INSERT OR IGNORE INTO data_keys VALUES (?, ?)", (key_id, wrapped))
        kept = self.get(key_id)
        assert kept is not None  # noqa: S101 - just written
        return kept

    def destroy(self, key_id: str, /) -> bool:
        """Remove the key and overwrite it in every file (the database and its log).

        Raises:
            StorageError: another connection's reader kept the write-ahead log from being
                checkpointed and truncated; the key is deleted but its old bytes may still
                be in the log. Call :meth:`purge` once the readers are done.
        """
        gone = self._run("DELETE FROM data_keys WHERE key_id = ?", (key_id,)).rowcount > 0
        self.purge()
        return gone

    def purge(self) -> None:
        """Checkpoint and truncate the write-ahead log, checking that it completed.

        Raises:
            StorageError: a reader in another connection kept the log from being truncated.
        """
        if self._path == ":memory:":
            return
        busy, _log, _done = self._run("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            msg = (
                f"A destroyed key may still be in the write-ahead log of the key store "
                f"{self._path!r}: another connection is reading it, so the log could not be "
                "checkpointed and truncated. The key can no longer be read; end the other "
                "readers (or wait) and call purge() again to remove its bytes."
            )
            msg_id = (
                f"Kunci yang dimusnahkan mungkin masih ada di log tulis-depan penyimpanan kunci "
                f"{self._path!r}: sambungan lain sedang membacanya, sehingga log tidak dapat "
                "dipindahkan dan dikosongkan. Kunci tidak dapat dibaca lagi; hentikan pembaca "
                "lain (atau tunggu) lalu panggil purge() lagi untuk menghapus byte kunci itu."
            )
            raise StorageError(msg, message_id=msg_id)

    def replace(self, key_id: str, wrapped: bytes, /) -> None:
        """Store *wrapped* in place of the existing key."""
        self._run("UPDATE data_keys SET wrapped = ? WHERE key_id = ?", (wrapped, key_id))

    def key_ids(self) -> Iterator[str]:
        """Every key id held."""
        rows = self._run("SELECT key_id FROM data_keys ORDER BY key_id").fetchall()
        return iter([str(r[0]) for r in rows])

    def close(self) -> None:
        """Close the file."""
        self._conn.close()


class SubjectVault:
    """Per-case data keys, wrapped by the keyring, kept in a key store.

    Unwrapped keys are cached in this process; :meth:`destroy` drops the cached key too.
    Other processes sharing the key store keep theirs until :meth:`forget` or a restart:
    run erasures where the reads happen, or call :meth:`forget` on every worker.

    Args:
        keyring: the master key (the host app's).
        keys: where the wrapped data keys live.
    """

    def __init__(self, keyring: Keyring, keys: KeyStore) -> None:
        self.keyring = keyring
        self.keys = keys
        self._cache: dict[str, AESGCM] = {}
        self._lock = threading.Lock()

    def _cipher(self, key_id: str, *, create: bool) -> AESGCM | None:
        cipher = self._cache.get(key_id)
        if cipher is not None:
            return cipher
        wrapped = self.keys.get(key_id)
        if wrapped is None:
            if not create:
                return None
            wrapped = self.keys.add(
                key_id, self.keyring.wrap(AESGCM.generate_key(bit_length=256), key_id=key_id)
            )
        cipher = AESGCM(self.keyring.unwrap(wrapped, key_id=key_id))
        with self._lock:
            self._cache[key_id] = cipher
        return cipher

    def seal(self, key_id: str, data: bytes, *, aad: bytes) -> bytes:
        """*data* encrypted under *key_id*'s key (made on first use): ``nonce | ciphertext``."""
        cipher = self._cipher(key_id, create=True)
        assert cipher is not None  # noqa: S101 - created when missing
        nonce = os.urandom(_NONCE)
        return nonce + cipher.encrypt(nonce, data, aad)

    def open(self, key_id: str, box: bytes, *, aad: bytes) -> bytes:
        """The data sealed in *box*.

        Raises:
            CaseErasedError: the key was destroyed (or never existed).
            CorruptRecordError: the box was altered, or belongs to another place (*aad*)
                (a :class:`~slrt_core.errors.StorageError`).
        """
        cipher = self._cipher(key_id, create=False)
        if cipher is None:
            raise CaseErasedError(key_id)
        try:
            return cipher.decrypt(box[:_NONCE], box[_NONCE:], aad)
        except InvalidTag as exc:
            raise CorruptRecordError(
                key_id,
                None,
                "its sealed data does not decrypt: it was altered or moved",
                "data tersegelnya tidak dapat didekripsi: diubah atau dipindahkan",
            ) from exc

    def destroy(self, key_id: str) -> bool:
        """Destroy *key_id*'s key (crypto-shredding); ``True`` when there was one."""
        with self._lock:
            self._cache.pop(key_id, None)
        return self.keys.destroy(key_id)

    def forget(self, key_id: str | None = None) -> None:
        """Drop cached keys (one, or all) so the next use reads the key store again."""
        with self._lock:
            if key_id is None:
                self._cache.clear()
            else:
                self._cache.pop(key_id, None)

    def rewrap(self) -> int:
        """Wrap every stored key under the keyring's current master key; returns how many.

        Run after adding a new master version; then the old version can be retired.
        """
        count = 0
        for key_id in self.keys.key_ids():
            wrapped = self.keys.get(key_id)
            if wrapped is None:  # pragma: no cover - destroyed meanwhile
                continue
            key = self.keyring.unwrap(wrapped, key_id=key_id)
            self.keys.replace(key_id, self.keyring.wrap(key, key_id=key_id))
            count += 1
        return count


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class SealingCodec:
    """An :class:`~slrt_core.ports.EventCodec`: each event's personal part sealed by its case key.

    The stored JSON keeps ``case_id``, ``version``, ``at``, ``actor_id``, ``role``,
    ``schema`` and the payload's ``type`` in clear, and puts the payload and the reason
    in ``"sealed"``: base64 of ``nonce | AES-GCM(case key, canonical JSON)``, with
    ``case_id:version`` as associated data so a sealed part cannot be moved to another
    event. An event with nothing to hide (the erasure event; a payload without fields,
    such as ``case_submitted``, and no reason) stays in clear.

    Args:
        vault: the per-case keys.

    Examples:
        >>> from datetime import UTC, datetime
        >>> from slrt_core.case import Event, CaseSubmitted
        >>> from slrt_core.access import Role
        >>> codec = SealingCodec(SubjectVault(StaticKeyring({1: bytes(32)}), MemoryKeyStore()))
        >>> event = Event(case_id="c1", version=2, at=datetime(2026, 1, 5, tzinfo=UTC),
        ...               actor_id="fac-1", role=Role.FACILITATOR, payload=CaseSubmitted(),
        ...               reason="Checked with the family")
        >>> body = codec.encode(event)
        >>> b"family" in body, codec.decode(body) == event
        (False, True)
    """

    can_erase = True

    def __init__(self, vault: SubjectVault) -> None:
        self.vault = vault

    def encode(self, event: Event, /) -> bytes:
        """The stored bytes: envelope in clear, payload and reason sealed."""
        data = _event_out(event)  # the hook behind converter.unstructure, without dispatch
        if event.type == ERASURE_TYPE or (len(data["payload"]) == 1 and not event.reason):
            return canonical_json(data)  # nothing personal: no fields, no reason
        secret = {"payload": data.pop("payload"), "reason": data.pop("reason")}
        box = self.vault.seal(
            event.case_id, canonical_json(secret), aad=_aad(event.case_id, event.version)
        )
        data["payload"] = {"type": event.type, "sealed": _b64(box)}
        return canonical_json(data)

    def decode(self, body: bytes, /) -> Event:
        """The event, its sealed part opened."""
        data = json.loads(body)
        payload = data["payload"]
        if "sealed" in payload:
            case_id, version = data["case_id"], data["version"]
            try:
                opened = self.vault.open(
                    case_id, base64.b64decode(payload["sealed"]), aad=_aad(case_id, version)
                )
            except CorruptRecordError as exc:  # name the event, as every damaged record
                raise CorruptRecordError(case_id, version, exc.reason, exc.reason_id) from exc
            secret = json.loads(opened)
            data["payload"] = secret["payload"]
            data["reason"] = secret["reason"]
        result: Event = converter.structure(data, Event)
        return result

    def erase(self, case_id: str, /) -> None:
        """Destroy the case's data key: its sealed parts can never be opened again."""
        self.vault.destroy(case_id)


def _aad(case_id: str, version: int) -> bytes:
    return f"{case_id}:{version}".encode()
