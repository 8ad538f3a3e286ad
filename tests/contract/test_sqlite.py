"""The store contract, run against SQLite: a file per store (reopened), and ``:memory:``."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import tempfile
from pathlib import Path

from slrt_core.adapters import SqliteStore
from slrt_core.adapters.basics import PlainCodec
from slrt_core.ports import EventCodec, Store
from slrt_core.testing import StoreContract


class TestSqliteFileStore(StoreContract):
    """SqliteStore on a file keeps every promise, also after closing and opening it again."""

    def setup_method(self) -> None:
        self._dirs: list[Path] = []
        self._paths: dict[int, Path] = {}

    def teardown_method(self) -> None:
        for directory in self._dirs:
            shutil.rmtree(directory, ignore_errors=True)

    def _open(self, path: Path) -> SqliteStore:
        # The plaintext file store: the contract reads record bodies as plain events. The
        # sealed default is tested in tests/unit/security.
        store = SqliteStore(path, codec=PlainCodec())
        self._paths[id(store)] = path
        return store

    def make_store(self) -> Store:
        directory = Path(tempfile.mkdtemp(prefix="slrt-contract-"))
        self._dirs.append(directory)
        return self._open(directory / "slrt.db")

    def reopen(self, store: Store) -> Store:
        assert isinstance(store, SqliteStore)
        path = self._paths.pop(id(store))
        store.close()
        return self._open(path)

    def make_sealed_store(self, codec: EventCodec) -> Store:
        directory = Path(tempfile.mkdtemp(prefix="slrt-contract-"))
        self._dirs.append(directory)
        store = SqliteStore(directory / "slrt.db", codec=codec)
        self._paths[id(store)] = directory / "slrt.db"
        return store

    def damage(self, store: Store, case_id: str, version: int) -> Store:
        with contextlib.closing(sqlite3.connect(self._paths[id(store)])) as conn:
            conn.execute(
                "UPDATE events SET body = ? WHERE case_id = ? AND version = ?",
                (b"{", case_id, version),
            )
            conn.commit()
        return self.reopen(store)


class TestSqliteMemoryStore(StoreContract):
    """SqliteStore on a private ":memory:" database keeps every promise."""

    def make_store(self) -> Store:
        return SqliteStore(":memory:")

    def make_sealed_store(self, codec: EventCodec) -> Store:
        return SqliteStore(":memory:", codec=codec)
