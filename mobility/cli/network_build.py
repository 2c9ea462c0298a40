"""Building a network for ``mobility network build``: pick the source, clip, snap stops, save."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from routing.network import RoadNetwork

Mode = Literal["approximate", "extract", "overpass"]


def _default_out(mode: Mode) -> Path:
    from mobility.config import DEFAULT_NETWORK

    if mode == "approximate":
        return DEFAULT_NETWORK
    return DEFAULT_NETWORK.with_name(f"salzlandkreis-{'osm' if mode == 'extract' else 'overpass'}.network.npz")


def _district_area(data_dir: Path) -> BaseGeometry:
    import numpy as np

    from routing.network.service_area import hull_area
    from routing.stops import district_stop_candidates

    stops = district_stop_candidates(data_dir)
    return hull_area(np.array([s.lon for s in stops]), np.array([s.lat for s in stops]), buffer_m=1_500.0)


def _boundary(polygon: Path | None, place: str | None) -> BaseGeometry | None:
    from routing.network.osm_build import place_polygon
    from routing.network.osm_io import read_polygon

    if polygon is not None:
        return read_polygon(polygon)
    return place_polygon(place) if place else None


def run_build(
    mode: Mode,
    *,
    extract: Path | None,
    polygon: Path | None,
    place: str | None,
    clip: bool,
    out: Path | None,
    data_dir: Path | None,
) -> tuple[RoadNetwork, Path]:
    """Build the network the options ask for, save it and return it with its path."""
    from tqdm import tqdm

    from mobility.config import REPO_ROOT
    from routing.network import save_network
    from routing.network.build import OSM_BUILD_STEPS, build_approximate, build_osm

    data = data_dir or REPO_ROOT / "data" / "salzlandkreis"
    if mode == "approximate":
        network = build_approximate(data)
    else:
        from routing.stops import district_stop_candidates

        area = _boundary(polygon, place)
        if area is None and clip:
            area = _district_area(data)
        candidates = district_stop_candidates(data)
        with tqdm(total=len(OSM_BUILD_STEPS), desc="build", unit="step") as bar:

            def step(name: str) -> None:
                bar.update(OSM_BUILD_STEPS.index(name) - bar.n)
                bar.set_description(name)

            network = build_osm(mode, extract=extract, polygon=area, candidates=candidates, step=step)
            bar.update(len(OSM_BUILD_STEPS) - bar.n)
    path = out or _default_out(mode)
    save_network(network, path)
    return network, path
