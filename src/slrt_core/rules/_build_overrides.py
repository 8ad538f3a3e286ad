"""Rulebook build: what variants change (overrides, switch-offs), and overlapping dates."""

from __future__ import annotations

from slrt_core.identity import RegionCode
from slrt_core.rules._build_state import BuildState, Source, offered_program
from slrt_core.rules._inputs import ValueType
from slrt_core.rules._parameters import ParameterValue
from slrt_core.rules._programs import offered_param
from slrt_core.rules._variants import Override, SwitchOff, Variant

__all__ = ["Overrides"]


class Overrides(BuildState):
    """Applies each variant's overrides and switch-offs inside its region."""

    def _check_intent(self, source: Source, variant: Variant) -> None:
        """The intent names known programs, a region inside the variant's, sane dates."""
        for key, en, id_ in variant.approval.problems():
            self._problem(source, f"variant.{key}", en, id_)
        intent = variant.intent
        if intent is None:
            return
        for i, code in enumerate(intent.programs):
            if code not in self.programs:
                self._unknown(
                    source, f"variant.intent.programs[{i}]", "program", code, self.programs
                )
        if intent.region is not None:
            self._check_layer_region(
                source, "variant.intent.region", str(intent.region), variant.region.code
            )
        if intent.valid_until is not None and intent.valid_until < intent.valid_from:
            self._problem(
                source,
                "variant.intent.until",
                f"The intent ends on {intent.valid_until} before it starts on "
                f"{intent.valid_from}. Correct one of the dates.",
                f"Maksud varian berakhir {intent.valid_until} sebelum mulai "
                f"{intent.valid_from}. Perbaiki salah satu tanggal.",
            )

    def _apply_overrides(self, source: Source, variant: Variant) -> None:
        for i, override in enumerate(variant.overrides):
            self._apply_override(source, f"override[{i}]", variant, override)
        for i, switch in enumerate(variant.switch_offs):
            self._apply_switch_off(source, f"switch_off[{i}]", variant, switch)

    def _layer(
        self, source: Source, path: str, variant: Variant, region: RegionCode | None
    ) -> str | None:
        """The layer a change applies to: its region, inside the variant's, or ``None``."""
        if region is None:
            return variant.region.code
        inside = self._check_layer_region(
            source, f"{path}.region", str(region), variant.region.code
        )
        return region.code if inside else None

    def _apply_override(
        self, source: Source, path: str, variant: Variant, override: Override
    ) -> None:
        layer = self._layer(source, path, variant, override.region)
        if layer is None:
            return
        param = self.parameters.get(override.parameter)
        if param is None:
            program = offered_program(override.parameter)
            if program is None or program not in self.programs:
                self._unknown(
                    source, f"{path}.parameter", "parameter", override.parameter, self.parameters
                )
                return
        value = ParameterValue(
            value=override.value,
            valid_from=override.valid_from,
            valid_until=override.valid_until,
            source=override.source,
            uncertain=override.uncertain,
            note=override.note,
        )
        kind = param.type if param is not None else ValueType.BOOL
        domain = None if param is None else param.effective_domain
        if self._value_ok(source, path, override.parameter, kind, value, domain):
            unit = param.unit if param is not None else ""
            self.table.add(override.parameter, layer, value, unit=unit, origin=source.place(path))

    def _apply_switch_off(
        self, source: Source, path: str, variant: Variant, switch: SwitchOff
    ) -> None:
        layer = self._layer(source, path, variant, switch.region)
        if layer is None:
            return
        if switch.program not in self.programs:
            self._unknown(source, f"{path}.program", "program", switch.program, self.programs)
            return
        value = ParameterValue(
            value=False,
            valid_from=switch.valid_from,
            valid_until=switch.valid_until,
            source=switch.source,
        )
        name = offered_param(switch.program)
        if self._value_ok(source, path, name, ValueType.BOOL, value):
            self.table.add(name, layer, value, origin=source.place(path))

    def _check_dates(self) -> None:
        for name, region, before, after in self.table.overlaps():
            self.problems.add(
                after.origin,
                f"Values of {name!r} for {region or 'national'} overlap: one from "
                f"{before.valid_from} (until {before.valid_until or 'replaced'}, "
                f"{before.origin}) and one from {after.valid_from}. End the first before the "
                "second starts, or remove one.",
                f"Nilai {name!r} untuk {region or 'nasional'} tumpang tindih: satu sejak "
                f"{before.valid_from} (sampai {before.valid_until or 'diganti'}, "
                f"{before.origin}) dan satu sejak {after.valid_from}. Akhiri yang pertama "
                "sebelum yang kedua mulai, atau hapus salah satu.",
            )

    # ---------------------------------------------------------------- programs
