"""Simulation speed: the engine beside SimPy, and full-domain cases per second.

- ``simulation.engine``: the discrete-event kernel alone (:class:`~slrt_core.sim.Simulation`
  and :class:`~slrt_core.sim.Server`) on a pure queueing model: 100,000 clients (20,000
  with ``--quick``) arriving at random, each visiting 1-3 of 5 providers in turn, each
  provider with 2-6 places and a first-come, first-served line; exponential service
  times, about 80% utilisation. Beside it, in the same run and on the same random draws,
  the same model in SimPy (processes and ``simpy.Resource``) and in a plain ``heapq``
  loop written for this model alone. All three must give the same mean time in the
  system; the figure is clients per second, the ratio ours / SimPy (target >= 2).
- ``simulation.domain``: the whole simulation (:func:`slrt_core.sim.run`): the default
  Kota Semarang scenario at a district-year's pace (385 cases a week), every case driven
  through the real :class:`~slrt_core.Slrt` on a ``MemoryStore``, in simulated cases per
  second. ``--quick`` simulates 60 days, the default a whole year (about 20,000 cases);
  the time for 1,000,000 cases is extrapolated from the measured rate (a million cases
  in one process would hold some 14 million events in memory). Its baseline is the
  service alone running straight 14-command flows (``bench/service.py``) in the same run:
  the ratio of commands per second shows what the simulation adds to the service. As
  in every benchmark here, the garbage collector is off while timed.

Run: ``python bench/simulation.py [--quick] [--json] [--only engine|domain]``.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import random
import time
from collections import deque
from typing import Any

from _common import Options, compare, finish, parse_args, peak_alloc, report, timed
from service import COMMANDS_PER_FLOW, make_slrt, run_flows

from slrt_core.adapters import MemoryStore
from slrt_core.sim import Server, Simulation, default_policies, default_scenario, run

PLACES = (2, 3, 4, 5, 6)
MEAN_SERVICE = 1.0
UTILISATION = 0.8


class Model:
    """The random draws of the queueing model, shared by the three implementations."""

    def __init__(self, clients: int, seed: int = 1) -> None:
        rng = random.Random(seed)
        visits_per_client = 2.0  # 1-3 providers, evenly
        # Arrival rate so that the busiest provider runs at about UTILISATION.
        per_provider = [p * UTILISATION / MEAN_SERVICE for p in PLACES]
        rate = min(per_provider) * len(PLACES) / visits_per_client
        t = 0.0
        self.arrivals: list[float] = []
        self.routes: list[list[tuple[int, float]]] = []
        weights = list(PLACES)
        for _ in range(clients):
            t += rng.expovariate(rate)
            self.arrivals.append(t)
            stops = rng.sample(range(len(PLACES)), rng.randint(1, 3))
            stops = sorted(stops, key=lambda s: -weights[s])  # bigger providers first
            self.routes.append([(s, rng.expovariate(1 / MEAN_SERVICE)) for s in stops])


def ours(model: Model) -> float:
    """The model on slrt_core.sim's kernel; the mean time in the system."""
    sim = Simulation()
    servers = [Server(p) for p in PLACES]
    total = [0.0]

    def arrive(i: int) -> None:
        if i + 1 < len(model.arrivals):  # one arrival ahead, as SimPy's source process
            sim.at(model.arrivals[i + 1], arrive, i + 1)
        visit(i, 0)

    def visit(i: int, k: int) -> None:
        route = model.routes[i]
        if k == len(route):
            total[0] += sim.now - model.arrivals[i]
            return
        servers[route[k][0]].request(start, i, k)

    def start(i: int, k: int) -> None:
        sim.after(model.routes[i][k][1], done, i, k)

    def done(i: int, k: int) -> None:
        servers[model.routes[i][k][0]].release()
        visit(i, k + 1)

    sim.at(model.arrivals[0], arrive, 0)
    sim.run()
    return total[0] / len(model.arrivals)


def with_simpy(model: Model) -> float:
    """The same model in SimPy: a process per client, a Resource per provider."""
    import simpy

    env = simpy.Environment()
    resources = [simpy.Resource(env, capacity=p) for p in PLACES]
    total = [0.0]

    def source() -> Any:
        for i, at in enumerate(model.arrivals):
            yield env.timeout(at - env.now)
            env.process(client(i))

    def client(i: int) -> Any:
        for stop, service in model.routes[i]:
            with resources[stop].request() as request:
                yield request
                yield env.timeout(service)
        total[0] += env.now - model.arrivals[i]

    env.process(source())
    env.run()
    return total[0] / len(model.arrivals)


def plain(model: Model) -> float:
    """A heapq loop written for this model only: the floor for an event loop in Python."""
    heap: list[tuple[float, int, int, int, int]] = []
    order = itertools.count()
    busy = [0] * len(PLACES)
    lines: list[deque[tuple[int, int]]] = [deque() for _ in PLACES]
    total = 0.0
    arrive, finish_ = 0, 1
    arrivals = model.arrivals
    heap.append((arrivals[0], next(order), arrive, 0, 0))
    push, pop = heapq.heappush, heapq.heappop
    while heap:
        now, _, kind, i, k = pop(heap)
        route = model.routes[i]
        if kind == arrive and i + 1 < len(arrivals):
            push(heap, (arrivals[i + 1], next(order), arrive, i + 1, 0))
        if kind == finish_:
            stop = route[k][0]
            if lines[stop]:
                j, m = lines[stop].popleft()
                push(heap, (now + model.routes[j][m][1], next(order), finish_, j, m))
            else:
                busy[stop] -= 1
            k += 1
        if k == len(route):
            total += now - model.arrivals[i]
            continue
        stop, service = route[k]
        if busy[stop] < PLACES[stop]:
            busy[stop] += 1
            push(heap, (now + service, next(order), finish_, i, k))
        else:
            lines[stop].append((i, k))
    return total / len(model.arrivals)


def bench_engine(options: Options, repeat: int) -> None:
    clients = 20_000 if options.quick else 100_000
    model = Model(clients)
    mean = ours(model)
    assert abs(with_simpy(model) - mean) < 1e-6 * max(mean, 1.0), "SimPy disagrees"
    assert abs(plain(model) - mean) < 1e-6 * max(mean, 1.0), "the heapq loop disagrees"
    best_ours, best_simpy = compare((lambda: model, ours), (lambda: model, with_simpy), repeat)
    best_plain = min(timed(lambda: model, plain) for _ in range(repeat))
    report(
        options,
        "simulation.engine.throughput",
        clients / best_ours,
        "clients/s",
        clients / best_simpy,
        target=">= 2x SimPy",
    )
    report(
        options,
        "simulation.engine.vs_plain_heapq",
        clients / best_ours,
        "clients/s",
        clients / best_plain,
    )
    report(
        options,
        "simulation.engine.peak_alloc",
        peak_alloc(lambda: model, ours),
        "MiB",
        peak_alloc(lambda: model, with_simpy),
    )


def bench_domain(options: Options) -> None:
    days = 60 if options.quick else 365
    scenario = default_scenario(days=days, per_week=385.0, households=150_000, drain=60)
    policy = default_policies()[0]
    # As for the baseline (see _common.timed), the garbage collector is off while timed.
    gc.collect()
    gc.disable()
    try:
        began = time.perf_counter()
        result = run(scenario, [policy], seeds=[1])
        wall = time.perf_counter() - began
    finally:
        gc.enable()
    row = result.runs[0]
    cases, commands, seconds = row["cases"], row["commands"], row["seconds"]
    flows = 300 if options.quick else 1_000
    straight = min(
        timed(lambda: make_slrt(MemoryStore()), lambda s: run_flows(s, flows)) for _ in range(3)
    )
    report(
        options,
        "simulation.domain.throughput",
        cases / seconds,
        "cases/s",
        None,
        target=">= 667 cases/s (20,000 in 30 s)",
    )
    report(
        options,
        "simulation.domain.commands",
        commands / seconds,
        "commands/s",
        flows * COMMANDS_PER_FLOW / straight,
    )
    report(options, "simulation.domain.cases", cases, "cases", None)
    report(options, "simulation.domain.wall_incl_setup", wall, "s", None)
    year = 20_000 / (cases / seconds)
    report(
        options,
        "simulation.domain.district_year" + ("_extrapolated" if options.quick else ""),
        year if options.quick else seconds * 20_000 / cases,
        "s",
        None,
        target="< 30 s",
    )
    report(
        options, "simulation.domain.million_extrapolated", 1_000_000 / (cases / seconds), "s", None
    )
    small = default_scenario(days=14, per_week=385.0, households=20_000, drain=30)
    report(
        options,
        "simulation.domain.peak_alloc_14_days",
        peak_alloc(lambda: small, lambda s: run(s, [policy], seeds=[1])),
        "MiB",
        None,
    )


def main() -> None:
    options = parse_args(__doc__.splitlines()[0], parts=("engine", "domain"))
    repeat = options.repeat or (3 if options.quick else 5)
    if options.wants("engine"):
        bench_engine(options, repeat)
    if options.wants("domain"):
        bench_domain(options)
    finish(options, "simulation")


if __name__ == "__main__":
    main()
