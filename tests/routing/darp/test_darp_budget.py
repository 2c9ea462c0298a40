"""The time limit covers every stage (compilation included), checked with an injected clock, not wall time."""

from __future__ import annotations

import itertools

import pytest

from routing.darp import solve
from routing.darp.checker import check
from routing.darp.readers import read_cordeau
from tests.routing.darp.darp_builders import DATA


class _Ticking:
    """A fake clock that advances by ``tick`` seconds at each reading."""

    def __init__(self, tick: float) -> None:
        self.tick, self.now = tick, 0.0

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def test_no_search_and_no_model_when_the_setup_used_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """If compiling takes the whole limit, the construction is returned: no LNS, no OR-Tools model built."""
    import routing.darp.model

    def no_model(*_: object) -> None:
        raise AssertionError("the OR-Tools model must not be built without time for it")

    monkeypatch.setattr(routing.darp.model, "build_model", no_model)
    readings = itertools.chain([0.0], itertools.repeat(60.0))  # everything after the first reading: 60 s later
    inst = read_cordeau(DATA / "a2-20.txt")
    solution = solve(inst.problem, time_limit_s=10, seed=0, clock=lambda: next(readings))
    stages = dict(solution.stages)
    assert stages["compile"] == 60.0
    assert stages["construct"] == stages["search"] == stages["extract"] == 0.0
    assert check(inst.problem, solution, inst.travel) == []


def test_stages_stop_at_the_deadline() -> None:
    """With a clock ticking 10 ms per reading, the reported stages end within the limit plus a few readings."""
    inst = read_cordeau(DATA / "a2-20.txt")
    clock = _Ticking(0.01)
    solution = solve(inst.problem, time_limit_s=0.5, seed=0, clock=clock)
    assert [name for name, _ in solution.stages] == ["compile", "construct", "search", "extract"]
    assert solution.seconds == pytest.approx(sum(s for _, s in solution.stages))
    assert solution.seconds <= 0.5 + 0.05
    assert check(inst.problem, solution, inst.travel) == []
