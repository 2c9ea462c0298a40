"""The solver's compilation of a live group's problem: picking its node tables from the lists the dispatcher's
``SubTravel`` keeps gives exactly what converting the district's numpy tables gives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from typing import cast

import numpy as np
import pytest
from hypothesis import given

from routing.darp import DarpProblem, MatrixTravel, ProblemError
from routing.darp.compiled import compile_problem
from routing.dispatcher.darp_problem import SubTravel
from tests.routing.darp.test_darp_properties import SETTINGS, problems


def _numpy_travel(durations: object, distances: object) -> MatrixTravel:
    """A travel matrix over numpy tables, like the district's."""
    table = Sequence[Sequence[int]]
    return MatrixTravel(
        cast(table, np.asarray(durations, dtype=np.int32)), cast(table, np.asarray(distances, dtype=np.int32))
    )


def _compiled_or_error(problem: DarpProblem) -> object:
    try:
        c = compile_problem(problem)
    except ProblemError as error:
        return str(error)
    return {f.name: getattr(c, f.name) for f in fields(c) if f.name != "problem"}


def _locations(problem: DarpProblem) -> list[int]:
    return [x for v in problem.vehicles for x in (v.start, v.end)] + [
        x for r in problem.requests for x in (r.pickup, r.dropoff)
    ]


@SETTINGS
@given(problems())
def test_kept_tables_compile_like_the_numpy_tables(problem: DarpProblem) -> None:
    """Same arrays (durations, distances, the derived step and transposed tables, tightened windows) or the same
    error, whether the node rows come from the kept lists or from the numpy tables."""
    assert isinstance(problem.travel, MatrixTravel)
    district = _numpy_travel(problem.travel.durations, problem.travel.distances)
    sub = SubTravel(district, _locations(problem))
    assert sub.tables_for(sorted(set(_locations(problem)))) is not None  # the kept path is the one taken
    assert _compiled_or_error(replace(problem, travel=sub)) == _compiled_or_error(replace(problem, travel=district))


def test_other_locations_are_not_taken_from_the_kept_tables() -> None:
    """A location set other than the kept one gets no kept tables (the compilation converts its own)."""
    district = _numpy_travel(np.arange(16).reshape(4, 4), np.arange(16).reshape(4, 4))
    sub = SubTravel(district, [0, 2, 3])
    assert sub.tables_for([0, 2, 3]) == ([[0, 2, 3], [8, 10, 11], [12, 14, 15]],) * 2
    assert sub.tables_for([0, 1, 2, 3]) is None
    assert sub.duration(1, 2) == 6  # outside the kept locations: the district table
    with pytest.raises(IndexError):
        sub.distance(0, 7)
