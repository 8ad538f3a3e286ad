"""The public testing kit of slrt_core: Hypothesis strategies, test doubles and contract suites."""
