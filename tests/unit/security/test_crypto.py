"""Per-case data keys, wrapping by the master key, sealing events, crypto-shredding."""

from __future__ import annotations

import base64
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from slrt_core.access import Role
from slrt_core.adapters.basics import PlainCodec
from slrt_core.case import CaseErased, CaseReturned, CaseSubmitted, Event
from slrt_core.crypto import (
    MemoryKeyStore,
    SealingCodec,
    SqliteKeyStore,
    StaticKeyring,
    SubjectVault,
)
from slrt_core.errors import CaseErasedError, InvalidInputError, StorageError

MASTER1 = b"\x01" * 32
MASTER2 = b"\x02" * 32


def event(version: int = 2, note: str = "Ibu Siti, NIK 3374014508900001") -> Event:
    return Event(
        case_id="case-1",
        version=version,
        at=datetime(2026, 1, 5, tzinfo=UTC),
        actor_id="sup-1",
        role=Role.SUPERVISOR,
        payload=CaseReturned(note=note),
        reason=note,
    )


def vault(keys: object = None) -> SubjectVault:
    return SubjectVault(StaticKeyring({1: MASTER1}), keys or MemoryKeyStore())  # type: ignore[arg-type]


class TestKeyring:
    def test_wrap_unwrap_round_trip_bound_to_key_id(self):
        """A wrapped key unwraps under its own key id only."""
        ring = StaticKeyring({1: MASTER1})
        wrapped = ring.wrap(b"k" * 32, key_id="a")
        assert ring.unwrap(wrapped, key_id="a") == b"k" * 32
        with pytest.raises(StorageError, match="does not unwrap"):
            ring.unwrap(wrapped, key_id="b")

    def test_rotation_needs_the_old_version_until_rewrap(self):
        """Keys wrapped under version 1 need it; after rewrap, version 2 alone suffices."""
        keys = MemoryKeyStore()
        old = SubjectVault(StaticKeyring({1: MASTER1}), keys)
        box = old.seal("case-1", b"data", aad=b"x")
        both = SubjectVault(StaticKeyring({1: MASTER1, 2: MASTER2}), keys)
        assert both.rewrap() == 1
        only_new = SubjectVault(StaticKeyring({2: MASTER2}), keys)
        assert only_new.open("case-1", box, aad=b"x") == b"data"
        stale = SubjectVault(StaticKeyring({3: b"\x03" * 32}), keys)
        with pytest.raises(StorageError, match="version 2"):
            stale.open("case-1", box, aad=b"x")

    @pytest.mark.parametrize(
        ("keys", "current"),
        [({}, None), ({1: b"short"}, None), ({0: MASTER1}, None), ({1: MASTER1}, 2)],
    )
    def test_bad_master_keys(self, keys, current):
        """Missing, short, badly numbered or unknown-current master keys are refused."""
        with pytest.raises(InvalidInputError):
            StaticKeyring(keys, current=current)


class TestVault:
    def test_tampered_or_moved_box_is_refused(self):
        """A flipped bit or another place (associated data) fails authentication."""
        v = vault()
        box = v.seal("case-1", b"data", aad=b"case-1:1")
        flipped = box[:-1] + bytes([box[-1] ^ 1])
        with pytest.raises(StorageError, match="altered or moved"):
            v.open("case-1", flipped, aad=b"case-1:1")
        with pytest.raises(StorageError):
            v.open("case-1", box, aad=b"case-1:2")

    def test_destroy_erases_and_forget_drops_the_cache(self):
        """destroy removes the key for good; another vault's cache is dropped by forget."""
        keys = MemoryKeyStore()
        a, b = vault(keys), vault(keys)
        box = a.seal("case-1", b"data", aad=b"")
        assert b.open("case-1", box, aad=b"") == b"data"
        assert a.destroy("case-1") is True
        assert a.destroy("case-1") is False
        assert b.open("case-1", box, aad=b"") == b"data"  # cached in b's process
        b.forget("case-1")
        with pytest.raises(CaseErasedError):
            b.open("case-1", box, aad=b"")
        b.forget()

    def test_each_case_has_its_own_key(self):
        """A box of one case does not open under another case's key."""
        v = vault()
        box = v.seal("case-1", b"data", aad=b"")
        v.seal("case-2", b"other", aad=b"")
        with pytest.raises(StorageError):
            v.open("case-2", box, aad=b"")


class TestSqliteKeyStore:
    def test_keys_persist_and_destruction_overwrites(self, tmp_path: Path):
        """Keys survive reopening; a destroyed key's bytes are gone from the file."""
        path = tmp_path / "keys.sqlite"
        store = SqliteKeyStore(path)
        v = SubjectVault(StaticKeyring({1: MASTER1}), store)
        box = v.seal("case-1", b"data", aad=b"")
        wrapped = store.get("case-1")
        assert wrapped is not None
        assert store.add("case-1", b"other") == wrapped
        assert list(store.key_ids()) == ["case-1"]
        store.close()
        again = SqliteKeyStore(path)
        v2 = SubjectVault(StaticKeyring({1: MASTER1}), again)
        assert v2.open("case-1", box, aad=b"") == b"data"
        assert v2.destroy("case-1") is True
        again.close()
        assert wrapped not in path.read_bytes()

    def test_destroyed_key_is_gone_from_every_file_despite_a_reader(self, tmp_path: Path):
        """A key destroyed while another connection reads is gone from db, WAL and shm.

        Regression (issue 12, item 10): the unchecked checkpoint left the key in the WAL
        while a reader held a read transaction. Now destroy() waits for the reader, and
        when it cannot, says so; purge() completes it afterwards.
        """
        path = tmp_path / "keys.sqlite"
        store = SqliteKeyStore(path, busy_timeout=0.05)
        v = SubjectVault(StaticKeyring({1: MASTER1}), store)
        v.seal("case-1", b"data", aad=b"")
        v.seal("case-2", b"data", aad=b"")
        wrapped = store.get("case-1")
        assert wrapped is not None

        reader = sqlite3.connect(str(path), isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM data_keys").fetchall()  # holds a read snapshot
        with pytest.raises(StorageError, match="write-ahead log") as excinfo:
            v.destroy("case-1")
        assert "log tulis-depan" in excinfo.value.message("id")
        assert store.get("case-1") is None  # unreadable already
        reader.execute("COMMIT")
        reader.close()
        store.purge()

        def files() -> list[Path]:
            return [p for p in tmp_path.iterdir() if p.name.startswith("keys.sqlite")]

        assert files()
        for file in files():
            assert wrapped not in file.read_bytes(), file.name
        assert store.get("case-2") is not None
        store.close()

    def test_destroy_checkpoints_at_once_without_readers(self, tmp_path: Path):
        """Without other readers the log is truncated by destroy() itself."""
        path = tmp_path / "keys.sqlite"
        store = SqliteKeyStore(path)
        store.add("case-1", b"K" * 60)
        assert store.destroy("case-1") is True
        for file in tmp_path.iterdir():
            assert b"K" * 60 not in file.read_bytes(), file.name
        assert store.destroy("case-1") is False
        store.close()

    def test_unopenable_file_and_failures_are_storage_errors(self, tmp_path: Path):
        """A directory path or a closed store raise StorageError."""
        with pytest.raises(StorageError, match="Cannot open the key store"):
            SqliteKeyStore(tmp_path)
        store = SqliteKeyStore(":memory:")
        store.close()
        with pytest.raises(StorageError, match="key store failed"):
            store.get("x")

    def test_synchronous_is_checked(self, tmp_path: Path):
        """Only 'full' and 'normal' are accepted; a file store runs in WAL mode."""
        with pytest.raises(StorageError, match="synchronous"):
            SqliteKeyStore(tmp_path / "k.db", synchronous="off")
        store = SqliteKeyStore(tmp_path / "k.db", synchronous="normal")
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        store.close()

    def test_replace(self):
        """replace overwrites the stored wrapped key."""
        store = SqliteKeyStore(":memory:")
        store.add("a", b"1")
        store.replace("a", b"2")
        assert store.get("a") == b"2"
        assert sqlite3.sqlite_version  # the stdlib module the store uses


class TestCodec:
    def test_sealed_body_hides_personal_data_and_round_trips(self):
        """Payload and reason are sealed; the envelope stays readable; decode restores it."""
        codec = SealingCodec(vault())
        body = codec.encode(event())
        assert b"Siti" not in body
        assert b"3374014508900001" not in body
        data = json.loads(body)
        assert data["case_id"] == "case-1"
        assert data["payload"]["type"] == "case_returned"
        assert "reason" not in data
        assert codec.decode(body) == event()

    def test_sealed_part_cannot_move_to_another_event(self):
        """Swapping the sealed part into another version's envelope is detected."""
        codec = SealingCodec(vault())
        two, three = json.loads(codec.encode(event(2))), json.loads(codec.encode(event(3)))
        two["payload"] = three["payload"]
        with pytest.raises(StorageError):
            codec.decode(json.dumps(two).encode())

    def test_erased_case_cannot_be_decoded(self):
        """After destroying the case key, decoding raises CaseErasedError."""
        v = vault()
        codec = SealingCodec(v)
        body = codec.encode(event())
        v.destroy("case-1")
        with pytest.raises(CaseErasedError, match="erased"):
            codec.decode(body)

    def test_ciphertext_is_fresh_each_time(self):
        """Two encodings of one event differ (random nonce), both decode."""
        codec = SealingCodec(vault())
        a, b = codec.encode(event()), codec.encode(event())
        assert a != b
        sealed = base64.b64decode(json.loads(a)["payload"]["sealed"])
        assert len(sealed) > 12

    def test_erasure_event_stays_in_clear(self):
        """The erasure event is stored in clear and decodes without any key."""
        v = vault()
        codec = SealingCodec(v)
        erased = Event(
            case_id="case-1",
            version=3,
            at=datetime(2026, 1, 5, tzinfo=UTC),
            actor_id="mgr",
            role=Role.MANAGER,
            payload=CaseErased(request_ref="PDP-1"),
        )
        body = codec.encode(erased)
        assert b"PDP-1" in body
        v.destroy("case-1")
        assert codec.decode(body) == erased
        assert v.keys.get("case-1") is None  # encoding it made no key

    def test_events_with_nothing_to_hide_stay_in_clear(self):
        """A payload without fields and no reason is not sealed; with a reason it is."""
        codec = SealingCodec(vault())
        bare = Event(
            case_id="case-1",
            version=2,
            at=datetime(2026, 1, 5, tzinfo=UTC),
            actor_id="fac",
            role=Role.FACILITATOR,
            payload=CaseSubmitted(),
        )
        assert "sealed" not in json.loads(codec.encode(bare))["payload"]
        assert codec.decode(codec.encode(bare)) == bare
        with_reason = attrs.evolve(bare, reason="Siti asked")
        assert "sealed" in json.loads(codec.encode(with_reason))["payload"]

    def test_plain_codec_is_canonical_json(self):
        """PlainCodec writes what the stores wrote before encryption existed."""
        e = Event(
            case_id="c",
            version=2,
            at=datetime(2026, 1, 5, tzinfo=UTC),
            actor_id="a",
            role=Role.FACILITATOR,
            payload=CaseSubmitted(),
        )
        codec = PlainCodec()
        assert codec.decode(codec.encode(e)) == e
        with pytest.raises(StorageError, match="stored in clear"):
            codec.erase("c")
