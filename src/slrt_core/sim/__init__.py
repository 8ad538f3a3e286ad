"""Referral-policy simulation: synthetic districts, the real service on a simulated clock.

Researchers ask what happens to time to service, unmet need, duplicated aid and SLA
breaches if a routing policy, a rule variant or a provider's capacity changes. A
:class:`Scenario` describes a district (its population, intake channels, needs,
providers and office), each :class:`Policy` what is tested (routing, rulebook,
capacities), and :func:`run` drives the real :class:`~slrt_core.Slrt` service for every
policy and seed on a discrete-event clock, with common random numbers across policies.

Examples:
    >>> from slrt_core.sim import default_policies, default_scenario, run
    >>> result = run(default_scenario(days=14, households=1000, per_week=30),
    ...              default_policies(), seeds=[1, 2])
    >>> len(result.runs), result.metric("least-loaded", "completion").n
    (4, 2)
"""

from slrt_core.sim._calibrate import (
    CALIBRATION_COLUMNS,
    LOG_COLUMNS,
    Calibration,
    calibrate,
    read_referral_log,
    referral_log,
)
from slrt_core.sim._defaults import default_directory, default_policies, default_scenario
from slrt_core.sim._districts import DISTRICT_SOURCES, DistrictProfile, district_profile
from slrt_core.sim._driver import ContextPolicy, LiveCapacity, RouteContext, ServiceStats
from slrt_core.sim._engine import Server, SimClock, Simulation
from slrt_core.sim._national import (
    SCREEN_COLUMNS,
    NationalScreen,
    partitions,
    screen_parquet,
    screen_partition,
    write_partitions,
)
from slrt_core.sim._plots import figures, plot
from slrt_core.sim._population import (
    HOUSEHOLD_COLUMNS,
    PERSON_COLUMNS,
    SOURCES,
    PopulationSpec,
    SimPopulation,
    load_population,
    synthetic_population,
)
from slrt_core.sim._region import RegionResult, district_scenario, run_region
from slrt_core.sim._results import (
    CASE_COLUMNS,
    FUNNEL,
    METRICS,
    QUEUE_COLUMNS,
    REFERRAL_COLUMNS,
    SERVICE_COLUMNS,
    Estimate,
    Metric,
    SimResult,
)
from slrt_core.sim._run import Progress, run, screen_population
from slrt_core.sim._scenario import (
    STAFF_ROLES,
    Change,
    Distribution,
    FollowUp,
    Intake,
    NeedShare,
    Office,
    Policy,
    Scenario,
    ServiceModel,
)
from slrt_core.sim._sweep import sweep
from slrt_core.sim._toml import ROUTINGS, load_scenario, parse_scenario

__all__ = [
    "CALIBRATION_COLUMNS",
    "CASE_COLUMNS",
    "Calibration",
    "Change",
    "ContextPolicy",
    "DISTRICT_SOURCES",
    "Distribution",
    "DistrictProfile",
    "Estimate",
    "FUNNEL",
    "FollowUp",
    "HOUSEHOLD_COLUMNS",
    "Intake",
    "LOG_COLUMNS",
    "LiveCapacity",
    "METRICS",
    "Metric",
    "NationalScreen",
    "NeedShare",
    "Office",
    "PERSON_COLUMNS",
    "Policy",
    "PopulationSpec",
    "Progress",
    "QUEUE_COLUMNS",
    "REFERRAL_COLUMNS",
    "ROUTINGS",
    "RegionResult",
    "RouteContext",
    "SCREEN_COLUMNS",
    "SERVICE_COLUMNS",
    "SOURCES",
    "STAFF_ROLES",
    "Scenario",
    "Server",
    "ServiceModel",
    "ServiceStats",
    "SimClock",
    "SimPopulation",
    "SimResult",
    "Simulation",
    "calibrate",
    "default_directory",
    "default_policies",
    "default_scenario",
    "district_profile",
    "district_scenario",
    "figures",
    "load_population",
    "load_scenario",
    "parse_scenario",
    "partitions",
    "plot",
    "read_referral_log",
    "referral_log",
    "run",
    "run_region",
    "screen_parquet",
    "screen_partition",
    "screen_population",
    "sweep",
    "synthetic_population",
    "write_partitions",
]
