"""Shared fixtures: the real bundled district network, the LiveDispatcher wiring, and one run of the tiny scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobility.cli.simulate import World, load_world, run_scenario
from mobility.simulation.run import RunResult
from mobility.simulation.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="session")
def world() -> World:
    """The bundled road network of the district with its all-stops matrix (real data)."""
    return load_world()


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    """The tiny scenario shipped for tests (40 requests, 4 minibuses)."""
    return load_scenario(SCENARIOS / "tiny.toml")


@pytest.fixture(scope="session")
def tiny_result(world: World, tiny: Scenario) -> RunResult:
    """One run of the tiny scenario with the real LiveDispatcher."""
    return run_scenario(tiny)
