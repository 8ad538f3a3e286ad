"""Integration fixtures: the shared PostgreSQL server and a backend per store kind.

``backend`` runs a test once on a SQLite file and once on a fresh PostgreSQL schema
(marked ``postgres``); the PostgreSQL server starts only when such a test runs.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from tests.postgres_fixture import fresh_schema, open_store, postgres_server

from slrt_core.ports import Store

__all__ = ["Backend", "backend", "postgres_server"]


@attrs.frozen
class Backend:
    """A database several stores (in this or other processes) can open: its kind and spec."""

    kind: str
    spec: str

    def open(self, **options: object) -> Store:
        """A new store on the database."""
        return open_store(self.spec, **options)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A fresh, empty database: a SQLite file, or a schema on the session's PostgreSQL."""
    if request.param == "sqlite":
        return Backend("sqlite", str(tmp_path / "slrt.db"))
    server = request.getfixturevalue("postgres_server")
    return Backend("postgres", fresh_schema(server))
