"""Simulation speed: the engine beside SimPy and a heapq loop, and a whole district-year.

Every figure is the median of several runs with the garbage collector on, set-up
included unless stated, measured in the same process as its baseline; on a shared
machine read the ratios, not the absolute seconds.

- ``simulation.engine``: the discrete-event kernel alone (:class:`~slrt_core.sim.Simulation`
  and :class:`~slrt_core.sim.Server`) on a pure queueing model: 100,000 clients (20,000
  with ``--quick``) arriving at random, each visiting 1-3 of 5 providers in turn, each
  provider with 2-6 places and a first-come, first-served line; exponential service
  times, about 80% utilisation. Beside it, on the same random draws (drawn once, outside
  the timer), the same model in SimPy (processes and ``simpy.Resource``) and in a plain
  ``heapq`` loop written for this model alone. All three must give the same mean time
  in the system; the figure is clients per second.
- ``simulation.district_year``: the whole simulation of one district-year in one
  process: the default Kota Semarang scenario at 385 cases a week for 365 days plus a
  60-day drain (about 20,000 cases), 150,000 synthetic families, one policy and seed.
  The timer covers everything :func:`slrt_core.sim.run` does: drawing the population,
  screening it with the rules, driving every case through the real
  :class:`~slrt_core.Slrt` on a ``MemoryStore``, building the tables, and sealing and
  verifying the audit chain. Its baseline is the figure issue 16 measured before this
  work (58.6 s of run time plus 14 s of set-up on a quiet core, GC on: 72.6 s).
  ``--quick`` runs 60 days and extrapolates to the year by cases.
- ``simulation.region``: the province of Yogyakarta (34, five districts) for 60 days at
  each district's own pace (:func:`slrt_core.sim.run_region`), in one process and on a
  local dask cluster of 1 and 2 worker processes. Both clusters are started and warmed
  first (imports, the pack and the calendar on every worker: start-up is outside the
  timer), then take turns run by run, so that a change in the load of a shared machine
  falls on both alike; the speed-up is the median of the paired ratios. Beside it: the
  CPU cores the workers actually got during the timed runs (their CPU seconds over the
  wall time), the bound the task sizes allow on 2 workers (longest task first, each to
  the first free worker), and each worker's peak resident memory. The national
  core-hours of a year are extrapolated from the 1-worker rate and every district's
  expected cases.

Run: ``python bench/simulation.py [--quick] [--json] [--only engine|domain]``.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import itertools
import random
import statistics
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from _common import Options, finish, parse_args, peak_alloc, report

from slrt_core.sim import Server, Simulation, default_policies, default_scenario, run
from slrt_core.sim._national import _peak_rss_mib

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


def _median(run: Callable[[], object], repeat: int) -> float:
    """The median seconds of *repeat* calls of *run*, garbage collector on."""
    times = []
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def bench_engine(options: Options, repeat: int) -> None:
    clients = 20_000 if options.quick else 100_000
    model = Model(clients)
    mean = ours(model)
    assert abs(with_simpy(model) - mean) < 1e-6 * max(mean, 1.0), "SimPy disagrees"
    assert abs(plain(model) - mean) < 1e-6 * max(mean, 1.0), "the heapq loop disagrees"
    mine = _median(lambda: ours(model), repeat)
    simpy_ = _median(lambda: with_simpy(model), repeat)
    heap = _median(lambda: plain(model), repeat)
    report(options, "simulation.engine.vs_simpy", clients / mine, "clients/s", clients / simpy_)
    report(options, "simulation.engine.vs_plain_heapq", clients / mine, "clients/s", clients / heap)
    report(
        options,
        "simulation.engine.peak_alloc",
        peak_alloc(lambda: model, ours),
        "MiB",
        peak_alloc(lambda: model, with_simpy),
    )


#: Issue 16's figure before this work: 58.6 s of run time + 14 s of set-up, GC on.
OLD_DISTRICT_YEAR = 72.6


def bench_domain(options: Options, repeat: int) -> None:
    days = 60 if options.quick else 365
    policy = default_policies()[0]
    rows: list[dict[str, Any]] = []

    def district_year() -> None:
        scenario = default_scenario(days=days, per_week=385.0, households=150_000, drain=60)
        rows.append(run(scenario, [policy], seeds=[1]).runs[0])

    wall = _median(district_year, repeat)
    row = rows[-1]
    cases, commands, seconds = row["cases"], row["commands"], row["seconds"]
    assert row["audit_ok"], "the audit chain does not verify"
    year = wall if not options.quick else wall * 20_000 / cases
    report(
        options,
        "simulation.district_year" + ("_extrapolated" if options.quick else ""),
        1 / year,
        "district-years/s",
        1 / OLD_DISTRICT_YEAR,
        target="< 20 s",
    )
    report(options, "simulation.district_year.seconds", year, "s", OLD_DISTRICT_YEAR)
    report(options, "simulation.district_year.cases", cases, "cases", None)
    report(
        options, "simulation.district_year.commands_per_s", commands / seconds, "commands/s", None
    )
    report(options, "simulation.district_year.run_share", seconds / wall, "of wall", None)
    report(options, "simulation.district_year.audit_records", row["audit_records"], "records", None)


def _cpu_seconds() -> float:
    """This process's CPU time, user and system (run on each worker)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench_region(options: Options, repeat: int) -> None:
    """A province as its districts: in one process, then on 1 and 2 local workers."""
    from distributed import Client, LocalCluster

    from slrt_core.identity import RegionCode, RegionLevel
    from slrt_core.sim import district_profile, run_region

    days = 14 if options.quick else 60
    policy = default_policies()[:1]
    kwargs: dict[str, Any] = {"days": days, "drain": 30, "households": 20_000, "scale": 1.0}
    rows: list[Any] = []
    here = _median(lambda: rows.append(run_region("34", policy, [1], **kwargs)), repeat)
    cases = sum(r["cases"] for r in rows[-1].rows)
    report(options, "simulation.region.inprocess", cases / here, "cases/s", None)
    # Both clusters stay up and take turns, run by run, so that a change in the load of
    # a shared machine falls on both alike; each is warmed first (imports, the pack and
    # the calendar on every worker), as cluster start-up is outside the timer.
    with contextlib.ExitStack() as stack:
        clients = {}
        for workers in (1, 2):
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers, threads_per_worker=1, dashboard_address=":0", memory_limit=0
                )
            )
            clients[workers] = stack.enter_context(Client(cluster))
            warm = {**kwargs, "days": 2, "drain": 2, "households": 500}
            run_region("34", policy, [1], client=clients[workers], **warm)
        times: dict[int, list[float]] = {1: [], 2: []}
        cores: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(repeat):
            for workers, client in clients.items():
                gc.collect()
                before = client.run(_cpu_seconds)
                began = time.perf_counter()
                run_region("34", policy, [1], client=client, **kwargs)
                wall = time.perf_counter() - began
                after = client.run(_cpu_seconds)
                times[workers].append(wall)
                cores[workers].append(sum(after[w] - before[w] for w in after) / wall)
        by_workers = {w: statistics.median(t) for w, t in times.items()}
        for workers, client in clients.items():
            report(
                options,
                f"simulation.region.workers_{workers}_cores_used",
                statistics.median(cores[workers]),
                "cores",
                None,
            )
            peak = max(client.run(_peak_rss_mib).values())
            report(
                options,
                f"simulation.region.workers_{workers}",
                cases / by_workers[workers],
                "cases/s",
                cases / here,
            )
            report(options, f"simulation.region.workers_{workers}_peak_rss", peak, "MiB", None)
    pairs = [one / two for one, two in zip(times[1], times[2], strict=True)]
    report(
        options,
        "simulation.region.speedup_2_over_1_paired_median",
        statistics.median(pairs),
        "x",
        None,
    )
    report(options, "simulation.region.speedup_2_over_1", by_workers[1] / by_workers[2], "x", None)
    # The best 2 workers can do with these tasks: longest first, each to the first free.
    tasks = sorted((r["seconds"] for r in rows[-1].rows), reverse=True)
    loads = [0.0, 0.0]
    for seconds in tasks:
        loads[loads.index(min(loads))] += seconds
    report(options, "simulation.region.speedup_2_bound", sum(tasks) / max(loads), "x", None)
    # The nation: every district's expected cases for a year, at the 1-worker rate.
    nation = sum(
        district_profile(d).cases_per_week * 52
        for d in RegionCode.INDONESIA.codes_at(RegionLevel.REGENCY)
    )
    rate = cases / by_workers[1]
    report(options, "simulation.nation.cases_per_year", nation, "cases", None)
    report(options, "simulation.nation.core_hours_extrapolated", nation / rate / 3600, "h", None)


def main() -> None:
    options = parse_args(__doc__.splitlines()[0], parts=("engine", "domain", "region"))
    repeat = options.repeat or 3
    if options.wants("engine"):
        bench_engine(options, repeat)
    if options.wants("domain"):
        bench_domain(options, repeat)
    if options.wants("region"):
        bench_region(options, repeat)
    finish(options, "simulation")


if __name__ == "__main__":
    main()
