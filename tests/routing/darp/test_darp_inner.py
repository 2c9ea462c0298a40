"""The LNS inner-loop shortcuts agree with the straightforward computations they replace."""

from __future__ import annotations

import random

from routing.darp.compiled import Compiled, compile_problem
from routing.darp.construction import construct
from routing.darp.readers import read_cordeau, read_lilim
from routing.darp.schedule import _fixpoint, earliest_schedule, route_distance
from tests.routing.darp.darp_builders import DATA


def _reference_schedule(c: Compiled, v: int, seq: list[int]) -> list[int] | None:
    """Earliest schedule from scratch: forward pass from the windows, then the fixpoint."""
    nodes = [v, *seq, c.n_vehicles + v]
    times, t = [c.earliest[v]], c.earliest[v]
    pos: dict[int, int] = {}
    pairs: list[tuple[int, int, int]] = []
    for k in range(1, len(nodes)):
        n = nodes[k]
        t = max(c.earliest[n], t + c.service[nodes[k - 1]] + c.dur[nodes[k - 1]][n])
        if t > c.latest[n]:
            return None
        times.append(t)
        if c.partner[n] == -1:
            pos[n] = k
        elif c.partner[n] >= 0:
            if c.partner[n] not in pos:
                return None
            if c.ride_limit[n] >= 0:
                pairs.append((pos[c.partner[n]], k, c.ride_limit[n]))
    return _fixpoint(c, nodes, times, pairs, c.problem.vehicles[v].max_duration_s)


def test_schedule_and_removal_gain_match_the_reference() -> None:
    """On shuffled and constructed routes of a2-20: same schedule, and the O(1) gain equals the recomputation."""
    c = compile_problem(read_cordeau(DATA / "a2-20.txt").problem)
    plan = construct(c, seed=0)
    rng = random.Random(1)
    for v, seq in enumerate(plan.routes):
        assert earliest_schedule(c, v, seq) == _reference_schedule(c, v, seq)
        for _ in range(50):
            shuffled = rng.sample(seq, len(seq))
            assert earliest_schedule(c, v, shuffled) == _reference_schedule(c, v, shuffled)
    for ri in plan.planned():
        v = plan.where[ri]
        rest = [n for n in plan.routes[v] if n not in {c.pickup_node[ri], c.dropoff_node[ri]}]
        assert plan.removal_gain(ri) == plan.dist[v] - route_distance(c, v, rest)


def test_identical_empty_vehicles_share_a_twin() -> None:
    """Li & Lim: all vehicles are alike, so every vehicle's twin is vehicle 0; Cordeau vehicles too."""
    c = compile_problem(read_lilim(DATA / "lc101.txt", vehicle_cost=10**8).problem)
    assert set(c.twin) == {0}
    assert c.step[3][5] == c.service[3] + c.dur[3][5] == c.step_to[5][3]
    assert c.dist_to[5][3] == c.dist[3][5]
