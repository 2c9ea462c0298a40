"""OR-Tools dial-a-ride solver: problem data, readers, construction, model, independent checker."""

from routing.darp.errors import ProblemError
from routing.darp.problem import Break, DarpProblem, Objective, Request, RideTimeRule, TimeWindow, Vehicle
from routing.darp.solution import CostBreakdown, Route, Solution, Status, Visit, VisitKind
from routing.darp.solver import SolverParams, solve
from routing.darp.travel import MatrixTravel

__all__ = [
    "Break",
    "CostBreakdown",
    "DarpProblem",
    "MatrixTravel",
    "Objective",
    "ProblemError",
    "Request",
    "RideTimeRule",
    "Route",
    "Solution",
    "SolverParams",
    "Status",
    "TimeWindow",
    "Vehicle",
    "Visit",
    "VisitKind",
    "solve",
]
