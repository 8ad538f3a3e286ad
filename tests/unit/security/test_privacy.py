"""Pseudonymised NIK tokens, masking of exports and logs, and the access log."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slrt_core.access import AccessPurpose, Role
from slrt_core.errors import InvalidInputError
from slrt_core.identity import KkNumber, Nik
from slrt_core.privacy import (
    AccessRecord,
    LoggerAccessLog,
    MemoryAccessLog,
    MemoryTokenIndex,
    NikTokenizer,
    PersonalDataFilter,
    mask_export,
    mask_numbers,
    scrub_text,
    whole_number,
)

NIK = Nik("3374014508900001")
PEPPER1 = b"1" * 32
PEPPER2 = b"2" * 32

sixteen = st.text(alphabet="0123456789", min_size=16, max_size=16)


class TestTokens:
    def test_token_is_keyed_and_versioned(self):
        """A token names its version and depends on the pepper, not only on the NIK."""
        one = NikTokenizer({1: PEPPER1}).token(NIK)
        other = NikTokenizer({1: PEPPER2}).token(NIK)
        assert one.startswith("v1:")
        assert one != other
        assert NIK.reveal() not in one

    def test_nik_and_kk_with_same_digits_differ(self):
        """Domain separation: a NIK and a KK number with equal digits get different tokens."""
        tokens = NikTokenizer({1: PEPPER1})
        assert tokens.token(NIK) != tokens.token(KkNumber(NIK.reveal()))

    def test_rotation_keeps_old_tokens_findable(self):
        """After adding version 2, lookups try both versions; new tokens use version 2."""
        old = NikTokenizer({1: PEPPER1})
        both = NikTokenizer({1: PEPPER1, 2: PEPPER2})
        assert both.current == 2
        assert both.versions == (2, 1)
        assert both.tokens(NIK) == (both.token(NIK), old.token(NIK))
        assert NikTokenizer.version_of(both.token(NIK)) == 2

    def test_explicit_current_version(self):
        """The current version can be pinned below the highest (stage a rotation)."""
        staged = NikTokenizer({1: PEPPER1, 2: PEPPER2}, current=1)
        assert staged.token(NIK).startswith("v1:")
        assert staged.versions == (1, 2)

    def test_retokenize_moves_the_index(self):
        """retokenize replaces a case's old-version tokens with current ones."""
        index = MemoryTokenIndex()
        old = NikTokenizer({1: PEPPER1})
        index.add("case-1", [old.token(NIK)])
        new = NikTokenizer({1: PEPPER1, 2: PEPPER2})
        assert new.retokenize(index, {"case-1": [NIK]}) == 1
        assert index.find([old.token(NIK)]) == []
        assert index.find(new.tokens(NIK)) == ["case-1"]
        only_new = NikTokenizer({2: PEPPER2})
        assert index.find(only_new.tokens(NIK)) == ["case-1"]

    @pytest.mark.parametrize(
        ("keys", "current", "count"),
        [
            ({}, None, 1),
            ({1: b"short"}, None, 1),
            ({0: PEPPER1}, None, 1),
            ({True: PEPPER1}, None, 1),
            ({1: "text" * 10}, None, 1),
            ({1: PEPPER1}, 3, 1),
        ],
    )
    def test_bad_peppers_are_refused(self, keys, current, count):
        """Every problem with the peppers is listed, bilingually."""
        with pytest.raises(InvalidInputError) as excinfo:
            NikTokenizer(keys, current=current)
        assert len(excinfo.value.problems) == count
        assert excinfo.value.message("id") != str(excinfo.value)

    def test_inactive_version_and_wrong_type(self):
        """Tokens need an active version and a Nik or KkNumber."""
        tokens = NikTokenizer({1: PEPPER1})
        with pytest.raises(InvalidInputError, match="not active"):
            tokens.token(NIK, version=7)
        with pytest.raises(InvalidInputError, match="Expected a Nik"):
            tokens.token("3374014508900001")  # type: ignore[arg-type]

    @pytest.mark.parametrize("token", ["", "v1:abc", "x1:" + "0" * 64, 17])
    def test_version_of_refuses_non_tokens(self, token):
        """version_of refuses anything that is not a token."""
        with pytest.raises(InvalidInputError, match="Not a lookup token"):
            NikTokenizer.version_of(token)

    @given(digits=sixteen)
    def test_tokens_never_contain_the_number(self, digits):
        """No token contains the 16 digits it stands for."""
        token = NikTokenizer({1: PEPPER1}).token(Nik(digits))
        assert digits not in token


class TestMasking:
    @given(digits=sixteen, sep=st.sampled_from(["", " ", ".", "-"]))
    def test_any_sixteen_digits_are_masked(self, digits, sep):
        """Every 16-digit number, grouped by 4 or not, keeps only its last 4 digits."""
        grouped = sep.join(digits[i : i + 4] for i in range(0, 16, 4))
        masked = mask_numbers(f"NIK: {grouped}.")
        assert masked == f"NIK: ************{digits[12:]}."
        assert digits[:12] not in masked.replace("*", "")

    def test_longer_and_shorter_runs_stay(self):
        """Runs of 15 or 17 digits are not NIK or KK numbers and are left alone."""
        text = "a 123456789012345 b 12345678901234567"
        assert mask_numbers(text) == text

    def test_mask_export_walks_nested_data(self):
        """Personal keys, names and free text are masked in nested dicts and lists."""
        data = {
            "members": [{"nik": "3374014508900001", "name": "Siti", "age": 35}],
            "kk": "3374-0112-0315-0007",
            "grantor": "",
            "nik_missing": None,
            "note": "KK 3374011203150007",
            "nik": "",
        }
        assert mask_export(data) == {
            "members": [{"nik": "************0001", "name": "S***", "age": 35}],
            "kk": "************0007",
            "grantor": "",
            "nik_missing": None,
            "note": "KK ************0007",
            "nik": "",
        }
        assert mask_export(data, reveal=True) is data

    def test_scrub_text_masks_names_and_phones(self):
        """scrub_text masks context-marked names and phone numbers as well as NIKs."""
        out = scrub_text("nama Budi Santoso, HP 081234567890, kartu 3374014508900001")
        assert "Budi" not in out
        assert "081234567890" not in out
        assert "3374014508900001" not in out


class TestLogFilter:
    def _capture(self) -> tuple[logging.Logger, io.StringIO, logging.Handler]:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.addFilter(PersonalDataFilter())
        log = logging.getLogger("tests.privacy.filter")
        log.propagate = False
        log.addHandler(handler)
        return log, stream, handler

    def test_args_and_messages_are_masked(self):
        """Both %-args and preformatted text are masked; other records pass unchanged."""
        log, stream, handler = self._capture()
        try:
            log.warning("nik=%s", "3374014508900001")
            log.warning("kk 3374 0112 0315 0007 seen")
            log.warning("nothing personal %d", 3)
        finally:
            log.removeHandler(handler)
        assert stream.getvalue().splitlines() == [
            "nik=************0001",
            "kk ************0007 seen",
            "nothing personal 3",
        ]

    def test_exception_text_is_masked(self):
        """A traceback whose message holds a NIK is masked too."""
        log, stream, handler = self._capture()
        try:
            try:
                raise ValueError("bad 3374014508900001")  # noqa: TRY301 - the test's exception
            except ValueError:
                log.exception("failed")
        finally:
            log.removeHandler(handler)
        assert "3374014508900001" not in stream.getvalue()
        assert "************0001" in stream.getvalue()


def test_filter_formats_and_masks_a_raw_record():
    """Called directly on a record with exc_info, the filter formats and masks the traceback."""
    try:
        raise KeyError("3374014508900001")  # noqa: TRY301 - the test's exception
    except KeyError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    assert PersonalDataFilter().filter(record) is True
    assert record.exc_text is not None
    assert "3374014508900001" not in record.exc_text


class TestAccessLog:
    def entry(self) -> AccessRecord:
        return AccessRecord(
            at=datetime(2026, 1, 2, tzinfo=UTC),
            actor_id="fac-1",
            role=Role.FACILITATOR,
            action="read_case",
            target="case-1",
            purpose=AccessPurpose.CASE_WORK,
        )

    def test_memory_log_keeps_entries(self):
        """MemoryAccessLog keeps entries in order."""
        log = MemoryAccessLog()
        log.record(self.entry())
        assert list(log) == [self.entry()]
        assert len(log) == 1

    def test_logger_log_writes_one_line(self, caplog):
        """LoggerAccessLog writes ids and the purpose on the slrt_core.reads logger."""
        with caplog.at_level(logging.INFO, logger="slrt_core.reads"):
            LoggerAccessLog().record(self.entry())
        assert caplog.messages == [
            (
                "read: at=2026-01-02T00:00:00+00:00 actor=fac-1 role=facilitator "
                "action=read_case target=case-1 purpose=case_work"
            )
        ]


def test_whole_number():
    """whole_number accepts ints in range, never bools or other types."""
    assert whole_number(3)
    assert not whole_number(True)
    assert not whole_number("3")
    assert not whole_number(0)
    assert not whole_number(9, 1, 8)
