"""The discrete-event kernel: timed actions on a heap, places with a waiting line.

Deliberately small. A process is a chain of plain callbacks, each scheduling the next;
there are no generators or event objects to allocate per step (which is where a
general-purpose library such as SimPy spends its time), so the loop costs one heap push
and one heap pop per action.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

__all__ = ["Server", "SimClock", "Simulation"]

Action = Callable[..., object]


class Simulation:
    """A simulated clock (:attr:`now`, in days) and the actions due on it.

    Actions run in time order; actions due at the same time run in the order they were
    scheduled, so a run is a deterministic function of what is scheduled.

    Examples:
        >>> sim = Simulation()
        >>> seen = []
        >>> sim.after(2.0, seen.append, "second")
        >>> sim.after(0.5, seen.append, "first")
        >>> sim.run()
        2
        >>> seen, sim.now
        (['first', 'second'], 2.0)

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_heap", "_order", "now")

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._heap: list[tuple[float, int, Action, tuple[Any, ...]]] = []
        self._order = itertools.count()

    def at(self, time: float, action: Action, /, *args: Any) -> None:
        """Run ``action(*args)`` at *time* (at :attr:`now` if *time* has passed)."""
        heapq.heappush(self._heap, (max(time, self.now), next(self._order), action, args))

    def after(self, delay: float, action: Action, /, *args: Any) -> None:
        """Run ``action(*args)`` *delay* days from now (a negative delay means now)."""
        heapq.heappush(
            self._heap,
            (self.now + delay if delay > 0 else self.now, next(self._order), action, args),
        )

    @property
    def pending(self) -> int:
        """How many actions are scheduled and not yet run."""
        return len(self._heap)

    def run(self, until: float | None = None) -> int:
        """Run actions in time order; stop when none is left or the next is after *until*.

        Returns:
            How many actions ran. With *until*, :attr:`now` is *until* afterwards (unless
            it had already passed).
        """
        heap = self._heap
        pop = heapq.heappop
        count = 0
        if until is None:
            while heap:
                time, _, action, args = pop(heap)
                self.now = time
                action(*args)
                count += 1
            return count
        while heap and heap[0][0] <= until:
            time, _, action, args = pop(heap)
            self.now = time
            action(*args)
            count += 1
        self.now = max(self.now, until)
        return count


class Server:
    """*capacity* places served at once, and a first-come, first-served waiting line.

    Args:
        capacity: places (0 or more; with 0, everyone waits).
        name: for reports.

    Examples:
        >>> desk = Server(1, name="desk")
        >>> started = []
        >>> desk.request(started.append, "a"), desk.request(started.append, "b")
        (True, False)
        >>> desk.busy, desk.waiting, started
        (1, 1, ['a'])
        >>> desk.release()
        >>> desk.busy, desk.waiting, started
        (1, 0, ['a', 'b'])

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_line", "busy", "capacity", "name", "started")

    def __init__(self, capacity: int, *, name: str = "") -> None:
        self.capacity = capacity
        self.name = name
        self.busy = 0
        self.started = 0
        self._line: deque[tuple[Action, tuple[Any, ...]]] = deque()

    @property
    def waiting(self) -> int:
        """How many wait for a place."""
        return len(self._line)

    @property
    def available(self) -> int:
        """Places free now."""
        return max(self.capacity - self.busy, 0)

    def request(self, start: Action, /, *args: Any) -> bool:
        """Take a place and call ``start(*args)`` now, or join the line if none is free.

        Returns:
            True when it started now.
        """
        if self.busy < self.capacity:
            self.busy += 1
            self.started += 1
            start(*args)
            return True
        self._line.append((start, args))
        return False

    def release(self) -> None:
        """Free a place: the first in line (if any) takes it and starts now.

        After :meth:`resize` took places away, a freed place above the new capacity
        closes instead.
        """
        if self._line and self.busy <= self.capacity:
            start, args = self._line.popleft()
            self.started += 1
            start(*args)
        else:
            self.busy -= 1

    def resize(self, capacity: int) -> None:
        """Change the places to *capacity*: new places start the first in line now.

        Places taken away close as they are freed; whoever holds one finishes.

        Examples:
            >>> desk = Server(1)
            >>> started = []
            >>> _ = desk.request(started.append, "a"), desk.request(started.append, "b")
            >>> desk.resize(2)
            >>> started, desk.busy
            (['a', 'b'], 2)
            >>> desk.resize(1); desk.release(); desk.busy
            1
        """
        self.capacity = capacity
        while self._line and self.busy < capacity:
            start, args = self._line.popleft()
            self.busy += 1
            self.started += 1
            start(*args)


class SimClock:
    """The :class:`~slrt_core.ports.Clock` of a simulation: *start* plus the simulated days.

    Examples:
        >>> from datetime import UTC, datetime
        >>> sim = Simulation()
        >>> clock = SimClock(sim, datetime(2026, 1, 5, 1, 0, tzinfo=UTC))
        >>> sim.after(1.5, lambda: None)
        >>> _ = sim.run()
        >>> clock.now()
        datetime.datetime(2026, 1, 6, 13, 0, tzinfo=datetime.timezone.utc)

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_at", "_last", "sim", "start")

    def __init__(self, sim: Simulation, start: datetime) -> None:
        self.sim = sim
        self.start = start
        self._last = sim.now
        self._at = start + timedelta(days=sim.now)

    def now(self) -> datetime:
        """The simulated time."""
        now = self.sim.now
        if now != self._last:  # many commands run at one simulated instant
            self._last = now
            self._at = self.start + timedelta(days=now)
        return self._at

    def day(self, at: datetime) -> float:
        """*at* as days since the start."""
        return (at - self.start).total_seconds() / 86400.0
