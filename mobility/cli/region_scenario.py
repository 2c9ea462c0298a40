"""A scenario adapted to a region pack: the pack's depots, vehicle count, demand data and time zone.

The scenario still brings the day, the demand model's parameters, the dispatch settings and the costs; the pack
brings where the service runs. Used by ``mobility simulate --region`` and ``mobility rehearse --region``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mobility.simulation.scenario import Scenario
    from routing.region import RegionPack


def for_region(scenario: Scenario, pack: RegionPack, *, vehicles: int | None = None) -> Scenario:
    """``scenario`` on the region of ``pack`` (``vehicles`` overrides the pack fleet's vehicle count)."""
    from routing.fleet import load_fleet_spec

    spec = load_fleet_spec(pack.fleet)
    depots = list(dict.fromkeys(v.depot.stop_id for v in spec.vehicles))
    overrides: dict[str, Any] = {
        "fleet.depots": depots,
        "fleet.vehicles": vehicles if vehicles is not None else len(spec.vehicles),
        "demand.data_dir": str(pack.demand),
        "scenario.timezone": pack.timezone,
        "scenario.name": f"{scenario.scenario.name} @ {pack.name}",
    }
    return scenario.with_overrides(overrides)
