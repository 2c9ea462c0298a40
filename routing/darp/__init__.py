"""OR-Tools dial-a-ride solver: problem data, readers, construction, model, independent checker."""

from routing.darp.errors import InfeasibleError, ProblemError
from routing.darp.problem import Break, DarpProblem, Objective, Request, RideTimeRule, TimeWindow, Vehicle
from routing.darp.solution import CostBreakdown, Route, Solution, Status, Visit, VisitKind
from routing.darp.solver import solve

__all__ = [
    "Break",
    "CostBreakdown",
    "DarpProblem",
    "InfeasibleError",
    "Objective",
    "ProblemError",
    "Request",
    "RideTimeRule",
    "Route",
    "Solution",
    "Status",
    "TimeWindow",
    "Vehicle",
    "Visit",
    "VisitKind",
    "solve",
]
