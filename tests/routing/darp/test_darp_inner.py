"""The LNS inner-loop shortcuts agree with the straightforward computations they replace."""

from __future__ import annotations

import random

from routing.darp.compiled import Compiled, compile_problem
from routing.darp.construction import construct
from routing.darp.positions import RouteInfo, candidates
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


def _all_candidates(c: Compiled, ri: int, v: int, info: RouteInfo) -> list[tuple[int, int, int, int]]:
    """Every (cost, vehicle, i, j) that passes the bounds, by the straightforward double loop."""
    p, d = c.pickup_node[ri], c.dropoff_node[ri]
    nodes, early, late, leave = info.nodes, info.earliest, info.latest, info.leave
    room = info.fits(c.demand[p], c.problem.vehicles[v].capacity)
    dist, svc = c.dist, c.service
    cap_j = min(c.latest[d], c.latest[p] + svc[p] + c.max_ride[ri])
    out = []
    for i in range(info.first, len(nodes) - 1):
        a, b = nodes[i], nodes[i + 1]
        tp = max(c.earliest[p], early[i] + c.step[a][p])
        if tp > c.latest[p] or not room[i] or leave[i] > c.latest[p]:
            continue
        td = max(c.earliest[d], tp + c.step[p][d])
        if td <= c.latest[d] and td + c.step[d][b] <= late[i + 1]:
            out.append((dist[a][p] + dist[p][d] + dist[d][b] - dist[a][b], v, i, i + 1))
        if tp + c.step[p][b] > late[i + 1]:
            continue
        for j in range(i + 1, len(nodes) - 1):
            if not room[j] or leave[j] > cap_j:
                break
            x, y = nodes[j], nodes[j + 1]
            td = max(c.earliest[d], early[j] + c.step[x][d])
            if td <= c.latest[d] and td + c.step[d][y] <= late[j + 1]:
                cost = dist[a][p] + dist[p][b] - dist[a][b] + dist[x][d] + dist[d][y] - dist[x][y]
                out.append((cost, v, i, j + 1))
    return out


def test_candidates_keep_the_cheapest_later_dropoff_per_pickup_position() -> None:
    """Li & Lim lr204 (long routes): per pickup position the O(n) scan returns the adjacent drop-off and the
    cheapest later one of the full O(n²) enumeration, so the best insertion of a route is never lost."""
    lr204 = DATA.parents[2] / "data" / "benchmarks" / "lilim" / "lr204.txt"
    c = compile_problem(read_lilim(lr204, vehicle_cost=10**8).problem)
    plan = construct(c, seed=0)
    checked = 0
    for ri in plan.planned()[::7]:
        v = plan.where[ri]
        plan.remove(ri)
        for u in {v, *(w for w, seq in enumerate(plan.routes) if seq)}:
            info = plan.info(u)
            fast, full = candidates(c, ri, u, info), _all_candidates(c, ri, u, info)
            adjacent = sorted(x for x in full if x[3] == x[2] + 1)
            assert sorted(x for x in fast if x[3] == x[2] + 1) == adjacent
            for i in {x[2] for x in full if x[3] > x[2] + 1}:
                later = [x for x in full if x[2] == i and x[3] > i + 1]
                assert [x for x in fast if x[2] == i and x[3] > i + 1] == [min(later)]
                checked += 1
        plan.insert_best(ri)
    assert checked > 100
