"""Scenario files (TOML): demand, fleet, dispatch rules, rider behaviour and costs, validated with field-naming errors.

``load_scenario("scenarios/default.toml")`` returns a frozen :class:`Scenario`; a bad file raises
:class:`ScenarioError` whose message names the file and the field, e.g. ``fleet.vehicles: must be > 0``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mobility.demand.params import ClockTime, DemandParams, minutes_of_day
from mobility.domain.rules import rule_set
from mobility.domain.tomlfile import read_toml


class ScenarioError(ValueError):
    """A scenario file cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VehicleTypeSpec(_Strict):
    """A vehicle type of the simulated fleet and its share of the vehicles."""

    id: str = Field(min_length=1)
    name: str = ""
    kind: Literal["minibus", "pool_car"] = "minibus"
    seats: int = Field(ge=0, le=60)
    wheelchairs: int = Field(default=0, ge=0, le=10)
    strollers: int = Field(default=0, ge=0, le=10)
    share: float = Field(default=1.0, gt=0)
    co2_g_per_km: int = Field(default=250, ge=0)


class FleetParams(_Strict):
    """How many vehicles, of which types, where they start and when they work."""

    vehicles: int = Field(default=40, gt=0, le=2000)
    depots: tuple[str, ...] = Field(
        default=(
            "Busbahnhof, Bernburg (Saale)",
            "Bahnhof (Bus), Staßfurt",
            "Busbahnhof, Schönebeck (Elbe)",
            "Busbahnhof, Aschersleben",
        ),
        min_length=1,
    )
    shift_start: ClockTime = "05:30"
    shift_end: ClockTime = "23:00"
    types: tuple[VehicleTypeSpec, ...] = Field(
        default=(
            VehicleTypeSpec(id="minibus-8", name="Kleinbus 8 Plätze", seats=8, strollers=2, share=0.75),
            VehicleTypeSpec(
                id="minibus-6-rollstuhl", name="Kleinbus 6 Plätze + Rollstuhl", seats=6, wheelchairs=1,
                strollers=1, share=0.25,
            ),
        ),
        min_length=1,
    )

    @model_validator(mode="after")
    def _shift(self) -> FleetParams:
        if minutes_of_day(self.shift_end) <= minutes_of_day(self.shift_start):
            msg = "shift_end must be after shift_start"
            raise ValueError(msg)
        return self


class DispatchParams(_Strict):
    """How the dispatcher is configured for the run (handed to the composition root that builds it)."""

    rules: str = Field(default="instant", min_length=1, description="booking rule set: instant | kvg")
    reoptimise_interval_s: int = Field(default=900, ge=0, description="0 = never re-optimise")
    solver_time_limit_s: float = Field(default=1.0, gt=0, le=600)
    solver_clock: Literal["cpu", "wall"] = Field(
        default="cpu", description="what the solver's limits count: CPU time (a loaded machine plans the same) or wall")
    solver_workers: int = Field(default=1, ge=1, le=16, description="re-optimisation groups solved at once (cores)")
    max_ride_alpha: float = Field(default=1.5, ge=1.0)
    max_ride_beta_min: float = Field(default=10.0, ge=0)
    pickup_window_min: float = Field(default=15.0, gt=0, le=240)
    stop_service_s: int = Field(default=60, ge=0, le=1800)
    no_show_wait_s: int = Field(default=300, ge=0, le=3600)
    batch_plan_at: ClockTime | None = Field(
        default=None, description="local time of the night's batch plan of the day (pre-bookings); unset: none")
    batch_plan_time_limit_s: float = Field(default=30.0, gt=0, le=3600)


    @field_validator("rules")
    @classmethod
    def _rules(cls, value: str) -> str:
        rule_set(value)  # raises ValueError naming the choices
        return value


class BehaviourParams(_Strict):
    """How riders answer offers."""

    max_shift_min: float = Field(default=30.0, ge=0, description="accept an offer this far from the wished time")
    accept_alternatives: bool = True


class CostParams(_Strict):
    """Operating costs and emissions for KPIs."""

    vehicle_hour_eur: float = Field(default=42.0, ge=0)
    km_eur: float = Field(default=0.30, ge=0)


class SimulationParams(_Strict):
    """Simulation run options."""

    validate_tours: bool = True
    time_bin_min: int = Field(default=15, gt=0, le=240)


class ScenarioMeta(_Strict):
    """Name, day, seed and time zone of the run."""

    name: str = Field(default="scenario", min_length=1)
    description: str = ""
    date: dt.date = dt.date(2026, 3, 10)
    seed: int = Field(default=42, ge=0)
    timezone: str = "Europe/Berlin"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            msg = f"unknown time zone {value!r}"
            raise ValueError(msg) from exc
        return value


class Scenario(_Strict):
    """A complete, validated scenario."""

    scenario: ScenarioMeta = ScenarioMeta()
    demand: DemandParams = DemandParams()
    fleet: FleetParams = FleetParams()
    dispatch: DispatchParams = DispatchParams()
    behaviour: BehaviourParams = BehaviourParams()
    costs: CostParams = CostParams()
    simulation: SimulationParams = SimulationParams()

    @property
    def tz(self) -> ZoneInfo:
        """The scenario's time zone."""
        return ZoneInfo(self.scenario.timezone)

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A copy with dotted-path overrides applied (``{"fleet.vehicles": 20}``), validated again."""
        data = self.model_dump(mode="python")
        for dotted, value in overrides.items():
            node = data
            *parents, leaf = dotted.split(".")
            for key in parents:
                if not isinstance(node.get(key), dict):
                    msg = f"override {dotted}: no table {key!r}"
                    raise ScenarioError(msg)
                node = node[key]
            node[leaf] = value
        return parse_scenario(data, source="overrides")


def _format(exc: ValidationError, source: str) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        text = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            text = "unknown field"
        elif err["type"] == "greater_than":
            text = f"must be > {err['ctx']['gt']}"
        elif err["type"] == "greater_than_equal":
            text = f"must be >= {err['ctx']['ge']}"
        elif err["type"] in {"less_than_equal", "less_than"}:
            text = f"must be <= {err['ctx'].get('le', err['ctx'].get('lt'))}"
        lines.append(f"{where}: {text}")
    return f"{source}: " + "; ".join(lines)


def parse_scenario(data: dict[str, Any], *, source: str = "scenario") -> Scenario:
    """A scenario from already-parsed TOML data; ``source`` names it in errors."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format(exc, source)) from None


def load_scenario(path: Path | str) -> Scenario:
    """Read and validate a scenario file."""
    path = Path(path)
    return parse_scenario(read_toml(path, "scenario file", ScenarioError), source=str(path))
