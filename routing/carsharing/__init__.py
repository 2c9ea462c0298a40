"""Self-drive pool cars: CP-SAT assignment of reservations to cars, a greedy baseline, re-planning on breakdown.

How to call it::

    from routing.carsharing import AssignmentProblem, compile_problem, solve_cpsat, solve_greedy, check
    compiled = compile_problem(AssignmentProblem(cars=..., stations=..., requests=...))
    best = solve_cpsat(compiled)            # Assignment: .chosen, .served_share, .offers()
    assert check(best) == []

``CarsharingPlanner`` implements the domain port ``PoolCarPlanner`` (offers for one request, re-assignment).
"""

from routing.carsharing.cpsat import CpSatParams, solve_cpsat
from routing.carsharing.greedy import solve_earliest_end, solve_greedy
from routing.carsharing.planner import CarsharingPlanner
from routing.carsharing.problem import AssignmentProblem, AssignmentSettings, CompiledProblem, Option, compile_problem
from routing.carsharing.reassign import reassign_after_breakdown
from routing.carsharing.solution import Assignment, check

__all__ = [
    "Assignment",
    "AssignmentProblem",
    "AssignmentSettings",
    "CarsharingPlanner",
    "CompiledProblem",
    "CpSatParams",
    "Option",
    "check",
    "compile_problem",
    "reassign_after_breakdown",
    "solve_cpsat",
    "solve_earliest_end",
    "solve_greedy",
]
