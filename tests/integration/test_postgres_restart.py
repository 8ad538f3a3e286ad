"""PostgreSQL stopped and restarted under a running app: clear errors, then business as usual.

The restart tests share a server of their own (stopping the session's server would
disturb other tests), each on a fresh schema, and stop it in the middle of work:

- a command waiting inside its transaction when the server goes down fails with a
  :class:`~slrt_core.StorageError` that says nothing was committed and to retry, and
  changes nothing;
- while the server is down, commands fail fast with ``StorageError``; once it is back,
  the next command succeeds on the same store (the pool drops its dead connections);
- workers that retry each failed command with the same idempotency key through a crash
  (``pg_ctl stop -m immediate``) and restart end with every command stored exactly once.

The helper :class:`~slrt_core.testing.postgres.PostgresServer` itself is tested at the
end with stand-in scripts.
"""

from __future__ import annotations

import pwd
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from tests.postgres_fixture import fresh_schema, require_postgres

from slrt_core import Need, Sector, Slrt, StorageError
from slrt_core.adapters.postgres import PostgresStore
from slrt_core.audit import verify
from slrt_core.case import replay
from slrt_core.ports import Commit
from slrt_core.testing import postgres as pg_helper
from slrt_core.testing import sample_directory, sample_household, sample_staff
from slrt_core.testing.postgres import PostgresServer, PostgresServerError
from slrt_core.vocabulary import Channel, ComplaintKind

pg = pytest.mark.postgres

WORKERS = 3
COMMANDS = 30  # per worker


@pytest.fixture(scope="module")
def own_server() -> Iterator[PostgresServer]:
    """A server of this module's own, stopped and removed afterwards whatever happens."""
    require_postgres()
    pg = PostgresServer()
    try:
        pg.start()
        yield pg
    finally:
        pg.close()


@pytest.fixture
def server(own_server: PostgresServer) -> Iterator[PostgresServer]:
    """The module's server, running again after the test whatever the test did to it."""
    own_server.start()
    try:
        yield own_server
    finally:
        own_server.start()


@pytest.fixture
def url(server: PostgresServer) -> str:
    """A fresh schema on the module's server."""
    return fresh_schema(server)


def _register(slrt: Slrt, name: str) -> str:
    return slrt.register(
        sample_staff().facilitator,
        sample_household(),
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HEALTH, description=f"registered by {name}")],
        idempotency_key=f"register-{name}",
    ).case_id


def _need(slrt: Slrt, case_id: str, key: str) -> None:
    slrt.record_need(
        sample_staff().facilitator,
        case_id,
        Need(sector=Sector.EDUCATION, description=key),
        idempotency_key=key,
    )


@pg
@pytest.mark.slow
def test_command_in_flight_fails_with_storage_error_and_commits_nothing(
    server: PostgresServer, url: str
) -> None:
    """A command inside its transaction when the server stops raises StorageError; nothing lands."""
    store = PostgresStore(url, timeout=2)
    try:
        slrt = Slrt(store=store, directory=sample_directory())
        case_id = _register(slrt, "w")
        # Another session holds the audit chain lock, so the command waits in flight.
        blocker = psycopg.connect(url)
        try:
            blocker.execute("SELECT 1 FROM audit_head FOR UPDATE")
            failure: list[BaseException] = []

            def command() -> None:
                try:
                    _need(slrt, case_id, "in-flight")
                except BaseException as exc:  # noqa: BLE001 - inspected by the test
                    failure.append(exc)

            worker = threading.Thread(target=command)
            worker.start()
            _wait_until_waiting_for_lock(server)
            # Immediate: every session dies at once. (In fast mode the blocker's exit can
            # free the lock before the waiting command is told to stop, so it may commit.)
            server.stop("immediate")
            worker.join(timeout=30)
            assert not worker.is_alive()
        finally:
            blocker.close()
        assert len(failure) == 1
        error = failure[0]
        assert isinstance(error, StorageError)
        # It died waiting for the lock, before COMMIT: the message says so, and to retry.
        message = str(error)
        assert "Nothing was committed" in message
        assert "retry" in message.lower()
        assert isinstance(error.__cause__, psycopg.OperationalError)

        server.start()  # after crash recovery
        assert store.load(case_id).version == 1
        assert store.idempotency("in-flight") is None
        _need(slrt, case_id, "in-flight")  # the retry succeeds, once
        assert [n.description for n in store.load(case_id).needs] == [
            "registered by w",
            "in-flight",
        ]
        assert verify(store.audit_records()).ok
    finally:
        store.close()


def _wait_until_waiting_for_lock(server: PostgresServer) -> None:
    deadline = time.monotonic() + 10
    with psycopg.connect(server.url(), autocommit=True) as watcher:
        while time.monotonic() < deadline:
            row = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            ).fetchone()
            if row is not None and row[0] > 0:
                return
            time.sleep(0.02)
    pytest.fail("the command never waited for the audit chain lock")


@pg
@pytest.mark.slow
def test_server_down_fails_fast_then_the_same_store_recovers(
    server: PostgresServer, url: str
) -> None:
    """With the server down commands raise StorageError quickly; after restart they succeed."""
    store = PostgresStore(url, timeout=1, min_size=2, max_size=4)
    try:
        slrt = Slrt(store=store, directory=sample_directory())
        case_id = _register(slrt, "w")
        case = store.load(case_id)
        server.stop("fast")
        with pytest.raises(StorageError, match="Nothing was committed"):
            store.commit(Commit(case=case, expected_version=case.version, events=()))
        started = time.monotonic()
        with pytest.raises(StorageError) as down:
            _need(slrt, case_id, "while-down")
        assert time.monotonic() - started < 10
        assert "PostgreSQL" in str(down.value)
        assert "retry" in str(down.value).lower()
        with pytest.raises(StorageError):
            store.load(case_id)

        server.start()
        _retry(lambda: _need(slrt, case_id, "after-restart"))
        _need(slrt, case_id, "and-then")
        case = store.load(case_id)
        assert [n.description for n in case.needs[1:]] == ["after-restart", "and-then"]
        assert store.idempotency("while-down") is None
        assert verify(store.audit_records()).ok
    finally:
        store.close()


def _retry(command: object, *, seconds: float = 30) -> int:
    """Run *command* until it succeeds, retrying on StorageError; returns the failures."""
    failures = 0
    deadline = time.monotonic() + seconds
    while True:
        try:
            command()  # type: ignore[operator]
        except StorageError:
            failures += 1
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        else:
            return failures


@pg
@pytest.mark.slow
def test_workers_through_a_crash_and_restart_lose_and_duplicate_nothing(
    server: PostgresServer, url: str
) -> None:
    """Workers retrying with idempotency keys through a server crash store each command once."""
    store = PostgresStore(url, timeout=1, min_size=2, max_size=WORKERS + 1)
    try:
        slrt = Slrt(store=store, directory=sample_directory())
        cases = [_register(slrt, f"w{i}") for i in range(WORKERS)]
        done = [0] * WORKERS
        failures = [0] * WORKERS
        errors: list[BaseException] = []
        # Worker 0 waits halfway for the crash, so that at least one command meets the
        # server down however fast the others run; they keep going and may be cut off
        # mid-command.
        paused, crashed = threading.Event(), threading.Event()

        def work(i: int) -> None:
            try:
                for k in range(COMMANDS):
                    if i == 0 and k == COMMANDS // 2:
                        paused.set()
                        crashed.wait(timeout=60)
                    key = f"w{i}-{k}"
                    failures[i] += _retry(lambda key=key: _need(slrt, cases[i], key))
                    done[i] += 1
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
        for t in threads:
            t.start()
        assert paused.wait(timeout=30), "worker 0 never got halfway"
        server.stop("immediate")  # a crash: no checkpoint, clients cut off mid-command
        crashed.set()
        time.sleep(0.5)
        server.start()  # crash recovery replays the WAL
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "a worker hung"
        if errors:
            raise errors[0]

        assert sum(failures) > 0, "no command saw the server go away"
        assert done == [COMMANDS] * WORKERS
        for i, case_id in enumerate(cases):
            case = store.load(case_id)
            assert [n.description for n in case.needs[1:]] == [f"w{i}-{k}" for k in range(COMMANDS)]
            assert replay(store.events(case_id)) == case
        report = verify(store.audit_records())
        assert report.ok, report.reason
        assert report.records == WORKERS * (1 + COMMANDS)
    finally:
        store.close()


# --------------------------------------------------------------------------- the helper itself


def _script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def fake_bindir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Stand-in initdb and pg_ctl scripts, run as the current user, that log their calls."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    calls = tmp_path / "calls.txt"
    _script(bindir / "initdb", f'mkdir -p "$2"; echo initdb >> "{calls}"\n')
    _script(
        bindir / "pg_ctl",
        f'echo "$*" >> "{calls}"\n'
        'case "$*" in *" start") touch "$2/postmaster.pid";; '
        '*" stop") rm -f "$2/postmaster.pid";; esac\n'
        f'if [ -e "{tmp_path}/fail-bind" ]; then rm "{tmp_path}/fail-bind"; '
        'echo "could not bind IPv4 address" >&2; exit 1; fi\n'
        f'if [ -e "{tmp_path}/fail" ]; then echo "it broke" >&2; exit 3; fi\n',
    )
    monkeypatch.setattr(pg_helper, "_is_root", lambda: False)
    return bindir


class TestPostgresServerHelper:
    """PostgresServer finds the binaries, says why it cannot run, and drives pg_ctl."""

    def test_missing_binaries_give_a_reason(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without pg_config or with an empty bin folder the reason names what to install."""
        monkeypatch.delenv(pg_helper.BINDIR_ENV, raising=False)
        monkeypatch.setenv("PATH", str(tmp_path))
        assert "pg_config" in (PostgresServer.unavailable_reason() or "")
        assert "initdb, pg_ctl missing" in (PostgresServer.unavailable_reason(tmp_path) or "")
        with pytest.raises(PostgresServerError, match="not found"):
            PostgresServer().start()

    def test_bindir_from_pg_config_or_the_environment(
        self, tmp_path: Path, fake_bindir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The bin folder comes from SLRT_PG_BINDIR, else `pg_config --bindir`, if it works."""
        monkeypatch.setenv(pg_helper.BINDIR_ENV, str(fake_bindir))
        assert PostgresServer.unavailable_reason() is None
        monkeypatch.delenv(pg_helper.BINDIR_ENV)
        tools = tmp_path / "tools"
        tools.mkdir()
        monkeypatch.setenv("PATH", str(tools))
        _script(tools / "pg_config", f'echo "{fake_bindir}"\n')
        assert PostgresServer.unavailable_reason() is None
        _script(tools / "pg_config", "exit 1\n")
        assert "pg_config" in (PostgresServer.unavailable_reason() or "")
        _script(tools / "pg_config", "echo\n")
        assert "pg_config" in (PostgresServer.unavailable_reason() or "")

    def test_root_needs_runuser_and_a_postgres_user(
        self, fake_bindir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """As root the server runs as the postgres OS user through runuser, or cannot run."""
        monkeypatch.setattr(pg_helper, "_is_root", lambda: True)
        monkeypatch.setattr(pg_helper.shutil, "which", lambda _name: None)
        assert "runuser" in (PostgresServer.unavailable_reason(fake_bindir) or "")
        monkeypatch.setattr(pg_helper.shutil, "which", lambda name: f"/bin/{name}")

        def no_user(name: str) -> None:
            raise KeyError(name)

        monkeypatch.setattr(pwd, "getpwnam", no_user)
        assert "postgres` OS user" in (PostgresServer.unavailable_reason(fake_bindir) or "")

    def test_start_stop_and_close_drive_pg_ctl(self, fake_bindir: Path, tmp_path: Path) -> None:
        """start runs initdb once and pg_ctl start; stop and close are safe to repeat."""
        server = PostgresServer(bindir=fake_bindir, port=5999, settings={"fsync": "on"})
        with pytest.raises(PostgresServerError, match="not been started"):
            _ = server.data_dir
        assert server.log() == ""
        with server:
            assert server.running
            assert server.start() is server
            root = server.data_dir.parent
            assert server.log() == ""
            server.stop()
            server.stop()
            server.start()
        assert not server.running
        assert not root.exists()
        server.close()
        calls = (tmp_path / "calls.txt").read_text().splitlines()
        assert calls[0] == "initdb"
        assert sum(c.endswith(" start") for c in calls) == 2
        assert any("-p 5999" in c and "-c fsync=on" in c for c in calls)
        assert calls[-1].startswith(f"-D {root / 'data'} -m immediate")
        assert server.url("x") == "postgresql://postgres@127.0.0.1:5999/x"

    def test_port_taken_meanwhile_is_replaced(self, fake_bindir: Path, tmp_path: Path) -> None:
        """A free port taken before the server binds it is swapped for another one."""
        (tmp_path / "fail-bind").touch()
        with PostgresServer(bindir=fake_bindir) as server:
            assert server.running
        (tmp_path / "fail-bind").touch()
        fixed = PostgresServer(bindir=fake_bindir, port=5999)
        with pytest.raises(PostgresServerError, match="could not bind"):
            fixed.start()
        assert fixed._root is None

    def test_failures_are_reported_and_cleaned_up(
        self, fake_bindir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A failing pg_ctl raises with its output, and the half-made folder is removed."""
        (tmp_path / "fail").touch()
        server = PostgresServer(bindir=fake_bindir)
        with pytest.raises(PostgresServerError, match="status 3: it broke"), server:
            pass
        assert server._root is None
        # The half-started server was told to stop before its folder went away.
        assert (tmp_path / "calls.txt").read_text().splitlines()[-1].endswith("stop")

        def broken(*args: object, **kwargs: object) -> None:
            raise OSError("no such program")

        monkeypatch.setattr(pg_helper.subprocess, "run", broken)
        server = PostgresServer(bindir=fake_bindir)
        with pytest.raises(PostgresServerError, match="Running initdb failed"):
            server.start()
        assert server._root is None

    def test_failed_restart_keeps_the_data(self, fake_bindir: Path, tmp_path: Path) -> None:
        """A restart that fails leaves the data folder (and its log) until close()."""
        server = PostgresServer(bindir=fake_bindir).start()
        server.stop()
        (tmp_path / "fail").touch()
        with pytest.raises(PostgresServerError, match="it broke"):
            server.start()
        assert server.data_dir.exists()
        server.close()
        assert server._root is None

    def test_database_names_are_checked(self) -> None:
        """create_database refuses names that are not plain identifiers."""
        with pytest.raises(PostgresServerError, match="letters, digits"):
            PostgresServer().create_database("x; DROP")

    @pg
    def test_create_database_gives_a_fresh_database(self, postgres_server: PostgresServer) -> None:
        """create_database makes an empty database and returns its URL."""
        url = postgres_server.create_database("helper_check")
        assert url == postgres_server.url("helper_check")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("helper_check",)
            assert conn.execute("SELECT to_regclass('events')").fetchone() == (None,)
