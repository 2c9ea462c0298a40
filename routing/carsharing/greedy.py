"""The baseline: first come, first served — each request in submission order takes its cheapest free option."""

from __future__ import annotations

import bisect
import time

from routing.carsharing.problem import CompiledProblem, Option
from routing.carsharing.solution import Assignment


class _CarTimeline:
    """Sorted, non-overlapping blocked periods of one car."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def free(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start)
        if i > 0 and self.ends[i - 1] > start:
            return False
        return i >= len(self.starts) or self.starts[i] >= end

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def solve_greedy(compiled: CompiledProblem) -> Assignment:
    """Serve requests in the order they were submitted (promised ones first), each with its cheapest free option."""
    t0 = time.perf_counter()
    reqs = compiled.source.requests
    promised = compiled.source.promised
    order = sorted(range(len(reqs)), key=lambda r: (reqs[r].id not in promised, reqs[r].submitted_at, r))
    timelines: dict[int, _CarTimeline] = {}
    chosen: dict[int, Option] = {}
    for r in order:
        for o in compiled.options[r]:
            line = timelines.setdefault(o.car, _CarTimeline())
            if line.free(o.block_start, o.block_end):
                line.add(o.block_start, o.block_end)
                chosen[r] = o
                break
    return Assignment(compiled, chosen, "greedy-fcfs", time.perf_counter() - t0)


def solve_earliest_end(compiled: CompiledProblem) -> Assignment:
    """A stronger heuristic (used as CP-SAT's hint): requests by end time, each on the option that frees soonest.

    Earliest-finish-first is optimal for one car and fixed slots; here it is a good start for CP-SAT.
    Promised requests go first.
    """
    t0 = time.perf_counter()
    reqs = compiled.source.requests
    promised = compiled.source.promised
    order = sorted(range(len(reqs)), key=lambda r: (reqs[r].id not in promised, reqs[r].slot.end, r))
    timelines: dict[int, _CarTimeline] = {}
    chosen: dict[int, Option] = {}
    for r in order:
        free = [
            o
            for o in compiled.options[r]
            if timelines.setdefault(o.car, _CarTimeline()).free(o.block_start, o.block_end)
        ]
        if free:
            o = min(free, key=lambda o: (o.block_end, o.cost))
            timelines[o.car].add(o.block_start, o.block_end)
            chosen[r] = o
    return Assignment(compiled, chosen, "earliest-end", time.perf_counter() - t0)
