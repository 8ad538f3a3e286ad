"""The throwaway PostgreSQL server the test session shares, fresh schemas on it, stores by spec.

Contract and integration tests import :func:`postgres_server` (a session fixture) from
here. Whichever module asks first starts the server; it is stored on the pytest config
and stopped and deleted when the session ends, whether tests passed or not.

Where the PostgreSQL binaries are missing the tests skip with the reason, except under
``CI=true``, where a missing server fails the run.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
from urllib.parse import quote

import pytest
from tests.needs import require

from slrt_core.adapters import SqliteStore
from slrt_core.ports import Store
from slrt_core.testing.postgres import PostgresServer

__all__ = ["fresh_schema", "open_store", "postgres_server", "require_postgres", "shared_server"]

_SERVER = pytest.StashKey[PostgresServer]()
_DATABASE = "postgres"
_schemas = itertools.count(1)


def _unavailable() -> str | None:
    if (
        importlib.util.find_spec("psycopg") is None
        or importlib.util.find_spec("psycopg_pool") is None
    ):
        return "psycopg and psycopg-pool are not installed: install the `postgres` extra."
    return PostgresServer.unavailable_reason()


def require_postgres() -> None:
    """Skip the calling test when PostgreSQL cannot run here; fail instead under CI=true."""
    require(_unavailable(), "PostgreSQL")


def shared_server(config: pytest.Config) -> PostgresServer:
    """The session's server, started on first use and stopped when the session ends."""
    if _SERVER in config.stash:
        return config.stash[_SERVER]
    require_postgres()
    server = PostgresServer()
    config.add_cleanup(server.close)
    server.start()
    config.stash[_SERVER] = server
    return server


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> PostgresServer:
    """The running PostgreSQL server shared by the session."""
    return shared_server(request.config)


def fresh_schema(server: PostgresServer) -> str:
    """A new, empty schema on *server*; returns a URL whose sessions use it."""
    import psycopg

    name = f"t{os.getpid()}_{next(_schemas)}"
    with psycopg.connect(server.url(_DATABASE), autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute(f"CREATE SCHEMA {name}")
    return server.url(_DATABASE) + "?options=" + quote(f"-c search_path={name}")


def open_store(spec: str, **options: object) -> Store:
    """The store a spec names: a ``postgresql://`` URL, or else a SQLite file path."""
    if spec.startswith(("postgresql://", "postgres://")):
        from slrt_core.adapters.postgres import PostgresStore

        return PostgresStore(spec, **options)  # type: ignore[arg-type]
    return SqliteStore(spec, **options)  # type: ignore[arg-type]
