"""A throwaway PostgreSQL server for tests, started from the machine's own binaries.

:class:`PostgresServer` runs ``initdb`` and ``pg_ctl`` on a new data directory in a
temporary folder, listens on ``127.0.0.1`` and a free port, and removes everything
when closed. When the process runs as root (as on CI machines), the server runs as the
``postgres`` OS user through ``runuser -u postgres --``, because PostgreSQL refuses to
run as root. Durability settings (``fsync``, ``synchronous_commit``) keep the server's
defaults, so crash tests see what a real deployment would; only ``initdb`` skips its
own final flush (``--no-sync``), as the folder is thrown away after the tests.

The binaries are found with ``pg_config --bindir`` (or ``SLRT_PG_BINDIR``).
:meth:`PostgresServer.unavailable_reason` says why a server cannot start here, so a
test suite can skip, or fail under CI, with that reason.

Examples:
    A typical session fixture::

        reason = PostgresServer.unavailable_reason()
        if reason:
            pytest.skip(reason)
        with PostgresServer() as server:
            store = PostgresStore(server.create_database("t1"))
            ...
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = ["PostgresServer", "PostgresServerError"]

#: Environment variable naming the folder with ``initdb``, ``pg_ctl`` and ``postgres``.
BINDIR_ENV = "SLRT_PG_BINDIR"

_SUPERUSER = "postgres"


class PostgresServerError(RuntimeError):
    """The throwaway server could not be set up, started or stopped.

    .. versionadded:: 0.1.0
    """


def _find_bindir() -> Path | None:
    env = os.environ.get(BINDIR_ENV)
    if env:
        return Path(env)
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        out = subprocess.run(  # noqa: S603 - a fixed program found on PATH
            [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


class PostgresServer:
    """A PostgreSQL server of its own, in a temporary folder, for one test session.

    Args:
        bindir: the folder with ``initdb`` and ``pg_ctl``; found with ``pg_config``
            (or the ``SLRT_PG_BINDIR`` variable) by default.
        port: the TCP port on ``127.0.0.1``; a free one by default.
        settings: extra server settings (``-c name=value``), e.g. ``{"max_connections": "200"}``.

    The server starts when the object is entered as a context manager or when
    :meth:`start` is called, and is stopped and deleted by :meth:`close`.

    Raises:
        PostgresServerError: the binaries are missing or the server does not start;
            the message says why.
    """

    def __init__(
        self,
        *,
        bindir: str | Path | None = None,
        port: int | None = None,
        settings: dict[str, str] | None = None,
    ) -> None:
        self._bindir = Path(bindir) if bindir is not None else _find_bindir()
        self._fixed_port = port is not None
        self.port = port if port is not None else _free_port()
        self.host = "127.0.0.1"
        self.user = _SUPERUSER
        self._settings = {"max_connections": "200", **(settings or {})}
        self._root: Path | None = None
        self._running = False

    # ------------------------------------------------------------------ availability

    @classmethod
    def unavailable_reason(cls, bindir: str | Path | None = None) -> str | None:
        """Why a server cannot be started on this machine, or ``None`` if it can.

        Args:
            bindir: the folder to check instead of the one ``pg_config`` names.
        """
        found = Path(bindir) if bindir is not None else _find_bindir()
        if found is None:
            return (
                "PostgreSQL binaries not found: `pg_config` is not on PATH and "
                f"{BINDIR_ENV} is not set. Install the PostgreSQL server package "
                "(e.g. `apt-get install postgresql`) to run these tests."
            )
        missing = [p for p in ("initdb", "pg_ctl") if not (found / p).is_file()]
        if missing:
            return (
                f"PostgreSQL binaries incomplete: {', '.join(missing)} missing in {found} "
                f"(from {BINDIR_ENV} or `pg_config --bindir`). Install the PostgreSQL server "
                "package."
            )
        if _is_root():
            if shutil.which("runuser") is None:
                return "Running as root needs `runuser` to start PostgreSQL as another user."
            try:
                import pwd  # noqa: PLC0415 - POSIX only

                pwd.getpwnam(_SUPERUSER)
            except KeyError:
                return (
                    "Running as root needs a `postgres` OS user to start PostgreSQL "
                    "(PostgreSQL refuses to run as root)."
                )
        return None

    # ------------------------------------------------------------------ life cycle

    @property
    def running(self) -> bool:
        """Whether the server is up (as far as this object started it)."""
        return self._running

    @property
    def data_dir(self) -> Path:
        """The server's data directory (exists once :meth:`start` has run)."""
        if self._root is None:
            msg = "The server has not been started yet; call start() first."
            raise PostgresServerError(msg)
        return self._root / "data"

    def start(self) -> Self:
        """Create the data directory on first use, then start the server and wait for it.

        Returns:
            The server, so ``server = PostgresServer().start()`` reads well.
        """
        if self._running:
            return self
        reason = self.unavailable_reason(self._bindir)
        if reason is not None:
            raise PostgresServerError(reason)
        # Should the caller forget close(), stop the server when the interpreter exits.
        atexit.register(self.close)
        first = self._root is None
        try:
            self._start(first=first)
        except BaseException:
            if first:  # nothing worth keeping: remove the half-made folder
                self.close()
            raise
        self._running = True
        return self

    def _start(self, *, first: bool) -> None:
        if first:
            self._root = Path(tempfile.mkdtemp(prefix="slrt-pg-"))
            if _is_root():
                shutil.chown(self._root, user=_SUPERUSER)
            self._run(
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                self.user,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                # initdb's own final flush only; the server keeps fsync on.
                "--no-sync",
            )
        retries = 0 if self._fixed_port else 2
        while True:
            try:
                self._pg_ctl_start()
            except PostgresServerError as exc:
                # Another program took the free port between choosing it and binding it.
                if retries == 0 or "could not bind" not in str(exc):
                    raise
                retries -= 1
                self.port = _free_port()
            else:
                break

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``pg_ctl stop -m mode``); the data directory stays for :meth:`start`.

        Args:
            mode: ``"smart"``, ``"fast"`` (default: disconnect clients, roll back their
                open transactions) or ``"immediate"`` (like a crash; recovery on restart).
        """
        if not self._running:
            return
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop")
        self._running = False

    def close(self) -> None:
        """Stop the server if it runs and delete its folder; safe to call twice.

        The server stops in ``immediate`` mode (no shutdown checkpoint): its data is
        deleted next, so flushing it first would only cost time.
        """
        try:
            if self._running:
                self.stop("immediate")
            elif self._root is not None and (self.data_dir / "postmaster.pid").exists():
                # A start that failed half-way may have left a postmaster behind.
                with contextlib.suppress(PostgresServerError):
                    self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop")
        finally:
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
                self._root = None
            self._running = False
            atexit.unregister(self.close)

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ connecting

    def url(self, dbname: str = "postgres") -> str:
        """A ``postgresql://`` URL for *dbname* on this server."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """Create the database *name* (dropping any of that name) and return its URL.

        Needs the ``postgres`` extra (psycopg).
        """
        if not name.replace("_", "").isalnum():
            msg = f"Database name {name!r} must be letters, digits and underscores."
            raise PostgresServerError(msg)
        import psycopg  # noqa: PLC0415 - an optional extra

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def log(self) -> str:
        """The server log so far (empty before the first start)."""
        if self._root is None:
            return ""
        path = self._root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # ------------------------------------------------------------------ helpers

    def _pg_ctl_start(self) -> None:
        options = " ".join(
            [
                f"-c listen_addresses={self.host}",
                f"-p {self.port}",
                f"-c unix_socket_directories={self._root}",
                *(f"-c {k}={v}" for k, v in self._settings.items()),
            ]
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.data_dir.parent / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def _run(self, program: str, *args: str) -> None:
        if self._bindir is None:  # pragma: no cover - start() checked availability
            msg = "PostgreSQL binaries not found."
            raise PostgresServerError(msg)
        command = [str(self._bindir / program), *args]
        if _is_root():
            command = ["runuser", "-u", _SUPERUSER, "--", *command]
        try:
            done = subprocess.run(  # noqa: S603 - fixed programs, arguments built here
                command,
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
                cwd=self._root,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            msg = f"Running {program} failed: {exc}."
            raise PostgresServerError(msg) from exc
        if done.returncode != 0:
            log = self.log()[-2000:]
            msg = (
                f"{program} exited with status {done.returncode}: "
                f"{(done.stderr or done.stdout).strip()}" + (f"\nServer log:\n{log}" if log else "")
            )
            raise PostgresServerError(msg)
