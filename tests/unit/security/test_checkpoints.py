"""Signed audit checkpoints detect truncation, a full rewrite and forged checkpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from slrt_core.adapters import MemoryStore
from slrt_core.audit import GENESIS, AuditRecord, chain
from slrt_core.checkpoints import (
    Checkpoint,
    Checkpointer,
    CheckpointSigner,
    load_public_key,
    read_checkpoints,
    verify_with_checkpoints,
    write_checkpoint,
)
from slrt_core.errors import AuditIntegrityError, InvalidInputError

AT = datetime(2026, 3, 1, tzinfo=UTC)
SIGNER = CheckpointSigner.generate()
KEYS = {SIGNER.key_id: SIGNER.public_key()}


def trail(n: int, salt: str = "") -> list[AuditRecord]:
    return chain(
        [f'{{"n":{i},"s":"{salt}"}}'.encode() for i in range(n)], after_seq=0, prev=GENESIS
    )


class TestVerify:
    def test_intact_trail_with_checkpoints_verifies(self):
        """A trail that grew after its checkpoints still verifies against them."""
        records = trail(10)
        cps = [SIGNER.checkpoint(records[:k], at=AT) for k in (3, 7)]
        report = verify_with_checkpoints(records, cps, KEYS)
        assert report.ok
        assert report.checkpoints == 2
        assert report.chain.records == 10
        report.raise_for_error()

    @given(keep=st.integers(0, 9))
    def test_truncation_is_detected(self, keep):
        """Cutting the trail before the last checkpoint is caught (the chain alone is fine)."""
        records = trail(10)
        cp = SIGNER.checkpoint(records, at=AT)
        report = verify_with_checkpoints(records[:keep], [cp], KEYS)
        assert not report.ok
        assert report.chain.ok
        assert "truncated" in report.reason
        assert report.first_bad == keep + 1

    def test_full_rewrite_is_detected(self):
        """A consistent chain rebuilt from other content differs at the checkpoint."""
        cp = SIGNER.checkpoint(trail(5), at=AT)
        forged = trail(6, salt="x")
        report = verify_with_checkpoints(forged, [cp], KEYS)
        assert not report.ok
        assert report.chain.ok
        assert report.reason == "record 5 differs from its signed checkpoint (rewritten)"
        with pytest.raises(AuditIntegrityError, match="rewritten"):
            report.raise_for_error()

    def test_edit_is_still_found_by_the_chain(self):
        """An edited record breaks the chain, reported as such."""
        records = trail(5)
        cp = SIGNER.checkpoint(records, at=AT)
        records[2] = records[2]._replace(body=b'{"n":99}')
        report = verify_with_checkpoints(records, [cp], KEYS)
        assert not report.ok
        assert report.first_bad == 3
        assert report.reason.startswith("hash chain broken")

    def test_forged_or_unknown_checkpoints_are_refused(self):
        """A checkpoint re-signed by another key, or edited after signing, fails."""
        records = trail(5)
        cp = SIGNER.checkpoint(records, at=AT)
        stranger = CheckpointSigner.generate().checkpoint(records, at=AT)
        assert "unknown key" in verify_with_checkpoints(records, [stranger], KEYS).reason
        moved = attrs.evolve(cp, seq=4, head=records[3].digest)
        assert "bad signature" in verify_with_checkpoints(records, [moved], KEYS).reason
        garbage = attrs.evolve(cp, signature="not base64!")
        assert "bad signature" in verify_with_checkpoints(records, [garbage], KEYS).reason

    def test_empty_or_broken_trail_is_never_signed(self):
        """Signing an empty or broken trail is refused."""
        with pytest.raises(AuditIntegrityError, match="empty"):
            SIGNER.checkpoint([], at=AT)
        records = trail(3)
        records[1] = records[1]._replace(body=b"{}")
        with pytest.raises(AuditIntegrityError):
            SIGNER.checkpoint(records, at=AT)


class TestFiles:
    def test_write_read_round_trip(self, tmp_path: Path):
        """Checkpoints appended to a file read back equal."""
        path = tmp_path / "cp.jsonl"
        cps = [SIGNER.checkpoint(trail(k), at=AT) for k in (1, 2)]
        for cp in cps:
            write_checkpoint(path, cp)
        lines = path.read_text().splitlines()
        assert read_checkpoints([*lines, ""]) == cps

    @pytest.mark.parametrize(
        "line",
        [
            "not json",
            "{}",
            (
                '{"seq": 0, "head": "h", "at": "2026-01-01T00:00:00+00:00", "key_id": "k", '
                '"signature": "s"}'
            ),
            '{"seq": true, "head": "h", "at": "2026-01-01", "key_id": "k", "signature": "s"}',
            '{"seq": 1, "head": "h", "at": "yesterday", "key_id": "k", "signature": "s"}',
            "[1, 2]",
        ],
    )
    def test_bad_lines_name_their_line(self, line):
        """A malformed line raises InvalidInputError naming its line number."""
        with pytest.raises(InvalidInputError, match="line 2"):
            read_checkpoints(["", line])

    def test_keys_round_trip_through_pem(self):
        """A signer and its public key survive PEM; wrong PEM is refused."""
        again = CheckpointSigner.from_pem(SIGNER.private_pem())
        assert again.key_id == SIGNER.key_id
        assert load_public_key(SIGNER.public_pem()) == SIGNER.public_key()
        with pytest.raises(InvalidInputError):
            CheckpointSigner.from_pem(b"nope")
        with pytest.raises(InvalidInputError):
            load_public_key(b"nope")
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        other = ec.generate_private_key(ec.SECP256R1())
        pem = other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        pub = other.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        with pytest.raises(InvalidInputError, match="Ed25519"):
            CheckpointSigner.from_pem(pem)
        with pytest.raises(InvalidInputError, match="Ed25519"):
            load_public_key(pub)


class FakeLog:
    def __init__(self, records: list[AuditRecord]) -> None:
        self.records = records

    def audit_records(self, *, start: int = 1):
        return iter(self.records[start - 1 :])


class TestCheckpointer:
    def test_periodic_checkpoints(self, tmp_path: Path):
        """A checkpoint is written once every N new records, verified incrementally."""
        path = tmp_path / "cp.jsonl"
        records = trail(12)
        log = FakeLog(records[:3])
        every = Checkpointer(SIGNER, path, every=5)
        assert every.maybe(log, at=AT) is None
        log.records = records[:6]
        first = every.maybe(log, at=AT)
        assert first is not None
        assert first.seq == 6
        log.records = records[:10]
        assert every.maybe(log, at=AT) is None
        log.records = records
        last = every.maybe(log, at=AT)
        assert last is not None
        assert last.seq == 12
        assert [c.seq for c in read_checkpoints(path.read_text().splitlines())] == [6, 12]
        with path.open() as fh:
            assert verify_with_checkpoints(records, read_checkpoints(fh), KEYS).ok

    def test_bad_new_records_are_refused(self, tmp_path: Path):
        """Records that do not chain on, or were edited, stop the checkpointer."""
        records = trail(4)
        every = Checkpointer(SIGNER, tmp_path / "cp.jsonl", every=1)
        every.maybe(FakeLog(records[:2]), at=AT)
        gap = FakeLog([*records[:2], records[3]])
        with pytest.raises(AuditIntegrityError, match="chain on"):
            every.maybe(gap, at=AT)
        edited = FakeLog([*records[:2], records[2]._replace(body=b"{}")])
        with pytest.raises(AuditIntegrityError, match="edited"):
            every.maybe(edited, at=AT)

    def test_works_on_a_store(self, tmp_path: Path):
        """A MemoryStore is an audit log the checkpointer reads."""
        every = Checkpointer(SIGNER, tmp_path / "cp.jsonl")
        assert every.maybe(MemoryStore(), at=AT) is None

    @pytest.mark.parametrize("every", [0, -1, True, 1.5])
    def test_every_must_be_positive(self, tmp_path: Path, every):
        """every must be a whole number of 1 or more."""
        with pytest.raises(InvalidInputError):
            Checkpointer(SIGNER, tmp_path / "cp.jsonl", every=every)


def test_checkpoint_message_binds_every_field():
    """The signed message changes with each field."""
    cp = Checkpoint(seq=1, head="h", at=AT, key_id="k", signature="")
    variants = [
        attrs.evolve(cp, seq=2),
        attrs.evolve(cp, head="g"),
        attrs.evolve(cp, at=datetime(2026, 3, 2, tzinfo=UTC)),
        attrs.evolve(cp, key_id="j"),
    ]
    assert len({cp.message(), *(v.message() for v in variants)}) == 5
