"""Building a rulebook: merge the base and each variant, check everything, compile.

:class:`Builder` combines one mixin per topic (see :mod:`slrt_core.rules._build_state`)
and returns a :class:`Compiled` value that :class:`~slrt_core.rules.Rulebook` wraps.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from slrt_core.errors import InvalidInputError
from slrt_core.rules._build_criteria import Criteria
from slrt_core.rules._build_definitions import Definitions
from slrt_core.rules._build_overrides import Overrides
from slrt_core.rules._build_programs import Programs
from slrt_core.rules._build_state import Source, in_file_order
from slrt_core.rules._criteria import Criterion
from slrt_core.rules._parameters import Parameter, ParameterTable
from slrt_core.rules._plan import Plan, program_synthetics
from slrt_core.rules._programs import Program

__all__ = ["Builder", "Compiled"]


@attrs.frozen(kw_only=True)
class Compiled:
    """What a build yields: merged definitions, the parameter table and the plan."""

    parameters: Mapping[str, Parameter]
    criteria: Mapping[str, Criterion]
    programs: Mapping[str, Program]
    table: ParameterTable
    plan: Plan


class Builder(Definitions, Overrides, Programs, Criteria):
    """Merges base and variants, checks everything, and compiles."""

    def build(self) -> Compiled:
        """Every definition merged, checked and compiled.

        Raises:
            InvalidInputError: listing every problem found.
        """
        params, criteria, programs = self.base
        self._add_definitions(self.base_source, params, criteria, programs, region=None)
        for variant in self.variants:
            source = Source(f"variant {variant.name!r}", variant.origins)
            self._check_variant_region(source, variant)
            self._add_definitions(
                source, variant.parameters, variant.criteria, variant.programs, region=variant
            )
        for variant in self.variants:
            source = Source(f"variant {variant.name!r}", variant.origins)
            self._apply_overrides(source, variant)
            self._check_intent(source, variant)
        self._check_dates()
        synthetic: dict[str, Criterion] = {}
        for code, program in self.programs.items():
            self._check_program(code, program)
            for made in program_synthetics(program):
                synthetic.setdefault(made.name, made)
        everything = {**self.criteria, **synthetic}
        for name, criterion in self.criteria.items():
            self._check_test(name, criterion.test)  # Python callers may pass anything
        self._check_cycles(everything)
        if self.problems.items:
            raise InvalidInputError(in_file_order(self.problems.items), subject="the rulebook")
        plan = Plan(everything, self.programs)
        return Compiled(
            parameters=self.parameters,
            criteria=self.criteria,
            programs=self.programs,
            table=self.table,
            plan=plan,
        )
