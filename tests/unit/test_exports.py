"""Exports of cases and referrals: CSV and Parquet round trips, masking, paging, refusals."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from slrt_core import Channel, ComplaintKind, KkNumber, Need, RegionCode, Sector, Slrt
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.cli import main
from slrt_core.demo import sample_family
from slrt_core.errors import AccessDenied, CorruptRecordError, InvalidInputError, SlrtError
from slrt_core.exports import (
    CASE_EXPORT_COLUMNS,
    IDENTIFIER_COLUMNS,
    REFERRAL_EXPORT_COLUMNS,
    case_export_row,
    referral_exporter,
)
from slrt_core.privacy import MemoryAccessLog
from slrt_core.projections import (
    CaseFilter,
    CaseOrder,
    CaseSelection,
    ReferralFilter,
    ReferralOrder,
    ReferralSelection,
    case_row,
    referral_row,
)
from slrt_core.referral import ReferralStatus
from slrt_core.testing import FrozenClock, sample_directory, sample_staff, walk_case

STAFF = sample_staff()
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
KK = "3374010101250003"
HEAD_NIK = "3374011403820001"


def world(store: MemoryStore | None = None) -> tuple[Slrt, MemoryAccessLog, FrozenClock]:
    clock = FrozenClock(T0)
    log = MemoryAccessLog()
    slrt = Slrt(
        store=store or MemoryStore(),
        clock=clock,
        ids=SequentialIds(),
        directory=sample_directory(),
        access_log=log,
    )
    for i, route in enumerate(("full", "returned", "emergency", "local", "full")):
        clock.set(T0 + timedelta(hours=i))
        list(walk_case(slrt, STAFF, route=route))
    clock.set(T0 + timedelta(hours=6))
    family = sample_family(RegionCode("33.74.02.1001"))
    members = tuple(
        attrs.evolve(m, name=name)
        for m, name in zip(family.members, ("Budi Santoso", "Siti Aminah", "Ani"), strict=True)
    )
    household = attrs.evolve(family, members=members, kk=KkNumber(KK))
    case = slrt.register(
        STAFF.facilitator,
        household,
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HEALTH, description="Budi needs insurance")],
    )
    cid = case.case_id
    slrt.assess(STAFF.facilitator, cid, findings="NIK 3374011403820001 checked")
    slrt.submit(STAFF.facilitator, cid)
    slrt.approve(STAFF.supervisor, cid)
    slrt.review(STAFF.front_office, cid)
    slrt.record_consent(
        STAFF.facilitator,
        cid,
        subject="m1",
        grantor="m1",
        purposes=["referral"],
        recipients=["bpjs-jateng"],
        evidence="Signed by Budi Santoso",
    )
    slrt.refer(STAFF.back_office, cid, "n1", service_id="pbi-jk")  # never answered
    clock.set(T0 + timedelta(days=30))  # the open referral of nobody is overdue by then
    return slrt, log, clock


def expected_cases(slrt: Slrt) -> list[tuple[object, ...]]:
    summaries = slrt.store.case_summaries(CaseSelection(), order=CaseOrder.REGISTERED, limit=100)
    return [case_export_row(case_row(s)) for s in summaries]


def expected_referrals(slrt: Slrt) -> list[tuple[object, ...]]:
    summaries = slrt.store.referral_summaries(
        ReferralSelection(), order=ReferralOrder.REQUESTED, limit=100
    )
    convert = referral_exporter(slrt.directory, slrt.clock.now())
    return [convert(referral_row(r)) for r in summaries]


def as_text(value: object) -> str:
    """A value as the CSV writes it."""
    if value is None:
        return ""
    return str(value)


def parquet_text(value: object) -> str:
    """A Parquet value as the CSV writes it (times in ISO UTC)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return as_text(value)


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


class TestCaseExport:
    def test_csv_and_parquet_read_back_equal(self, tmp_path: Path) -> None:
        slrt, _, _ = world()
        names = [c.name for c in CASE_EXPORT_COLUMNS]
        report = slrt.export_cases(STAFF.supervisor, tmp_path / "cases.csv")
        assert report.rows == 6
        assert report.format == "csv"
        assert report.columns == tuple(names)
        rows = read_csv((tmp_path / "cases.csv").read_bytes())
        want = [dict(zip(names, map(as_text, r), strict=True)) for r in expected_cases(slrt)]
        assert rows == want
        slrt.export_cases(STAFF.supervisor, tmp_path / "cases.parquet")
        table = pq.read_table(tmp_path / "cases.parquet")
        assert table.column_names == names
        assert str(table.schema.field("registered_at").type) == "timestamp[us, tz=UTC]"
        assert str(table.schema.field("referrals").type) == "int64"
        assert str(table.schema.field("emergency").type) == "bool"
        back = [{k: parquet_text(v) for k, v in r.items()} for r in table.to_pylist()]
        assert back == rows

    def test_the_stage_times_and_lists(self) -> None:
        slrt, _, _ = world()
        out = io.BytesIO()
        slrt.export_cases(STAFF.supervisor, out, format="csv")
        first = read_csv(out.getvalue())[0]
        case = slrt.store.load("case-000001")
        assert first["state"] == "closed"
        assert first["closing_reason"] == "independent"
        assert first["closed_at"] == case.updated_at.isoformat()
        assert first["submitted_at"] == T0.isoformat()
        assert first["sectors"] == "health"
        assert first["providers"] == "bpjs-jateng"
        assert first["emergency"] == "False"

    def test_identifiers_are_masked_and_names_never_leave(self, tmp_path: Path) -> None:
        slrt, log, _ = world()
        for name in ("cases.csv", "cases.parquet"):
            report = slrt.export_cases(STAFF.supervisor, tmp_path / name, identifiers=True)
            assert report.columns[-2:] == ("kk", "nik")
            data = (tmp_path / name).read_bytes()
            for secret in (KK, HEAD_NIK, b"Budi", b"Siti", b"Aminah"):
                assert (secret if isinstance(secret, bytes) else secret.encode()) not in data
        rows = read_csv((tmp_path / "cases.csv").read_bytes())
        assert (rows[-1]["kk"], rows[-1]["nik"]) == ("************0003", "************0001")
        assert (rows[0]["kk"], rows[0]["nik"]) == ("", "")  # the sample households have none
        table = pq.read_table(tmp_path / "cases.parquet").to_pylist()
        assert (table[-1]["kk"], table[-1]["nik"]) == ("************0003", "************0001")
        assert [e.action for e in log][-2:] == ["export_cases_identifiers"] * 2

    def test_without_identifiers_there_are_no_identifier_columns(self) -> None:
        slrt, _, _ = world()
        out = io.BytesIO()
        report = slrt.export_cases(STAFF.supervisor, out, format="csv")
        assert not set(report.columns) & {c.name for c in IDENTIFIER_COLUMNS}

    def test_a_filter_chooses_the_cases(self) -> None:
        slrt, _, _ = world()
        out = io.BytesIO()
        where = CaseFilter(emergency=True)
        assert slrt.export_cases(STAFF.supervisor, out, where=where, format="csv").rows == 1
        out = io.BytesIO()
        north = CaseFilter(region=RegionCode("33.74.02"))
        assert slrt.export_cases(STAFF.supervisor, out, where=north, format="csv").rows == 1

    def test_pages_bound_what_is_read_at_once(self) -> None:
        calls: list[int] = []

        class Counting(MemoryStore):
            def case_summary_rows(self, *args: Any, **kwargs: Any) -> list[list[Any]]:
                calls.append(kwargs["limit"])
                found = super().case_summary_rows(*args, **kwargs)
                assert len(found) <= kwargs["limit"]
                return found

        slrt, _, _ = world(Counting())
        out = io.BytesIO()
        assert slrt.export_cases(STAFF.supervisor, out, format="csv", page_size=2).rows == 6
        assert calls == [2, 2, 2, 2]  # three full pages, then an empty one
        assert [r["case_id"] for r in read_csv(out.getvalue())] == [
            f"case-{i:06d}" for i in range(1, 7)
        ]

    def test_a_damaged_case_keeps_its_row_without_identifiers(self) -> None:
        class Damaged(MemoryStore):
            damaged = False

            def load(self, case_id: str, /) -> Any:
                if self.damaged and case_id == "case-000002":
                    raise CorruptRecordError(case_id, 3, "bad", "rusak")
                return super().load(case_id)

        store = Damaged()
        slrt, _, _ = world(store)
        store.damaged = True
        out = io.BytesIO()
        report = slrt.export_cases(STAFF.supervisor, out, format="csv", identifiers=True)
        assert report.rows == 6
        assert report.skipped == ("case-000002",)

    def test_a_failure_midway_leaves_no_file(self, tmp_path: Path) -> None:
        class Failing(MemoryStore):
            pages = 0

            def case_summary_rows(self, *args: Any, **kwargs: Any) -> list[list[Any]]:
                self.pages += 1
                if self.pages == 2:
                    raise RuntimeError("the database went away")
                return super().case_summary_rows(*args, **kwargs)

        slrt, log, _ = world(Failing())
        before = list(log)
        target = tmp_path / "cases.parquet"
        with pytest.raises(RuntimeError):
            slrt.export_cases(STAFF.supervisor, target, page_size=2)
        assert list(tmp_path.iterdir()) == []
        assert list(log) == before


class TestReferralExport:
    def test_csv_and_parquet_read_back_equal(self, tmp_path: Path) -> None:
        slrt, log, _ = world()
        names = [c.name for c in REFERRAL_EXPORT_COLUMNS]
        report = slrt.export_referrals(STAFF.supervisor, tmp_path / "referrals.csv")
        assert report.rows == 4  # full twice, returned (rejected), Budi's (never answered)
        rows = read_csv((tmp_path / "referrals.csv").read_bytes())
        want = [dict(zip(names, map(as_text, r), strict=True)) for r in expected_referrals(slrt)]
        assert rows == want
        slrt.export_referrals(STAFF.supervisor, tmp_path / "referrals.parquet")
        table = pq.read_table(tmp_path / "referrals.parquet")
        back = [{k: parquet_text(v) for k, v in r.items()} for r in table.to_pylist()]
        assert back == rows
        assert [e.action for e in log][-2:] == ["export_referrals"] * 2

    def test_program_tier_and_breaches(self) -> None:
        slrt, _, _ = world()
        out = io.BytesIO()
        slrt.export_referrals(STAFF.supervisor, out, format="csv")
        rows = read_csv(out.getvalue())
        assert {(r["program"], r["tier"]) for r in rows} == {("PBI-JK", "national")}
        completed = [r for r in rows if r["status"] == "completed"]
        assert all(r["breached"] == "False" and r["confirmed"] == "True" for r in completed)
        open_ = [r for r in rows if r["status"] not in ("completed", "rejected")]
        # Budi's referral was never answered: 30 days later it is breached.
        assert [(r["breached"], r["due_at"] != "") for r in open_] == [("True", True)]

    def test_provider_staff_export_is_refused(self) -> None:
        slrt, log, _ = world()
        before = list(log)
        with pytest.raises(AccessDenied):
            slrt.export_referrals(STAFF.provider, io.BytesIO(), format="csv")
        assert list(log) == before

    def test_a_filter_chooses_the_referrals(self) -> None:
        slrt, _, _ = world()
        where = ReferralFilter(statuses=frozenset({ReferralStatus.COMPLETED}))
        found = slrt.export_referrals(STAFF.supervisor, io.BytesIO(), where=where, format="csv")
        assert found.rows == 2


class TestRefusals:
    @pytest.mark.parametrize(
        "actor",
        [
            STAFF.facilitator,  # may list cases, may not export
            STAFF.back_office,
            attrs.evolve(STAFF.supervisor, jurisdiction=RegionCode("33.73")),
        ],
        ids=["facilitator", "back_office", "other_region"],
    )
    def test_refused_exports_write_nothing(self, tmp_path: Path, actor: Any) -> None:
        slrt, log, _ = world()
        before = list(log)
        where = CaseFilter(region=RegionCode("33.74"))
        for name in ("cases.csv", "cases.parquet"):
            with pytest.raises(AccessDenied):
                slrt.export_cases(actor, tmp_path / name, where=where)
            with pytest.raises(AccessDenied):
                slrt.export_referrals(
                    actor, tmp_path / name, where=ReferralFilter(region=RegionCode("33.74"))
                )
        assert list(tmp_path.iterdir()) == []
        assert list(log) == before

    def test_bad_options_are_refused_before_anything(self, tmp_path: Path) -> None:
        slrt, log, _ = world()
        before = list(log)
        with pytest.raises(InvalidInputError, match="Unknown table format"):
            slrt.export_cases(STAFF.supervisor, tmp_path / "cases.xlsx")
        with pytest.raises(InvalidInputError, match="page of an export"):
            slrt.export_cases(STAFF.supervisor, tmp_path / "cases.csv", page_size=0)
        with pytest.raises(InvalidInputError):
            slrt.export_cases(STAFF.supervisor, tmp_path / "cases.csv", where="all")  # type: ignore[arg-type]
        assert list(tmp_path.iterdir()) == []
        assert list(log) == before

    def test_parquet_without_pyarrow_says_which_extra_in_both_languages(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import importlib

        import slrt_core._tables as tables

        real = importlib.import_module

        def without_pyarrow(name: str, *args: Any) -> Any:
            if name.startswith("pyarrow"):
                raise ImportError(name)
            return real(name, *args)

        monkeypatch.setattr(tables.importlib, "import_module", without_pyarrow)
        slrt, log, _ = world()
        before = list(log)
        with pytest.raises(SlrtError) as error:
            slrt.export_cases(STAFF.supervisor, tmp_path / "cases.parquet")
        assert "pip install 'slrt-core[parquet]'" in error.value.message("en")
        assert error.value.message("id").startswith("Fitur ini memerlukan paket Python pyarrow")
        assert list(tmp_path.iterdir()) == []
        assert list(log) == before
        # CSV needs nothing more.
        assert slrt.export_cases(STAFF.supervisor, tmp_path / "cases.csv").rows == 6


class TestCli:
    def test_export_cases_referrals_and_kpis(self, tmp_path: Path) -> None:
        from slrt_core.adapters.sqlite import SqliteStore
        from slrt_core.calendar import WIB

        db = tmp_path / "district.sqlite"
        store = SqliteStore(db)
        at = datetime.now(UTC) - timedelta(hours=1)  # the command line runs on today's clock
        day = at.astimezone(WIB).date()
        try:
            slrt = Slrt(
                store=store,
                clock=FrozenClock(at),
                ids=SequentialIds(),
                directory=sample_directory(),
            )
            for route in ("full", "emergency", "local"):
                list(walk_case(slrt, STAFF, route=route))
        finally:
            store.close()
        runner = CliRunner()
        cases = tmp_path / "cases.csv"
        result = runner.invoke(
            main,
            ["export", "cases", str(db), str(cases), "--actor", "dinsos-1", "--region", "33.74"],
        )
        assert result.exit_code == 0, result.output
        assert "3 case(s)" in result.output
        assert len(read_csv(cases.read_bytes())) == 3
        referrals = tmp_path / "referrals.parquet"
        result = runner.invoke(
            main,
            ["export", "referrals", str(db), str(referrals), "--actor", "dinsos-1"],
        )
        assert result.exit_code == 0, result.output
        assert pq.read_table(referrals).num_rows == 1
        kpis = tmp_path / "kpis.csv"
        plots = tmp_path / "plots"
        result = runner.invoke(
            main,
            [
                *("export", "kpis", str(db), str(kpis), "--actor", "dinsos-1"),
                *(
                    "--region",
                    "33.74",
                    "--month",
                    f"{day:%Y-%m}",
                    "-l",
                    "id",
                    "--plots",
                    str(plots),
                ),
            ],
        )
        assert result.exit_code == 0, result.output
        rows = read_csv(kpis.read_bytes())
        registered = next(r for r in rows if r["key"] == "cases_registered")
        assert (registered["value"], registered["key_label"]) == ("3.0", "Kasus terdaftar")
        assert sorted(p.name for p in plots.iterdir()) == [
            "breach_rates.png",
            "intake.png",
            "stage_durations.png",
        ]
        result = runner.invoke(
            main,
            ["export", "kpis", str(db), "-", "--actor", "d", "--from", day.isoformat(),
             "--to", day.isoformat(), "--format", "json"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["cases_registered"] == 3

    def test_errors_are_messages_not_tracebacks(self, tmp_path: Path) -> None:
        runner = CliRunner()
        result = runner.invoke(
            main,
            ["export", "cases", str(tmp_path / "none.sqlite"), str(tmp_path / "x.csv"),
             "--actor", "a"],
        )  # fmt: skip
        assert result.exit_code != 0
        assert "No SQLite store" in result.output
        db = tmp_path / "d.sqlite"
        from slrt_core.adapters.sqlite import SqliteStore

        SqliteStore(db).close()
        result = runner.invoke(
            main,
            ["export", "kpis", str(db), str(tmp_path / "k.csv"), "--actor", "a",
             "--from", "2026-02-01", "--to", "2026-01-01", "-l", "id"],
        )  # fmt: skip
        assert result.exit_code == 1
        assert "Periode berakhir" in result.output
        result = runner.invoke(
            main,
            ["export", "kpis", str(db), str(tmp_path / "k.csv"), "--actor", "a"],
        )
        assert result.exit_code != 0
        assert "--month" in result.output


class TestTableWriter:
    def test_times_in_any_offset_are_written_in_utc(self, tmp_path: Path) -> None:
        from slrt_core._tables import Column, TableWriter

        wib = datetime(2026, 1, 5, 15, 0, tzinfo=timedelta_zone(7))
        columns = (Column("at", "time"), Column("n", "int"))
        rows = [("2026-01-05T15:00:00+07:00", 1), (wib, 2), (None, None)]
        for name in ("t.csv", "t.parquet"):
            with TableWriter(tmp_path / name, columns, name.split(".")[1]) as table:  # type: ignore[arg-type]
                table.write(rows)
        assert read_csv((tmp_path / "t.csv").read_bytes()) == [
            {"at": "2026-01-05T08:00:00+00:00", "n": "1"},
            {"at": "2026-01-05T08:00:00+00:00", "n": "2"},
            {"at": "", "n": ""},
        ]
        back = pq.read_table(tmp_path / "t.parquet").to_pylist()
        assert [parquet_text(r["at"]) for r in back] == ["2026-01-05T08:00:00+00:00"] * 2 + [""]
        with TableWriter(tmp_path / "d.parquet", columns, "parquet") as table:
            table.write([(wib, 1)])  # datetimes only: converted in Python
        assert parquet_text(pq.read_table(tmp_path / "d.parquet")["at"][0].as_py()) == (
            "2026-01-05T08:00:00+00:00"
        )

    def test_an_error_inside_the_block_removes_the_part_file(self, tmp_path: Path) -> None:
        from slrt_core._tables import Column, TableWriter

        part = TableWriter(tmp_path / "x.parquet", (Column("a"),), "parquet")
        with pytest.raises(KeyError), part as table:  # noqa: PT012 - the error inside the block
            table.write([("one",)])
            raise KeyError("stop")
        assert list(tmp_path.iterdir()) == []
        sink = io.BytesIO()
        with pytest.raises(KeyError), TableWriter(sink, (Column("a"),), "csv") as table:  # noqa: PT012
            table.write([("one",)])
            raise KeyError("stop")
        assert not sink.closed  # the caller's file stays theirs

    def test_a_case_erased_meanwhile_keeps_its_row_without_identifiers(self) -> None:
        from slrt_core.errors import CaseErasedError

        class Erased(MemoryStore):
            gone = False

            def load(self, case_id: str, /) -> Any:
                if self.gone and case_id == "case-000006":
                    raise CaseErasedError(case_id)
                return super().load(case_id)

        store = Erased()
        slrt, _, _ = world(store)
        store.gone = True
        out = io.BytesIO()
        report = slrt.export_cases(STAFF.supervisor, out, format="csv", identifiers=True)
        assert report.skipped == ()
        assert read_csv(out.getvalue())[-1]["nik"] == ""

    def test_referral_pages(self) -> None:
        slrt, _, _ = world()
        out = io.BytesIO()
        assert slrt.export_referrals(STAFF.supervisor, out, format="csv", page_size=1).rows == 4


def timedelta_zone(hours: int) -> Any:
    from datetime import timezone

    return timezone(timedelta(hours=hours))


def test_a_stored_page_decodes_each_row_when_read() -> None:
    from slrt_core.adapters._projections import StoredPage

    page = StoredPage([('["a",1]',), ('["b",2]',), ('["c",3]',)])
    assert len(page) == 3
    assert page[-1] == ["c", 3]
    assert page[1:] == [["b", 2], ["c", 3]]
    assert list(page) == [["a", 1], ["b", 2], ["c", 3]]


def test_times_not_yet_in_utc_are_written_in_utc() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from slrt_core._tables import Column, TableWriter

    wib = timezone(timedelta(hours=7))
    out = io.BytesIO()
    with TableWriter(out, (Column("at", "time"), Column("n", "int")), "csv") as table:
        table.write([("2026-01-05T08:00:00+07:00", 1), (None, 2)])
        table.write([(datetime(2026, 1, 5, 8, tzinfo=wib), 3), ("2026-01-05T01:00:00+00:00", 4)])
        table.write([(datetime(2026, 1, 5, 1, tzinfo=UTC), None)])
    assert out.getvalue().decode().splitlines() == [
        "at,n",
        "2026-01-05T01:00:00+00:00,1",
        ",2",
        "2026-01-05T01:00:00+00:00,3",
        "2026-01-05T01:00:00+00:00,4",
        "2026-01-05T01:00:00+00:00,",
    ]
