"""Plots of the KPIs: titles, axis labels with units, legends, in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slrt_core import Slrt
from slrt_core.adapters.basics import SequentialIds
from slrt_core.adapters.memory import MemoryStore
from slrt_core.errors import SlrtError
from slrt_core.kpis import KpiPeriod, KpiReport
from slrt_core.plots import (
    breach_rates_figure,
    intake_figure,
    kpi_figures,
    save_kpi_figures,
    stage_durations_figure,
)
from slrt_core.referral import ReferralReason, ReferralStatus
from slrt_core.testing import FrozenClock, sample_directory, sample_staff, walk_case

STAFF = sample_staff()
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def report() -> KpiReport:
    clock = FrozenClock(T0)
    slrt = Slrt(store=MemoryStore(), clock=clock, ids=SequentialIds(), directory=sample_directory())
    for day, route in enumerate(("full", "returned", "emergency", "local", "full")):
        clock.set(T0 + timedelta(days=day))
        walk = walk_case(slrt, STAFF, route=route)
        for step in walk:
            clock.advance(hours=5)
            if step.command == "refer" and route == "full" and day == 4:
                # The provider answers a week late, after its deadline.
                clock.advance(days=7)
                referral = slrt.store.load(step.case_id).referrals[-1].referral_id
                slrt.update_referral(STAFF.provider, referral, status=ReferralStatus.RECEIVED)
                slrt.update_referral(
                    STAFF.provider,
                    referral,
                    status=ReferralStatus.REJECTED,
                    reason=ReferralReason.CAPACITY,
                )
                break
    return slrt.kpis(STAFF.supervisor, period=KpiPeriod.month(2026, 1))


def legend(figure: Any) -> list[str]:
    return [t.get_text() for t in figure.axes[0].get_legend().get_texts()]


class TestLabels:
    def test_stage_durations(self, report: KpiReport) -> None:
        english = stage_durations_figure(report, language="en")
        ax = english.axes[0]
        assert ax.get_title() == "Time in each stage\n1 January 2026 to 31 January 2026"
        assert ax.get_xlabel() == "working days"
        assert ax.get_ylabel() == "stage of the case"
        assert legend(english) == ["median", "90th percentile"]
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert ticks[0] == "Registered (n = 5)"
        indonesian = stage_durations_figure(report, language="id")
        assert indonesian.axes[0].get_xlabel() == "hari kerja"
        assert legend(indonesian) == ["median", "persentil ke-90"]
        assert indonesian.axes[0].get_yticklabels()[0].get_text() == ("Terdaftar (n = 5)")

    def test_breach_rates(self, report: KpiReport) -> None:
        figure = breach_rates_figure(report, language="en")
        ax = figure.axes[0]
        assert ax.get_title().startswith("Referrals that missed a deadline, by provider")
        assert ax.get_xlabel() == "share of referrals sent (%)"
        assert ax.get_ylabel() == "provider"
        assert [t.get_text() for t in ax.get_yticklabels()] == ["BPJS Kesehatan Jawa Tengah"]
        [bar] = ax.patches
        rate = report.breach_by_provider[0].rate
        assert rate is not None
        assert bar.get_width() == pytest.approx(100 * rate)
        assert legend(figure) == ["missed a deadline (n = referrals sent)"]
        assert breach_rates_figure(report, language="id").axes[0].get_xlabel() == (
            "persentase rujukan terkirim (%)"
        )

    def test_intake(self, report: KpiReport) -> None:
        figure = intake_figure(report, language="id")
        ax = figure.axes[0]
        assert ax.get_title().startswith("Kasus terdaftar per hari menurut jalur pengaduan")
        assert ax.get_xlabel() == "tanggal (waktu setempat)"
        assert ax.get_ylabel() == "kasus terdaftar"
        assert legend(figure) == [
            "Kunjungan rumah fasilitator",
            "Loket Puskesos",
            "Loket sekretariat SLRT",
        ]
        heights = sum(p.get_height() for p in ax.patches)
        assert heights == report.cases_registered == 5

    def test_a_long_period_is_drawn_per_week(self, report: KpiReport) -> None:
        import attrs

        year = attrs.evolve(report, period=KpiPeriod.year(2026))
        ax = intake_figure(year, language="en").axes[0]
        assert ax.get_xlabel() == "week starting on Monday"
        assert sum(p.get_height() for p in ax.patches) == 5

    def test_an_empty_report_says_so(self) -> None:
        slrt = Slrt(store=MemoryStore(), clock=FrozenClock(T0))
        empty = slrt.kpis(STAFF.supervisor, period=KpiPeriod.month(2026, 1))
        for name, figure in kpi_figures(empty, language="en").items():
            texts = [t.get_text() for t in figure.axes[0].texts]
            assert texts == ["nothing to show in this period"], name
            assert figure.axes[0].get_xlabel(), name


def test_save_writes_three_images(report: KpiReport, tmp_path: Path) -> None:
    written = save_kpi_figures(report, tmp_path / "plots", language="en")
    assert [p.name for p in written] == ["stage_durations.png", "breach_rates.png", "intake.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written)


def test_without_matplotlib_the_error_names_the_extra(
    report: KpiReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    import slrt_core._tables as tables

    real = importlib.import_module

    def without(name: str, *args: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(tables.importlib, "import_module", without)
    with pytest.raises(SlrtError) as error:
        kpi_figures(report)
    assert "pip install 'slrt-core[plot]'" in error.value.message("en")
    assert "matplotlib" in error.value.message("id")
