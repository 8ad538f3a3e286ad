r"""Free text at the boundary: one policy for every field that people type.

Every free-text value that enters the library (a name, findings, a note, a reason) is
normalised to Unicode NFC, so that a name typed with decomposed accents and one typed
precomposed are the same text, and is refused with a clear
:class:`~slrt_core.errors.InvalidInputError` when it holds:

- a lone surrogate (half of a UTF-16 pair, such as ``"\ud800"``): no database can
  store it;
- NUL or another control character (tab, line feed and carriage return are allowed in
  multi-line fields such as findings and notes);
- in one-line fields (names, ids, codes), an invisible format character: zero-width
  spaces and joiners, the byte-order mark, bidirectional overrides;
- more characters than the field's limit.

The limits are per field, documented in :data:`DEFAULT_LIMITS`, and configurable: build a
:class:`TextPolicy` with your own (``TextPolicy(limits={"name": 120})``); a field without a
limit of its own gets :attr:`TextPolicy.default_limit`.

Examples:
    >>> clean_text("Sri\u0301 Rahayu", "name") == "Srí Rahayu"
    True
    >>> clean_text("abc\x00def", "name")
    Traceback (most recent call last):
    ...
    slrt_core.errors.InvalidInputError: 1 problem in the text:
      - name: The name holds a control character (U+0000 at position 4). Remove it; copy the text again without it.
    >>> TextPolicy(limits={"name": 3}).problems("Budi", "name")[0].message  # doctest: +ELLIPSIS
    'The name is 4 characters long; at most 3 are allowed. Shorten it.'

.. versionadded:: 0.1.0
"""  # noqa: E501 - doctest output is one line

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import overload

import attrs

from slrt_core.errors import InvalidInputError, Problem

__all__ = ["DEFAULT_LIMITS", "DEFAULT_TEXT_POLICY", "TextPolicy", "clean_text", "nfc"]

#: The default limits, in characters, per field. Names and ids are one line; the others
#: may hold several lines.
DEFAULT_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "name": 200,
        "member_id": 64,
        "program": 64,
        "description": 2_000,
        "how": 2_000,
        "findings": 20_000,
        "note": 4_000,
        "reason": 2_000,
        "legal_reference": 500,
        "evidence": 500,
    }
)

#: Fields that may hold several lines (tab, line feed and carriage return allowed).
MULTILINE_FIELDS = frozenset({"description", "findings", "how", "note", "reason"})

# Lone surrogates, NUL and other C0/C1 controls, except tab, LF and CR.
_MULTILINE_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The same plus tab, LF, CR and the invisible format characters (zero-width space and
# joiners, soft hyphen, bidirectional marks and overrides, word joiner, BOM).
_ONE_LINE_BAD = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff]"
)

_WORDS = {
    "name": ("name", "nama"),
    "member_id": ("member id", "id anggota"),
    "program": ("program code", "kode program"),
    "description": ("description", "uraian"),
    "how": ("account of how it was solved", "uraian penyelesaian"),
    "findings": ("findings", "temuan"),
    "note": ("note", "catatan"),
    "reason": ("reason", "alasan"),
    "legal_reference": ("legal reference", "dasar hukum"),
    "evidence": ("evidence", "bukti"),
}


def nfc(value: object) -> object:
    """*value* normalised to NFC when it is text (an attrs converter); else unchanged.

    Text with a lone surrogate is left as it is, for the check to refuse it by name.
    """
    if not isinstance(value, str) or value.isascii():
        return value
    try:
        return unicodedata.normalize("NFC", value)
    except UnicodeError:  # pragma: no cover - normalize accepts surrogates today
        return value


def _with_defaults(limits: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType({**DEFAULT_LIMITS, **limits})


@attrs.frozen(kw_only=True)
class TextPolicy:
    """Limits and hygiene for free text, per field.

    Args:
        limits: the most characters each named field may hold (see
            :data:`DEFAULT_LIMITS`); fields not named get *default_limit*.
        default_limit: the limit of any other field.

    .. versionadded:: 0.1.0
    """

    limits: Mapping[str, int] = attrs.field(default=DEFAULT_LIMITS, converter=_with_defaults)
    default_limit: int = 4_000

    def limit(self, field: str) -> int:
        """The most characters *field* may hold."""
        return self.limits.get(field, self.default_limit)

    def problems(
        self, value: object, field: str, *, path: str | None = None, lengths: bool = True
    ) -> list[Problem]:
        """Every problem with *value* as the text of *field* (empty when it is fine).

        Args:
            value: the text, already normalised (see :func:`nfc`).
            field: the field's name, which chooses its limit and whether it is one line.
            path: where the problems are reported; defaults to *field*.
            lengths: whether to check the length too (a stored value, read back, is
                checked for its characters only: limits apply to new input).
        """
        where = field if path is None else path
        en, id_ = _WORDS.get(field, (field.replace("_", " "), field.replace("_", " ")))
        if not isinstance(value, str):
            return [
                Problem(
                    where,
                    f"The {en} must be text; got a {type(value).__name__}. Pass a string.",
                    f"Isian {id_} harus berupa teks; diterima {type(value).__name__}. "
                    "Berikan sebuah string.",
                )
            ]
        problems: list[Problem] = []
        bad = (_MULTILINE_BAD if field in MULTILINE_FIELDS else _ONE_LINE_BAD).search(value)
        if bad is not None:
            char = bad.group()
            at = f"U+{ord(char):04X} at position {bad.start() + 1}"
            at_id = f"U+{ord(char):04X} pada posisi {bad.start() + 1}"
            if 0xD800 <= ord(char) <= 0xDFFF:  # noqa: PLR2004 - the surrogate block
                problems.append(
                    Problem(
                        where,
                        f"The {en} holds half of a UTF-16 surrogate pair ({at}), which is "
                        "not a character. Copy the text again from its source.",
                        f"Isian {id_} memuat separuh pasangan pengganti UTF-16 ({at_id}), "
                        "yang bukan karakter. Salin ulang teks dari sumbernya.",
                    )
                )
            elif unicodedata.category(char) == "Cc":
                problems.append(
                    Problem(
                        where,
                        f"The {en} holds a control character ({at}). Remove it; copy the "
                        "text again without it.",
                        f"Isian {id_} memuat karakter kendali ({at_id}). Hapus karakter itu; "
                        "salin ulang teks tanpanya.",
                    )
                )
            else:
                problems.append(
                    Problem(
                        where,
                        f"The {en} holds an invisible formatting character ({at}), such as "
                        "a zero-width space. Remove it.",
                        f"Isian {id_} memuat karakter format tak terlihat ({at_id}), "
                        "misalnya spasi lebar nol. Hapus karakter itu.",
                    )
                )
        limit = self.limit(field)
        if lengths and len(value) > limit:
            problems.append(
                Problem(
                    where,
                    f"The {en} is {len(value)} characters long; at most {limit} are allowed. "
                    "Shorten it.",
                    f"Isian {id_} sepanjang {len(value)} karakter; paling banyak {limit}. "
                    "Persingkat isian itu.",
                )
            )
        return problems

    def clean(self, value: object, field: str, *, path: str | None = None) -> str:
        """*value* normalised to NFC, or raise listing its problems.

        Raises:
            InvalidInputError: *value* is not text, holds a lone surrogate, NUL, a control
                or (one-line fields) an invisible format character, or is too long.
        """
        text = nfc(value)
        problems = self.problems(text, field, path=path)
        if problems:
            raise InvalidInputError(problems, subject="the text")
        assert isinstance(text, str)  # noqa: S101 - problems() refused anything else
        return text


#: The policy with :data:`DEFAULT_LIMITS`.
DEFAULT_TEXT_POLICY = TextPolicy()


@overload
def clean_text(
    value: None, field: str, *, policy: TextPolicy = ..., path: str | None = ...
) -> None: ...
@overload
def clean_text(
    value: object, field: str, *, policy: TextPolicy = ..., path: str | None = ...
) -> str: ...
def clean_text(
    value: object, field: str, *, policy: TextPolicy = DEFAULT_TEXT_POLICY, path: str | None = None
) -> str | None:
    """*value* as clean text of *field* under *policy* (see :meth:`TextPolicy.clean`).

    ``None`` (an optional argument not given) stays ``None``, so one call serves
    required and optional fields alike.

    Raises:
        InvalidInputError: see :meth:`TextPolicy.clean`.

    Examples:
        >>> clean_text(None, "note") is None, clean_text("Sudah.", "note")
        (True, 'Sudah.')
    """
    if value is None:
        return None
    return policy.clean(value, field, path=path)
