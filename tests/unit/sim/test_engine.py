"""The discrete-event kernel: order, ties, horizons, places and the clock."""

from __future__ import annotations

from datetime import UTC, datetime

from slrt_core.sim import Server, SimClock, Simulation


class TestSimulation:
    def test_actions_run_in_time_order_and_ties_in_scheduling_order(self) -> None:
        """Earlier times first; equal times in the order they were scheduled."""
        sim = Simulation()
        seen: list[str] = []
        sim.at(2.0, seen.append, "c")
        sim.at(1.0, seen.append, "a")
        sim.at(1.0, seen.append, "b")
        assert sim.pending == 3
        assert sim.run() == 3
        assert seen == ["a", "b", "c"]
        assert sim.now == 2.0

    def test_past_times_and_negative_delays_run_now(self) -> None:
        """An action scheduled in the past runs at the current time, never earlier."""
        sim = Simulation(start=5.0)
        times: list[float] = []
        sim.at(1.0, lambda: times.append(sim.now))
        sim.after(-3.0, lambda: times.append(sim.now))
        sim.run()
        assert times == [5.0, 5.0]

    def test_actions_can_schedule_more_actions(self) -> None:
        """A chain of callbacks is a process: each schedules the next."""
        sim = Simulation()
        steps: list[float] = []

        def step(n: int) -> None:
            steps.append(sim.now)
            if n:
                sim.after(0.5, step, n - 1)

        sim.after(1.0, step, 3)
        assert sim.run() == 4
        assert steps == [1.0, 1.5, 2.0, 2.5]

    def test_run_until_stops_at_the_horizon_and_resumes(self) -> None:
        """Actions after *until* stay scheduled; the clock shows *until*."""
        sim = Simulation()
        seen: list[int] = []
        for t in (1, 2, 3):
            sim.at(float(t), seen.append, t)
        assert sim.run(until=2.5) == 2
        assert (seen, sim.now, sim.pending) == ([1, 2], 2.5, 1)
        assert sim.run(until=1.0) == 0  # a horizon in the past leaves the clock alone
        assert sim.now == 2.5
        assert sim.run() == 1
        assert seen == [1, 2, 3]


class TestServer:
    def test_places_fill_then_the_line_is_served_first_come_first_served(self) -> None:
        """Requests beyond the capacity wait; each release starts the longest waiting."""
        server = Server(2, name="desk")
        started: list[str] = []
        assert [server.request(started.append, x) for x in "abcd"] == [True, True, False, False]
        assert (server.busy, server.waiting, server.available) == (2, 2, 0)
        server.release()
        server.release()
        assert started == ["a", "b", "c", "d"]
        server.release()
        server.release()
        assert (server.busy, server.waiting, server.available, server.started) == (0, 0, 2, 4)

    def test_no_places_means_everyone_waits(self) -> None:
        """With capacity 0 nobody starts; the number of free places is never negative."""
        server = Server(0)
        started: list[int] = []
        assert not server.request(started.append, 1)
        assert (server.available, server.waiting, started) == (0, 1, [])


class TestSimClock:
    def test_the_clock_is_the_start_plus_the_simulated_days(self) -> None:
        """now() follows the simulation; day() converts back."""
        start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
        sim = Simulation(start=0.25)
        clock = SimClock(sim, start)
        assert clock.now() == datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
        sim.at(2.0, lambda: None)
        sim.run()
        assert clock.now() == datetime(2026, 1, 7, 1, 0, tzinfo=UTC)
        assert clock.now() is clock.now()  # one instant, one datetime
        assert clock.day(clock.now()) == 2.0
