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
        if self._value_ok(source, path, override.parameter, kind, value):
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
