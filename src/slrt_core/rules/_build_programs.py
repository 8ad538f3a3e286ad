"""Rulebook build: each program's eligibility, sectors, tier, benefit and overlaps checked."""

from __future__ import annotations

from slrt_core.rules._build_definitions import PROGRAM_CODE
from slrt_core.rules._build_state import BuildState, Source
from slrt_core.rules._decision import Period
from slrt_core.rules._inputs import Scope, ValueType
from slrt_core.rules._programs import (
    Component,
    FixedBenefit,
    InKindBenefit,
    Overlap,
    OverlapKind,
    PerMemberBenefit,
    Program,
)
from slrt_core.vocabulary import Sector, Tier

__all__ = ["Programs"]


class Programs(BuildState):
    """Checks program definitions against the criteria and parameters built."""

    def _check_program(self, code: str, program: Program) -> None:
        source = self.sources[f"programs.{code}"]
        path = f"programs.{code}"
        if program.eligibility not in self.criteria:
            self._unknown(
                source, f"{path}.eligibility", "criterion", program.eligibility, self.criteria
            )
        elif self._scope(program.eligibility) is not Scope.HOUSEHOLD:
            self._problem(
                source,
                f"{path}.eligibility",
                f"The eligibility of {code} must be a household criterion, but "
                f"{program.eligibility!r} is about each member. Wrap it in a member_any "
                "criterion.",
                f"Kelayakan {code} harus kriteria rumah tangga, tetapi "
                f"{program.eligibility!r} tentang tiap anggota. Bungkus dengan kriteria "
                "member_any.",
            )
        sectors: tuple[object, ...] = program.sectors  # Python callers may pass anything
        for i, sector in enumerate(sectors):
            if not isinstance(sector, Sector):
                self._problem(
                    source,
                    f"{path}.sectors[{i}]",
                    f"Unknown sector {sector!r}; use one of {', '.join(Sector)}.",
                    f"Sektor {sector!r} tidak dikenal; gunakan salah satu dari "
                    f"{', '.join(Sector)}.",
                )
        tier: object = program.tier
        if not isinstance(tier, Tier):
            self._problem(
                source,
                f"{path}.tier",
                f"Unknown tier {tier!r}; use one of {', '.join(Tier)}.",
                f"Tingkat {tier!r} tidak dikenal; gunakan salah satu dari {', '.join(Tier)}.",
            )
        self._check_benefit(source, f"{path}.benefit", program.benefit)
        for i, overlap in enumerate(program.overlaps):
            self._check_overlap(source, f"{path}.overlaps[{i}]", code, overlap)

    def _check_benefit(self, source: Source, path: str, benefit: object) -> None:
        if isinstance(benefit, FixedBenefit):
            self._check_int_param(source, f"{path}.amount", benefit.amount)
            if benefit.shared_by is not None:
                self._check_int_param(source, f"{path}.shared_by", benefit.shared_by)
            self._check_period(source, path, benefit.period)
        elif isinstance(benefit, PerMemberBenefit):
            if not benefit.components:
                self._problem(
                    source,
                    f"{path}.components",
                    "A per-member benefit needs at least one component.",
                    "Manfaat per anggota memerlukan paling sedikit satu komponen.",
                )
            for i, component in enumerate(benefit.components):
                self._check_component(source, f"{path}.components[{i}]", component)
            if benefit.cap is not None:
                self._check_int_param(source, f"{path}.cap", benefit.cap)
            self._check_period(source, path, benefit.period)
        elif not isinstance(benefit, InKindBenefit):
            self._problem(
                source,
                path,
                f"Unknown benefit {benefit!r}; use FixedBenefit, PerMemberBenefit or "
                "InKindBenefit.",
                f"Manfaat {benefit!r} tidak dikenal; gunakan FixedBenefit, PerMemberBenefit "
                "atau InKindBenefit.",
            )

    def _check_period(self, source: Source, path: str, period: object) -> None:
        if not isinstance(period, Period):
            self._problem(
                source,
                f"{path}.period",
                f"Unknown period {period!r}; use one of {', '.join(Period)}.",
                f"Periode {period!r} tidak dikenal; gunakan salah satu dari {', '.join(Period)}.",
            )

    def _check_component(self, source: Source, path: str, component: Component) -> None:
        if component.criterion not in self.criteria:
            self._unknown(
                source, f"{path}.criterion", "criterion", component.criterion, self.criteria
            )
        elif self._scope(component.criterion) is not Scope.MEMBER:
            self._problem(
                source,
                f"{path}.criterion",
                f"A benefit component must be a member criterion; {component.criterion!r} is "
                "about the household.",
                f"Komponen manfaat harus kriteria anggota; {component.criterion!r} tentang "
                "rumah tangga.",
            )
        self._check_int_param(source, f"{path}.amount", component.amount)

    def _check_int_param(self, source: Source, path: str, name: str) -> None:
        param = self.parameters.get(name)
        if param is None:
            self._unknown(source, path, "parameter", name, self.parameters)
        elif param.type is not ValueType.INT:
            self._problem(
                source,
                path,
                f"Parameter {name!r} must be an int (Rupiah or a count); it is {param.type}.",
                f"Parameter {name!r} harus int (Rupiah atau jumlah); tipenya {param.type}.",
            )

    def _check_overlap(self, source: Source, path: str, code: str, overlap: Overlap) -> None:
        kind: object = overlap.kind
        if not isinstance(kind, OverlapKind):
            self._problem(
                source,
                f"{path}.kind",
                f"Unknown overlap {kind!r}; use one of {', '.join(OverlapKind)}.",
                f"Jenis tumpang tindih {kind!r} tidak dikenal; gunakan salah satu dari "
                f"{', '.join(OverlapKind)}.",
            )
        if not PROGRAM_CODE.fullmatch(overlap.program) or overlap.program == code:
            self._problem(
                source,
                f"{path}.program",
                f"An overlap must name another program code, not {overlap.program!r}.",
                f"Tumpang tindih harus menyebut kode program lain, bukan {overlap.program!r}.",
            )
        elif overlap.kind is OverlapKind.EXCLUDES and overlap.program not in self.programs:
            self._unknown(source, f"{path}.program", "program", overlap.program, self.programs)

    # ---------------------------------------------------------------- criteria
