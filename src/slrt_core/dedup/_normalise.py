"""Indonesian personal names: one canonical spelling, its parts and a phonetic key.

The same person is written differently by a facilitator on a home visit, a Puskesos
operator and Dukcapil: ``H. Moch. Soeharto, S.Pd.`` and ``Muhamad Suharto`` are one man.
:func:`normalise_name` maps both to ``muhamad suharto``. Each rule, in the order applied,
and where it comes from:

1. **Unicode and case** (NFC, then case folding; diacritics dropped after an NFKD
   decomposition so ``André`` and ``Andre`` agree): Unicode Standard Annex #15.
2. **Academic degrees after a comma** are dropped (``Siti Aminah, S.Pd.``): PUEBI
   (Permendikbud 50/2015) writes the *gelar belakang* after a comma; degree names follow
   Permenristekdikti 59/2018. Degrees written without the comma (``SPd``, ``SE``) are
   dropped when they are not the first word (:data:`DEGREES`).
3. **Punctuation** becomes a space, except the apostrophe, which is removed
   (``Ma'ruf`` = ``Maruf``, ``M.Yusuf`` = ``M Yusuf``).
4. **Honorifics and titles before the name** are dropped, repeatedly: pilgrim titles
   ``H.``/``Hj.`` (Haji, Hajjah), ``Ir.``, ``Dr.``, ``Drs.``, ``Prof.``, religious and
   courtesy forms (``Ust.``, ``Bpk.``, ``Ibu``, ``Ny.``, ``Alm.``); see :data:`TITLES`.
   Regional noble titles that are part of the registered name (``Teuku``, ``Cut``,
   ``Andi``, ``Raden``) are kept: Dukcapil prints them on the KK.
5. **Patronymic connectors** ``bin``/``binti`` (and ``bt``, ``bn``) are dropped; the
   father's name after them is kept as a name part.
6. **Spelling reforms**, inside each word: Van Ophuijsen (1901) and Soewandi (1947)
   spellings are mapped to EYD (1972, Keputusan Presiden 57/1972): ``oe`` -> ``u``,
   ``tj`` -> ``c``, ``dj`` -> ``j``, ``nj`` -> ``ny``, ``sj`` -> ``sy``, ``ch`` -> ``kh``;
   then the pre-1972 ``j`` (the sound *y*) and the new ``j`` are both written ``y``
   (``Jusuf`` = ``Yusuf``; ``Djoko`` = ``Joko`` = ``yoko``). The last step conflates
   the rare pairs that differ only by j/y, a price paid for old KK records.
7. **Transliteration variants** of Arabic and Javanese sounds: ``dh`` -> ``d``
   (``Ramadhan``), ``th`` -> ``t`` (``Fathur``), ``iy`` before a vowel -> ``i``
   (``Fitriyani``), a final ``y`` -> ``i`` (``Dewy``), doubled letters once
   (``Muhammad``, ``Hasan``/``Hassan``).
8. **Common abbreviations** of whole words are written out: ``M.``, ``Moh.``, ``Moch.``,
   ``Mhd.``, ``Muh.`` and the spellings ``Mohamad``/``Muhamad``/``Mochammad`` ->
   ``muhamad`` (after rule 7); ``Abd.`` -> ``abdul``; ``St.`` -> ``siti``;
   ``Akhmad``/``Ahmat`` -> ``ahmad``; see :data:`ABBREVIATIONS`.

Rules 6 and 7 run first, on every word, so rules 4 and 5 compare each word with the
respelled form of their lists; rule 8 runs last.

Single names (``Sukarno``, very common in Java) need no rule: the name is its one part.

:func:`phonetic_key` goes further for a looser comparison: ``kh`` -> ``h``, ``q`` -> ``k``,
``v`` -> ``f``, a final ``h`` after a vowel dropped (``Fatimah``/``Fatima``), then the
name, its parts joined, through Metaphone (Lawrence Philips 1990, from ``jellyfish``).
:func:`compact_name` joins the parts too, for the full-name comparison.

Examples:
    >>> normalise_name("H. Moch. Soeharto, S.Pd.")
    'muhamad suharto'
    >>> normalise_name("Muhamad Suharto")
    'muhamad suharto'
    >>> name_parts("Hj. Siti Aminah binti Abdoellah")
    ('siti', 'aminah', 'abdulah')
    >>> phonetic_key("Fatimah Tjahjono") == phonetic_key("Fatima Cahyono")
    True
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

import jellyfish

__all__ = [
    "ABBREVIATIONS",
    "CONNECTORS",
    "DEGREES",
    "TITLES",
    "compact_name",
    "name_keys",
    "name_parts",
    "normalise_name",
    "phonetic_key",
]

#: Titles and honorifics written before a name (lower case, without the dot).
TITLES: Final = frozenset(
    {
        # pilgrims (Haji, Hajjah) and religious teachers
        "h", "hj", "haji", "hajah", "hajjah", "kh", "ust", "ustad", "ustadz", "ustazah",
        "ustadzah", "habib",
        # academic and professional titles before the name
        "ir", "dr", "drs", "dra", "prof", "drg", "dokter",
        # courtesy forms used by staff on forms
        "bapak", "bpk", "pak", "ibu", "bu", "sdr", "sdri", "tn", "ny", "nn", "nona",
        "nyonya", "tuan", "alm", "almh", "almarhum", "almarhumah",
    }
)  # fmt: skip

#: Degrees written after a name without the comma (lower case, dots removed).
DEGREES: Final = frozenset(
    {
        "spd", "spdi", "sag", "skom", "se", "sh", "st", "ssos", "sip", "skm", "skep", "ked",
        "sked", "sfarm", "spsi", "shum", "ssi", "sth", "shi", "sak", "mm", "mpd", "msi",
        "mag", "mkes", "mh", "mt", "amd", "amdkeb", "amkeb", "amk", "phd", "mba", "ma",
    }
)  # fmt: skip

#: Patronymic connectors (``bin`` = son of, ``binti`` = daughter of).
CONNECTORS: Final = frozenset({"bin", "binti", "bt", "bn", "bte"})

#: Whole-word abbreviations and variant spellings, after the spelling rules, to one form.
ABBREVIATIONS: Final = {
    **dict.fromkeys(
        ("m", "mh", "mhd", "md", "moh", "mochamad", "mohamad", "mokhamad", "muh", "muhamad",
         "muhamed", "mohamed", "mukhamad", "mukh", "mokh", "mamad"),
        "muhamad",
    ),
    **dict.fromkeys(("abd", "abdul"), "abdul"),
    **dict.fromkeys(("akhmad", "ahmat", "ahmed", "akhmat"), "ahmad"),
    "st": "siti",
    "nor": "nur",
}  # fmt: skip

_DEGREE_TAIL = re.compile(r",.*$", re.DOTALL)
_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")
_NOT_LETTER = re.compile(r"[^a-z]+")
#: Spelling reforms, in order (rule 6 and 7 of the module docstring).
_SPELLING: Final = (
    ("oe", "u"),
    ("tj", "c"),
    ("dj", "j"),
    ("nj", "ny"),
    ("sj", "sy"),
    ("ch", "kh"),
    ("j", "y"),
    ("dh", "d"),
    ("th", "t"),
)
_IY = re.compile(r"iy(?=[aeiou])")
_DOUBLE = re.compile(r"([a-z])\1+")
_FINAL_H = re.compile(r"(?<=[aeiou])h$")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _respell_once(word: str) -> str:
    for old, new in _SPELLING:
        word = word.replace(old, new)
    word = _IY.sub("i", word)
    if word.endswith("y") and len(word) > 1:
        word = word[:-1] + "i"
    return _DOUBLE.sub(r"\1", word)


def _respell(word: str) -> str:
    # One pass can make a pattern of an earlier rule (``iyya`` -> ``iya``); repeat until
    # nothing changes, which keeps normalisation idempotent. Each pass keeps or shortens
    # the word, so this ends.
    while (again := _respell_once(word)) != word:
        word = again
    return word


_TITLES = frozenset(map(_respell, TITLES))
_DEGREES = frozenset(map(_respell, DEGREES))
_CONNECTORS = frozenset(map(_respell, CONNECTORS))
_ABBREVIATIONS = {_respell(k): v for k, v in ABBREVIATIONS.items()}


def _words(name: str) -> list[str]:
    text = _DEGREE_TAIL.sub("", _fold(name))
    text = _APOSTROPHES.sub("", text)
    words = [_respell(w) for w in _NOT_LETTER.split(text) if w]
    words = [w for w in words if w not in _CONNECTORS]
    while len(words) > 1 and words[0] in _TITLES:
        del words[0]
    words = [w for i, w in enumerate(words) if not (i and w in _DEGREES)]
    return [_ABBREVIATIONS.get(w, w) for w in words]


def normalise_name(name: str) -> str:
    """The canonical spelling of *name*: the rules of this module, parts joined by a space.

    Idempotent: ``normalise_name(normalise_name(x)) == normalise_name(x)``. An empty or
    all-punctuation name gives ``""``.

    Examples:
        >>> normalise_name("  DJOKO   soesilo ")
        'yoko susilo'
        >>> normalise_name("Ma'ruf Amin")
        'maruf amin'
    """
    return " ".join(_words(name))


def compact_name(name: str) -> str:
    """The normalised *name* without spaces: ``Nur Hayati`` and ``Nurhayati`` agree.

    Examples:
        >>> compact_name("Nur Hayati") == compact_name("NURHAYATI")
        True
    """
    return "".join(_words(name))


def name_parts(name: str) -> tuple[str, ...]:
    """The parts of the normalised *name*, initials (one letter) left out.

    Examples:
        >>> name_parts("A. Yani")
        ('yani',)
    """
    return tuple(w for w in _words(name) if len(w) > 1)


def _sound(word: str) -> str:
    word = word.replace("kh", "h").replace("q", "k").replace("v", "f")
    return jellyfish.metaphone(_FINAL_H.sub("", word)) or word


def name_keys(name: str) -> tuple[str, str, tuple[str, ...]]:
    """The compact name, the phonetic key and the parts of *name*, normalised once.

    Examples:
        >>> name_keys("Nur Hayati")
        ('nurhayati', 'NRHYT', ('nur', 'hayati'))
    """
    words = _words(name)
    compact = "".join(words)
    return compact, _sound(compact), tuple(w for w in words if len(w) > 1)


def phonetic_key(name: str) -> str:
    """A key that the sounds of *name* share: the Metaphone code of the normalised name.

    The parts are joined without spaces first, so ``Nur Hayati`` and ``Nurhayati`` agree.

    Examples:
        >>> phonetic_key("Khadijah") == phonetic_key("Hadijah")
        True
        >>> phonetic_key("Nur Hayati") == phonetic_key("Nurhayati")
        True
        >>> phonetic_key("Sukarno") == phonetic_key("Sukirman")
        False
    """
    return _sound("".join(_words(name)))
