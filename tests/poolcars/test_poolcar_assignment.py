"""CP-SAT assignment and the greedy baseline: feasibility, optimality on small cases, lexicographic goals."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mobility.domain.geo import Point
from mobility.domain.poolcar_offers import PoolCarRequest
from mobility.domain.poolcars import Car, PoolRules, Slot
from routing.carsharing import (
    AssignmentProblem,
    AssignmentSettings,
    CpSatParams,
    check,
    compile_problem,
    solve_cpsat,
    solve_earliest_end,
    solve_greedy,
)
from routing.carsharing.cpsat import overlap_cliques
from tests.poolcars.conftest import EV, HBF, KREIS, MONDAY, SFT, VAN, car

RULES = PoolRules(buffer_s=900)
FAST = CpSatParams(time_limit_s=5.0, workers=1)


def req(rid: str, start_h: float, hours: float, *, sub: int = 0, **kw: object) -> PoolCarRequest:
    """A request at the Kreisverwaltung unless told otherwise, submitted ``sub`` minutes after Monday 00:00."""
    start = MONDAY + timedelta(hours=start_h)
    place: dict[str, object] = {"station_id": KREIS.id} if "point" not in kw else {}
    return PoolCarRequest(  # type: ignore[arg-type]
        id=rid,
        customer_id=rid,
        slot=Slot(start, start + timedelta(hours=hours)),
        submitted_at=MONDAY + timedelta(minutes=sub),
        **{**place, **kw},
    )


def test_cpsat_beats_first_come_first_served() -> None:
    """A flexible early request lets CP-SAT serve both where FCFS blocks the car for the later one."""
    cars = [car("a")]
    requests = [
        req("flexible", 9, 2, sub=0, flex_s=3_600),  # FCFS keeps 9–11 (cheapest), blocking 10–12 below
        req("fixed", 11, 2, sub=1),  # needs 11–13: only fits if "flexible" moves to 8–10
    ]
    compiled = compile_problem(AssignmentProblem(cars=cars, stations=[KREIS], requests=requests, rules=RULES))
    greedy, best = solve_greedy(compiled), solve_cpsat(compiled, FAST)
    assert greedy.served == 1
    assert best.served == 2
    assert best.optimal
    assert check(best) == []
    assert best.offers()["flexible"].slot.start == MONDAY + timedelta(hours=8, minutes=45)


def test_buffer_separates_reservations_of_one_car() -> None:
    """Back-to-back slots need the cleaning buffer in between: without flexibility only one is served."""
    compiled = compile_problem(
        AssignmentProblem(cars=[car("a")], stations=[KREIS], requests=[req("x", 9, 2), req("y", 11, 2)], rules=RULES)
    )
    assert solve_cpsat(compiled, FAST).served == 1
    loose = compile_problem(
        AssignmentProblem(
            cars=[car("a")], stations=[KREIS], requests=[req("x", 9, 2), req("y", 11, 2)], rules=PoolRules(buffer_s=0)
        )
    )
    assert solve_cpsat(loose, FAST).served == 2


def test_least_walking_after_most_served() -> None:
    """With one car at each Bernburg station, a point request walks to the nearer one."""
    near_hbf = Point(11.7520, 51.7965)
    problem = AssignmentProblem(
        cars=[car("k", KREIS), car("h", HBF)],
        stations=[KREIS, HBF],
        requests=[req("p", 9, 2, point=near_hbf, walk_radius_m=1_500)],
        rules=RULES,
    )
    best = solve_cpsat(compile_problem(problem), FAST)
    assert best.offers()["p"].station_id == HBF.id
    assert best.walk_m < 100


def test_forced_move_only_when_needed() -> None:
    """A car is brought from Staßfurt only when no car at the station is free, and the move blocks it."""
    cars = [car("k", KREIS), car("s", SFT)]
    problem = AssignmentProblem(
        cars=cars,
        stations=[KREIS, SFT],
        requests=[req("one", 9, 2), req("two", 9, 2, sub=1)],
        rules=RULES,
    )
    best = solve_cpsat(compile_problem(problem), FAST)
    assert best.served == 2
    assert best.moves == 1
    assert check(best) == []
    no_moves = AssignmentProblem(
        cars=cars,
        stations=[KREIS, SFT],
        requests=[req("one", 9, 2), req("two", 9, 2, sub=1)],
        rules=RULES,
        settings=AssignmentSettings(move_candidates=0),
    )
    assert solve_cpsat(compile_problem(no_moves), FAST).served == 1


def test_needs_decide_the_car() -> None:
    """A wheelchair user gets the van; a seven-person party cannot take the small car."""
    cars = [car("ev", KREIS, EV), car("van", KREIS, VAN)]
    problem = AssignmentProblem(
        cars=cars,
        stations=[KREIS],
        requests=[req("rolli", 9, 2, wheelchair=True), req("group", 9, 2, seats=7, sub=1)],
        rules=RULES,
        settings=AssignmentSettings(move_candidates=0),
    )
    best = solve_cpsat(compile_problem(problem), FAST)
    assert best.served == 1
    assert next(iter(best.offers().values())).car_id == "van"


def test_calendar_and_maintenance_are_respected() -> None:
    """A car blocked for maintenance or outside its calendar is not offered for that time."""
    from mobility.domain.poolcar_files import parse_weekly_hours

    office = Car("o", "Dienstwagen", EV, KREIS.id, availability=parse_weekly_hours("Mo-Fr 07:00-16:00"))
    repair = car("r")
    busy = {"r": [Slot(MONDAY.replace(hour=8), MONDAY.replace(hour=12))]}
    problem = AssignmentProblem(
        cars=[office, repair],
        stations=[KREIS],
        requests=[req("late", 15, 2), req("early", 9, 2, sub=1)],
        rules=RULES,
        busy=busy,
    )
    compiled = compile_problem(problem)
    assert {compiled.source.cars[o.car].id for o in compiled.options[0]} == {"r"}  # 15–17 beyond office hours
    assert {compiled.source.cars[o.car].id for o in compiled.options[1]} == {"o"}  # r in the workshop
    assert solve_cpsat(compiled, FAST).served == 2


def test_overlap_cliques_of_intervals() -> None:
    """The sweep finds the maximal groups of overlapping periods (touching periods do not overlap)."""
    groups = overlap_cliques([(0, 10, 0), (5, 15, 1), (10, 20, 2), (12, 13, 3), (30, 40, 4)])
    assert sorted(sorted(g) for g in groups) == [[0, 1], [1, 2, 3]]


@st.composite
def instances(draw: st.DrawFn) -> AssignmentProblem:
    """Small random problems over three real stations."""
    stations = [KREIS, HBF, SFT]
    cars = [
        Car(f"c{i}", f"c{i}", draw(st.sampled_from([EV, VAN])), draw(st.sampled_from(stations)).id)
        for i in range(draw(st.integers(1, 4)))
    ]
    requests = []
    for i in range(draw(st.integers(1, 9))):
        start = draw(st.integers(0, 40)) * 0.25 + 6
        requests.append(
            req(
                f"r{i}",
                start,
                draw(st.sampled_from([0.5, 1, 2, 3])),
                sub=draw(st.integers(0, 1_000)),
                flex_s=draw(st.sampled_from([0, 900, 1_800])),
                wheelchair=draw(st.booleans()),
                station_id=draw(st.sampled_from(stations)).id,
            )
        )
    return AssignmentProblem(cars=cars, stations=stations, requests=requests, rules=RULES)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=instances())
def test_cpsat_is_feasible_and_never_worse_than_greedy(problem: AssignmentProblem) -> None:
    """On random instances every result passes the independent check and CP-SAT serves at least as many."""
    compiled = compile_problem(problem)
    greedy, eff = solve_greedy(compiled), solve_earliest_end(compiled)
    best = solve_cpsat(compiled, CpSatParams(time_limit_s=2.0, workers=1))
    assert check(greedy) == []
    assert check(eff) == []
    assert check(best) == []
    assert best.served >= max(greedy.served, eff.served)
    if best.served == greedy.served:
        assert best.cost <= greedy.cost


def test_promised_requests_outweigh_new_ones() -> None:
    """A promised request is kept even when dropping it would let two new ones in."""
    problem = AssignmentProblem(
        cars=[car("a")],
        stations=[KREIS],
        requests=[req("promise", 9, 4), req("n1", 8, 2, sub=1), req("n2", 11.5, 2, sub=2)],
        rules=RULES,
        promised=frozenset({"promise"}),
    )
    best = solve_cpsat(compile_problem(problem), FAST)
    assert set(best.offers()) == {"promise"}


def test_not_before_drops_past_options() -> None:
    """With not_before set, no option starts earlier, even within the flexibility."""
    problem = AssignmentProblem(
        cars=[car("a")],
        stations=[KREIS],
        requests=[req("x", 9, 2, flex_s=3_600)],
        rules=RULES,
        not_before=MONDAY.replace(hour=9),
    )
    compiled = compile_problem(problem)
    assert min(o.shift_s for o in compiled.options[0]) == 0
    assert isinstance(compiled.origin, datetime)
