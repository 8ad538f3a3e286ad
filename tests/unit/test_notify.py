"""Notification texts: rendered in both languages when read, equal to plain dicts."""

from __future__ import annotations

import pickle

import pytest

from slrt_core.notify import _Texts
from slrt_core.serialization import converter

FIELDS = {"case_id": "case-1", "reason": "independent"}


def test_texts_render_each_language_on_access() -> None:
    """Subject and body read as a mapping of language -> text, from the templates."""
    body = _Texts("case_closed", 1, FIELDS)
    assert len(body) == 2
    assert sorted(body) == ["en", "id"]
    assert body["en"] == "Case case-1 closed: independent."
    assert body["id"] == "Kasus case-1 ditutup: independent."
    assert body["en"] is body["en"]  # rendered once, then kept


def test_texts_equal_the_plain_dict_and_survive_pickle_and_json() -> None:
    """A stored or sent notification carries the same texts as a plain dict would."""
    subject = _Texts("case_closed", 0, FIELDS)
    plain = {"en": "Case case-1 closed", "id": "Kasus case-1 ditutup"}
    assert subject == plain
    assert repr(subject) == repr(plain)
    assert pickle.loads(pickle.dumps(subject)) == plain
    assert converter.unstructure(subject, dict[str, str]) == plain


def test_an_unknown_language_is_a_key_error() -> None:
    """Only the template languages exist, as with a dict."""
    with pytest.raises(KeyError):
        _Texts("case_closed", 0, FIELDS)["fr"]
