"""Properties of the insertion: the O(1) generator misses no feasible position, and what it yields is feasible
up to the ride limits of riders already planned (which the exact check then enforces)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.insertion import (
    CostWeights,
    Infeasible,
    RequestSpec,
    Route,
    any_insertion,
    best_insertion,
    candidates,
    check,
    insert_tasks,
    schedule,
)


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[list[int]], Route, RequestSpec]:
    """A small Euclidean matrix, a feasible route built by insertion, and one more request."""
    n = draw(st.integers(4, 7))
    pts = [(draw(st.integers(0, 40)), draw(st.integers(0, 40))) for _ in range(n)]
    tt = [[math.ceil(10 * math.dist(a, b)) for b in pts] for a in pts]
    cap = draw(st.integers(1, 4))
    route = Route("v@0", "v", (cap, 1, 0), 0, 0, 0, 0, draw(st.integers(2_000, 6_000)))
    for k in range(draw(st.integers(0, 5))):
        spec = _request(draw, f"r{k}", n, tt)
        found = best_insertion([(route, schedule(route, tt))], spec, tt, 0)
        if found is not None:
            route = found.route
    return tt, route, _request(draw, "new", n, tt)


def _request(draw: st.DrawFn, rid: str, n: int, tt: list[list[int]]) -> RequestSpec:
    p = draw(st.integers(0, n - 1))
    d = draw(st.integers(0, n - 1).filter(lambda x: x != p))
    e = draw(st.integers(0, 1_500))
    width = draw(st.integers(0, 600))
    ride = tt[p][d] * draw(st.integers(10, 20)) // 10 + draw(st.integers(0, 300))
    load = (draw(st.integers(1, 2)), draw(st.integers(0, 1)), 0)
    return RequestSpec(rid, p, d, load, e, e + width, e + width + 30 + ride, ride, 30, 30)


@settings(max_examples=150, deadline=None)
@given(instances())
def test_generator_is_complete_and_sound(inst: tuple[list[list[int]], Route, RequestSpec]) -> None:
    """Every exactly feasible position is generated; every generated one breaks at most another rider's ride."""
    tt, route, spec = inst
    sched = schedule(route, tt)
    n = len(route.tasks)
    feasible = set()
    for i in range(n + 1):
        for j in range(i, n + 1):
            try:
                schedule(insert_tasks(route, spec, i, j, 0), tt)
            except Infeasible:
                continue
            feasible.add((i, j))
    generated = {(c.pickup_after, c.dropoff_after)
                 for c in candidates(route, sched, spec, tt, now=0, weights=CostWeights())}
    assert feasible <= generated
    for i, j in generated - feasible:
        problems = check(insert_tasks(route, spec, i, j, 0), tt)
        assert problems
        assert all("ride of" in p and "of new" not in p for p in problems), problems


@settings(max_examples=100, deadline=None)
@given(instances())
def test_best_insertion_keeps_every_constraint(inst: tuple[list[list[int]], Route, RequestSpec]) -> None:
    """The chosen insertion passes the full check: capacity, precedence, windows, ride limits, shift end."""
    tt, route, spec = inst
    found = best_insertion([(route, schedule(route, tt))], spec, tt, 0)
    if found is not None:
        assert check(found.route, tt) == []
        assert spec.pickup_earliest <= found.pickup_begin <= spec.pickup_latest
        assert found.dropoff_begin <= spec.dropoff_latest


@settings(max_examples=150, deadline=None)
@given(instances())
def test_any_insertion_answers_like_the_full_search(inst: tuple[list[list[int]], Route, RequestSpec]) -> None:
    """The yes/no search (first feasible place) agrees with the cheapest-insertion search on whether it fits."""
    tt, route, spec = inst
    routes = [(route, schedule(route, tt))]
    assert any_insertion(routes, spec, tt, 0) == (best_insertion(routes, spec, tt, 0) is not None)
