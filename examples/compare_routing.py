"""Compare two referral routing policies on a simulated Kota Semarang, with plots.

The scenario of the tutorial docs/tutorials/compare-routing-policies.md: six weeks at
100 new cases a week, four seeds, nearest tier first against least loaded first. Every
case runs through the real Slrt service on a simulated clock.

Run it with ``python examples/compare_routing.py``; add ``--plots DIR`` to write the
three PNG plots (needs matplotlib, the ``plot`` extra). The tutorial's images were made
with ``python examples/compare_routing.py --plots docs/tutorials/compare-routing``.
"""

from __future__ import annotations

import argparse

from slrt_core.sim import default_policies, default_scenario, plot, run


def main() -> None:
    """Run the comparison, print the summary and, if asked, write the plots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plots", help="directory for the PNG plots")
    args = parser.parse_args()
    scenario = default_scenario(days=42, per_week=100, households=20_000)
    result = run(scenario, default_policies(), seeds=[1, 2, 3, 4])
    print(result.summary())
    if args.plots:
        for path in plot(result, args.plots):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
