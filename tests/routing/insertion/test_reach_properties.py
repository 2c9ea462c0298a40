"""The reach index skips only positions that yield nothing, and its bounds never exceed a candidate's cost: the
searches over what it finds give exactly what the plain scan of every route gives (same candidates, same best
insertion by branch and bound, ties and failed exact checks included), on random plans (matrices that need not keep
the triangle inequality) whose routes are replaced, grown and shrunk (slots move, the table is compacted), and on
any clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.insertion import (
    CostWeights,
    Durations,
    RequestSpec,
    Route,
    Schedule,
    any_insertion,
    any_reached,
    best_bounded,
    best_insertion,
    candidates,
    candidates_at,
    check,
    insert_tasks,
    lenient_schedule,
    schedule,
)
from routing.insertion.reach import ReachIndex
from routing.insertion.reserve import ends_too_late, worst_end

Plan = tuple[list[list[int]], list[Route], RequestSpec, int]
Draw = Callable[[st.SearchStrategy[Any]], Any]  # st.DrawFn or st.DataObject.draw


def _times(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Whole half-minutes: times and drives on a grid, so that the bounds are often met exactly."""
    return st.integers(lo // 30, hi // 30).map(lambda k: 30 * k)


def _request(draw: Draw, rid: str, n: int, tt: list[list[int]], after: int) -> RequestSpec:
    p = draw(st.integers(0, n - 1))
    d = draw(st.integers(0, n - 1).filter(lambda x: x != p))
    e = after + draw(_times(0, 1_800))
    width = draw(_times(0, 900))
    ride = tt[p][d] * draw(st.integers(1, 2)) + draw(_times(0, 400))
    load = (draw(st.integers(1, 2)), draw(st.integers(0, 1)), 0)
    reserve = draw(_times(0, width))
    return RequestSpec(rid, p, d, load, e, e + width, e + width + 30 + ride, ride, 30, 30, reserve)


def _grow(draw: Draw, route: Route, tt: list[list[int]], rid: str) -> Route:
    spec = _request(draw, rid, len(tt), tt, route.ready)
    found = best_insertion([(route, lenient_schedule(route, tt)[0])], spec, tt, route.ready)
    return route if found is None else found.route


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    """A random (asymmetric, not metric) matrix, routes built by insertion, and a request and a clock."""
    n = draw(st.integers(4, 9))
    if draw(st.booleans()):  # any drives
        tt = [[0 if a == b else draw(_times(30, 400)) for b in range(n)] for a in range(n)]
    else:  # city blocks: a metric with many detours of 0 and equal costs, so bounds are often met exactly
        pts = [(draw(st.integers(0, 4)), draw(st.integers(0, 4))) for _ in range(n)]
        tt = [[60 * (abs(a[0] - b[0]) + abs(a[1] - b[1])) for b in pts] for a in pts]
    routes = []
    for v in range(draw(st.integers(1, 6))):
        start = draw(_times(0, 1_500))
        cap = (draw(st.integers(1, 4)), draw(st.integers(0, 1)), 0)
        route = Route(
            f"v{v}@{start}",
            f"v{v}",
            cap,
            draw(st.integers(0, n - 1)),
            start,
            draw(st.integers(0, n - 1)),
            start,
            start + draw(_times(1_800, 7_200)),
            no_show_wait_s=draw(st.sampled_from([0, 120, 300])),
        )
        for k in range(draw(st.integers(0, 6))):
            route = _grow(draw, route, tt, f"r{v}-{k}")
        pinned = draw(st.one_of(st.just(0), st.integers(0, len(route.tasks))))
        route = replace(
            route,
            pinned=pinned,
            in_service=draw(st.sampled_from([True, True, True, False])),
            ready=route.ready + draw(st.sampled_from([0, 0, 210])),
        )
        routes.append(route)
    after = draw(st.sampled_from([r.shift_start for r in routes]))
    return tt, routes, _request(draw, "new", n, tt, after), draw(st.one_of(st.just(0), _times(0, 4_000)))


def _replace_some(data: st.DataObject, routes: list[Route], tt: list[list[int]], index: ReachIndex) -> None:
    """Replace some of ``routes`` (in place and in ``index``): grown, shrunk or the same again."""
    for step in range(data.draw(st.integers(0, 12))):
        k = data.draw(st.integers(0, len(routes) - 1))
        route = routes[k]
        how = data.draw(st.sampled_from(["grow", "shrink", "same"]))
        if how == "grow":
            route = _grow(data.draw, route, tt, f"g{step}")
        elif how == "shrink" and route.tasks:
            gone = route.tasks[-1].request_id
            kept = tuple(t for t in route.tasks if t.request_id != gone)
            route = replace(route, tasks=kept, pinned=min(route.pinned, len(kept)))
        routes[k] = route
        index.put(route, lenient_schedule(route, tt)[0])


def _at_the_edges(data: st.DataObject, spec: RequestSpec, scheds: dict[str, Schedule], tt: Durations,
                  now: int) -> tuple[RequestSpec, int]:
    """The request and the clock, often exactly at the bounds' edges."""
    # the clock and the window often exactly at a planned departure or latest begin (the bounds' edges)
    marks = sorted({x for sched in scheds.values() for x in (*sched.departure, *sched.latest)})
    now = data.draw(st.one_of(st.just(now), st.sampled_from(marks)))
    # ... or picked up at the earliest, the next node's latest begin is met exactly (going on, or after the drop-off)
    p, d, service = spec.pickup, spec.dropoff, spec.pickup_service_s
    edges = sorted(
        {
            x
            for sched in scheds.values()
            for nxt, to in zip(sched.latest[1:], sched.locs[1:], strict=True)
            for x in (nxt - service - tt[p][to], nxt - service - tt[p][d] - spec.dropoff_service_s - tt[d][to])
        }
    )
    shift = data.draw(st.one_of(st.just(spec.pickup_earliest), st.sampled_from(marks), st.sampled_from(edges)))
    shift -= spec.pickup_earliest
    spec = replace(
        spec,
        pickup_earliest=spec.pickup_earliest + shift,
        pickup_latest=spec.pickup_latest + shift,
        dropoff_latest=spec.dropoff_latest + shift,
    )
    return spec, now


@settings(max_examples=300, deadline=None)
@given(plans(), st.data())
def test_reach_search_equals_the_plain_scan(plan: Plan, data: st.DataObject) -> None:
    """Same candidates per route (routes not found yield none), same best insertion, same yes/no."""
    tt, routes, spec, now = plan
    index = ReachIndex(tt, worth_bounding=data.draw(st.sampled_from([0, 0, 256])))  # 256: no bounds (few positions)
    for route in routes:
        index.put(route, lenient_schedule(route, tt)[0])
    _replace_some(data, routes, tt, index)
    scheds: dict[str, Schedule] = {r.key: lenient_schedule(r, tt)[0] for r in routes}
    spec, now = _at_the_edges(data, spec, scheds, tt, now)
    by_key = {r.key: r for r in routes}
    reached = [(by_key[r.key], scheds[r.key], r.nodes) for r in index.query(spec, now)]
    weights = CostWeights(data.draw(st.sampled_from([0, 20, 100])))
    plain = {r.key: list(candidates(r, scheds[r.key], spec, tt, now=now, weights=weights)) for r in routes}
    fast = {r.key: list(candidates_at(r, s, spec, tt, nodes, weights=weights)) for r, s, nodes in reached}
    assert [r.key for r, _, _ in reached] == [r.key for r in routes if r.key in fast]  # the order routes came in
    assert {k: v for k, v in plain.items() if v} == {k: v for k, v in fast.items() if v}
    bounded = index.bounded(spec, now, weights.wait_weight_pct)
    assert sorted((k, i, b) for _, k, i, b in bounded) == sorted((r.key, i, b) for r, _, ns in reached for i, b in ns)
    assert [b for b, _, _, _ in bounded] == sorted(b for b, _, _, _ in bounded)
    bound_at = {(k, i): b for b, k, i, _ in bounded}
    for c in (c for cs in fast.values() for c in cs):
        assert bound_at[c.route_key, c.pickup_after] <= c.cost  # a lower bound of every candidate from there
    positions = [(b, by_key[k], scheds[k], i, base) for b, k, i, base in bounded]
    pairs = [(r, scheds[r.key]) for r in routes]
    checks = data.draw(st.sampled_from([1, 2, 64]))
    assert best_bounded(positions, spec, tt, now, weights=weights, max_checks=checks) == best_insertion(
        pairs, spec, tt, now, weights=weights, max_checks=checks
    )
    assert any_reached(reached, spec, tt, now, max_checks=checks) == any_insertion(
        pairs, spec, tt, now, max_checks=checks
    )
    for c in (c for cs in plain.values() for c in cs):  # the quick end is the exact one; it rejects no feasible one
        route, i, j = by_key[c.route_key], c.pickup_after, c.dropoff_after
        quick = worst_end(route, scheds[route.key], spec, tt, pickup_after=i, dropoff_after=j, now=now)
        new_route = insert_tasks(route, spec, i, j, now)
        assert quick in {None, lenient_schedule(new_route, tt)[0].worst_end}
        if ends_too_late(route, scheds[route.key], spec, tt, pickup_after=i, dropoff_after=j, now=now):
            assert check(new_route, tt)


def test_twins_tie_on_the_smaller_key() -> None:
    """Two identical empty vehicles whose bound is met exactly (the drop-off lies on the way back to the depot):
    the bounded search chooses the one the plain scan chooses (the smaller route key) at equal cost."""
    tt = [[0, 200, 100], [200, 0, 100], [100, 100, 0]]  # 0 - 2 - 1 on a line
    twins = [Route(key, key[:2], (4, 0, 0), 0, 0, 0, 0, 5_000) for key in ("v2@0", "v1@0")]
    spec = RequestSpec("r", 1, 2, (1, 0, 0), 300, 900, 2_000, 800, 30, 30)
    index = ReachIndex(tt, worth_bounding=0)
    for route in twins:
        index.put(route, schedule(route, tt))
    by_key = {r.key: r for r in twins}
    positions = [(b, by_key[k], schedule(by_key[k], tt), i, base) for b, k, i, base in index.bounded(spec, 0, 20)]
    fast = best_bounded(positions, spec, tt, 0)
    assert fast == best_insertion([(r, schedule(r, tt)) for r in twins], spec, tt, 0)
    assert fast is not None
    assert fast.route_key == "v1@0"


def test_next_task_begun_at_its_latest() -> None:
    """Picked up at the earliest, the vehicle reaches the next task exactly at its latest begin: the position
    stays (the drop-off follows that task, no detour), and both searches choose it."""
    tt = [[60 * abs(a - b) for b in range(4)] for a in range(4)]  # stops 0-1-2-3 on a line, a minute apart
    other = RequestSpec("x", 2, 3, (1, 0, 0), 0, 300, 5_000, 4_000, 30, 30)
    route = Route("v@0", "v", (4, 0, 0), 0, 0, 3, 0, 10_000, tasks=(other.pickup_task(), other.dropoff_task()))
    spec = RequestSpec("r", 1, 3, (1, 0, 0), 210, 400, 2_000, 1_000, 30, 30)  # 210 + 30 + 60 = 300 at stop 2
    sched = schedule(route, tt)
    index = ReachIndex(tt, worth_bounding=0)
    index.put(route, sched)
    positions = [(b, route, sched, i, base) for b, _, i, base in index.bounded(spec, 0, 20)]
    assert 0 in [i for _, _, _, i, _ in positions]
    fast = best_bounded(positions, spec, tt, 0)
    assert fast == best_insertion([(route, sched)], spec, tt, 0)
    assert fast is not None
    assert (fast.pickup_after, fast.dropoff_after, fast.cost, fast.pickup_begin) == (0, 1, 0, 210)


@settings(max_examples=200, deadline=None)
@given(plans())
def test_quick_worst_end_is_the_exact_one(plan: Plan) -> None:
    """For every pickup and drop-off position, the O(1) end with the no-show reserve is the exact schedule's (or
    not given, when the insertion would make the vehicle arrive somewhere earlier)."""
    tt, routes, spec, now = plan
    for route in routes:
        sched = lenient_schedule(route, tt)[0]
        n = len(route.tasks)
        for i in range(n + 1):
            for j in range(i, n + 1):
                quick = worst_end(route, sched, spec, tt, pickup_after=i, dropoff_after=j, now=now)
                assert quick in {None, lenient_schedule(insert_tasks(route, spec, i, j, now), tt)[0].worst_end}
