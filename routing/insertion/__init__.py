"""Online insertion of a ride request into a live plan (MATSim DRT style: generator, cost, exact check)."""

from routing.insertion.model import LoadVector, RequestSpec, Route, Task, TaskKind
from routing.insertion.schedule import (
    Durations,
    Infeasible,
    Schedule,
    check,
    lenient_schedule,
    relaxed,
    schedule,
    start_departure,
)
from routing.insertion.search import (
    Candidate,
    CostWeights,
    Insertion,
    any_insertion,
    best_insertion,
    candidates,
    insert_tasks,
)

__all__ = [
    "Candidate",
    "CostWeights",
    "Durations",
    "Infeasible",
    "Insertion",
    "LoadVector",
    "RequestSpec",
    "Route",
    "Schedule",
    "Task",
    "TaskKind",
    "any_insertion",
    "best_insertion",
    "candidates",
    "check",
    "insert_tasks",
    "lenient_schedule",
    "relaxed",
    "schedule",
    "start_departure",
]
