"""Scenario files: defaults, overrides, and errors that name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobility.simulation.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_default_file_spells_out_the_defaults() -> None:
    """scenarios/default.toml writes out exactly the built-in defaults (apart from its name and description)."""
    default = load_scenario(SCENARIOS / "default.toml").model_dump()
    built_in = Scenario().model_dump()
    assert {k: v for k, v in default.items() if k != "scenario"} == {
        k: v for k, v in built_in.items() if k != "scenario"
    }


def test_every_shipped_scenario_loads() -> None:
    """All scenario files in scenarios/ are valid."""
    files = sorted(SCENARIOS.glob("*.toml"))
    assert len(files) >= 2
    for path in files:
        assert load_scenario(path).scenario.name


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("[fleet]\nvehicles = 0\n", "fleet.vehicles", "must be > 0"),
        ("[fleet]\nvehicle = 3\n", "fleet.vehicle", "unknown field"),
        ("[demand.riders]\nno_show_share = 1.5\n", "demand.riders.no_show_share", "must be <= 1"),
        ("[demand.riders]\ngroup_sizes = [0.5, 0.2]\n", "demand.riders.group_sizes", "sum to 1"),
        ("[demand.profile]\nservice_start = \"25:00\"\n", "demand.profile.service_start", "HH:MM"),
        ("[dispatch]\nrules = \"always\"\n", "dispatch.rules", "unknown booking rule set"),
        ("[scenario]\ntimezone = \"Mars/Olympus\"\n", "scenario.timezone", "unknown time zone"),
        ("[fleet]\nshift_start = \"22:00\"\nshift_end = \"06:00\"\n", "fleet", "shift_end must be after"),
        ("[[fleet.types]]\nid = \"bus\"\n", "fleet.types.0.seats", "required"),
    ],
)
def test_bad_field_is_named(tmp_path: Path, text: str, field: str, message: str) -> None:
    """A bad value raises ScenarioError naming the file, the dotted field and what is wrong."""
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text_of = str(info.value)
    assert str(path) in text_of
    assert f"{field}:" in text_of
    assert message in text_of


def test_broken_toml_and_missing_file_are_named(tmp_path: Path) -> None:
    """Invalid TOML and a missing file give errors naming the file."""
    path = tmp_path / "broken.toml"
    path.write_text("[fleet\nvehicles = 3\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"broken\.toml: not valid TOML"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match=r"missing\.toml: cannot read"):
        load_scenario(tmp_path / "missing.toml")


def test_overrides_are_validated() -> None:
    """Dotted overrides change the field and are validated like the file."""
    scenario = parse_scenario({})
    assert scenario.with_overrides({"fleet.vehicles": 12}).fleet.vehicles == 12
    with pytest.raises(ScenarioError, match=r"fleet\.vehicles: must be > 0"):
        scenario.with_overrides({"fleet.vehicles": -1})
    with pytest.raises(ScenarioError, match="no table"):
        scenario.with_overrides({"nothing.here": 1})
