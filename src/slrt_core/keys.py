"""Where the master key comes from: the key-provider port and its adapters.

Personal data is sealed at rest by default (:mod:`slrt_core.crypto`): every case has its
own data key, kept wrapped by a *master key*. A :class:`KeyProvider` supplies that master
key:

- :class:`KeyFile` (the embedded default): a file beside the database, created on first
  use with 32 random bytes and mode 0600; refused when others may read it.
- :class:`EnvironmentKey`: the key in an environment variable (base64), as container
  platforms inject secrets.
- :class:`SecretFile`: a key file that something else manages (a mounted secret such as
  ``/run/secrets/slrt-master-key``), never created or changed here.

:func:`sealing_codec` wires a provider, the master key and a key store beside the
database into the codec a store seals with.

Back the key up, apart from the database: **a lost master key is lost data** (every
sealed case becomes unreadable, exactly as an erased one), and a copy stored with the
database backups protects nothing. Restoring a backup of the key store brings back the
keys of cases erased since that backup: shred key-store backups on the same schedule as
erasures (docs/explanation/security-privacy.md).

Examples:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> key = KeyFile(folder / "slrt.sqlite.key").master_key()
    >>> len(key), oct((folder / "slrt.sqlite.key").stat().st_mode & 0o777)
    (32, '0o600')
    >>> KeyFile(folder / "slrt.sqlite.key").master_key() == key
    True

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import Protocol

from slrt_core.crypto import SealingCodec, SqliteKeyStore, StaticKeyring, SubjectVault
from slrt_core.errors import StorageError

__all__ = ["EnvironmentKey", "KeyFile", "KeyProvider", "SecretFile", "sealing_codec"]

_KEY_BYTES = 32


class KeyProvider(Protocol):
    """**Protocol**: Supplies the master key that wraps every case's data key.

    .. versionadded:: 0.1.0
    """

    def master_key(self) -> bytes:
        """The 32 bytes of the master key."""
        ...


def _refuse(en: str, id_: str) -> StorageError:
    return StorageError(en, message_id=id_)


def _read_key(path: Path) -> bytes:
    """The key in *path* (32 raw bytes or their base64), refused if others may read it."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            msg = (
                f"The master key file {str(path)!r} may be read by other users (mode "
                f"{oct(mode & 0o777)}). Allow only its owner: chmod 600 {path.name}."
            )
            msg_id = (
                f"Berkas kunci induk {str(path)!r} dapat dibaca pengguna lain (mode "
                f"{oct(mode & 0o777)}). Izinkan hanya pemiliknya: chmod 600 {path.name}."
            )
            raise _refuse(msg, msg_id)
        data = path.read_bytes()
    except OSError as exc:
        msg = f"Cannot read the master key file {str(path)!r}: {exc}. Check the path."
        msg_id = f"Berkas kunci induk {str(path)!r} tidak dapat dibaca: {exc}. Periksa jalurnya."
        raise _refuse(msg, msg_id) from exc
    return _key_from(data.strip() if len(data) != _KEY_BYTES else data, str(path))


def _key_from(data: bytes, where: str) -> bytes:
    if len(data) == _KEY_BYTES:
        return data
    try:
        key = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        msg = (
            f"The master key in {where} is not 32 bytes (raw, or base64 of 32 bytes). Restore "
            "the key from its backup; without it the sealed data cannot be read."
        )
        msg_id = (
            f"Kunci induk di {where} tidak 32 byte (mentah, atau base64 dari 32 byte). "
            "Pulihkan kunci dari cadangannya; tanpa kunci itu data tersegel tidak dapat dibaca."
        )
        raise _refuse(msg, msg_id)
    return key


class KeyFile:
    """The embedded default: a key file beside the database, created on first use.

    The file is created with 32 random bytes and mode 0600 (owner only), atomically (a
    private temporary file linked into place), so two processes opening a new database
    at once agree on one key and neither reads a partial file. An existing file that
    group or others may read is refused.

    Args:
        path: the key file, such as ``slrt.sqlite.key``.

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def master_key(self) -> bytes:
        """The key in the file, after creating the file if it does not exist.

        Raises:
            StorageError: the file is readable by others, unreadable, or not a key.
        """
        if self.path.exists():
            return _read_key(self.path)
        # Written whole to a private temporary file, then linked into place: the link
        # fails if another process got there first, and nobody ever reads a partial key.
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(_KEY_BYTES))
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(FileExistsError):  # another process won: use theirs
                os.link(temporary, self.path)
        except OSError as exc:
            msg = f"Cannot create the master key file {str(self.path)!r}: {exc}."
            msg_id = f"Berkas kunci induk {str(self.path)!r} tidak dapat dibuat: {exc}."
            raise _refuse(msg, msg_id) from exc
        finally:
            temporary.unlink(missing_ok=True)
        return _read_key(self.path)


class SecretFile:
    """A key file managed elsewhere (a mounted secret); read, never created.

    Args:
        path: the secret's file; 32 raw bytes or their base64.

    .. versionadded:: 0.1.0
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def master_key(self) -> bytes:
        """The key in the file.

        Raises:
            StorageError: the file is missing, readable by others, or not a key.
        """
        return _read_key(self.path)


class EnvironmentKey:
    """The master key from an environment variable, base64 of 32 bytes.

    Args:
        variable: the variable's name.

    Examples:
        >>> import base64, os
        >>> os.environ["SLRT_EXAMPLE_KEY"] = base64.b64encode(bytes(32)).decode()
        >>> EnvironmentKey("SLRT_EXAMPLE_KEY").master_key() == bytes(32)
        True

    .. versionadded:: 0.1.0
    """

    def __init__(self, variable: str = "SLRT_MASTER_KEY") -> None:
        self.variable = variable

    def master_key(self) -> bytes:
        """The key in the variable.

        Raises:
            StorageError: the variable is not set or does not hold a key.
        """
        value = os.environ.get(self.variable)
        if not value:
            msg = (
                f"The environment variable {self.variable} holding the master key is not set. "
                "Set it to the base64 of the 32-byte key (from its backup)."
            )
            msg_id = (
                f"Variabel lingkungan {self.variable} berisi kunci induk belum diisi. Isi "
                "dengan base64 dari kunci 32 byte (dari cadangannya)."
            )
            raise _refuse(msg, msg_id)
        return _key_from(value.strip().encode(), f"${self.variable}")


def sealing_codec(database: str | Path, *, keys: KeyProvider | None = None) -> SealingCodec:
    """The codec that seals a file store's personal data, with its key store beside it.

    The per-case data keys are kept in ``<database>.keys`` (a
    :class:`~slrt_core.crypto.SqliteKeyStore`), wrapped by the master key of *keys*
    (:class:`KeyFile` ``<database>.key`` by default).

    Args:
        database: the database file.
        keys: where the master key comes from.
    """
    path = Path(database)
    provider = keys if keys is not None else KeyFile(path.with_name(path.name + ".key"))
    keyring = StaticKeyring({1: provider.master_key()})
    return SealingCodec(SubjectVault(keyring, SqliteKeyStore(path.with_name(path.name + ".keys"))))
