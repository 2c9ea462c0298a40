"""Storage of a built network in one ``.network.npz`` file: arrays, stops, service area and metadata.

Loading reads a few numpy arrays (no GraphML, no pickle), so the district network loads in well
under a second.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mobility.domain.geo import Point
from mobility.domain.stops import Stop, StopKind
from routing.network.arrays import NetworkArrays
from routing.network.errors import NetworkFileError
from routing.network.meta import NetworkMeta

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from routing.network.model import RoadNetwork

_ARRAY_FIELDS = (
    "node_lon",
    "node_lat",
    "edge_u",
    "edge_v",
    "edge_length_m",
    "edge_time_s",
    "edge_class",
    "geom_offsets",
    "geom_lon",
    "geom_lat",
)
_STOP_TEXT = ("stop_id", "stop_name", "stop_municipality", "stop_kind")
FORMAT_VERSION = 1


def save_network(network: RoadNetwork, path: Path) -> Path:
    """Write ``network`` to ``path`` (a ``.network.npz`` file) and return the path."""
    import shapely

    path.parent.mkdir(parents=True, exist_ok=True)
    stops = network.stops
    payload: dict[str, np.ndarray] = {name: getattr(network.arrays, name) for name in _ARRAY_FIELDS}
    payload |= {
        "format_version": np.array([FORMAT_VERSION], dtype=np.int32),
        "meta_json": np.frombuffer(network.meta.to_json().encode(), dtype=np.uint8),
        "service_area_wkb": np.frombuffer(shapely.to_wkb(network.service_area), dtype=np.uint8),
        "stop_id": np.array([s.id for s in stops], dtype=str),
        "stop_name": np.array([s.name for s in stops], dtype=str),
        "stop_municipality": np.array([s.municipality for s in stops], dtype=str),
        "stop_kind": np.array([s.kind.value for s in stops], dtype=str),
        "stop_lon": np.array([s.point.lon for s in stops], dtype=np.float64),
        "stop_lat": np.array([s.point.lat for s in stops], dtype=np.float64),
        "stop_node": network.stop_nodes.astype(np.int32),
    }
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **payload)  # type: ignore[arg-type]
    tmp.replace(path)
    return path


def load_network(path: Path) -> RoadNetwork:
    """Load a network written by :func:`save_network`.

    Raises :class:`NetworkFileError` naming the file if it is missing or not a network file.
    """
    from routing.network.model import RoadNetwork

    if not path.is_file():
        msg = f"network file not found: {path} (build one with `mobility network build`)"
        raise NetworkFileError(msg)
    try:
        with np.load(path, allow_pickle=False) as data:
            content = {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        msg = f"{path} is not a network file (.network.npz): {exc}"
        raise NetworkFileError(msg) from exc
    missing = [n for n in (*_ARRAY_FIELDS, *_STOP_TEXT, "meta_json", "service_area_wkb") if n not in content]
    if missing:
        msg = f"{path} is not a network file: missing {', '.join(missing)}"
        raise NetworkFileError(msg)
    version = int(content["format_version"][0]) if "format_version" in content else 0
    if version != FORMAT_VERSION:
        msg = f"{path} has network format {version}, expected {FORMAT_VERSION}: rebuild it"
        raise NetworkFileError(msg)
    arrays = NetworkArrays(**{name: content[name] for name in _ARRAY_FIELDS})
    meta = NetworkMeta.from_json(content["meta_json"].tobytes().decode())
    stops = _stops_from(content)
    return RoadNetwork(
        arrays=arrays,
        meta=meta,
        stops=stops,
        stop_nodes=content["stop_node"].astype(np.int64),
        service_area=_polygon(content["service_area_wkb"]),
    )


def _stops_from(content: dict[str, np.ndarray]) -> list[Stop]:
    rows = zip(
        content["stop_id"].tolist(),
        content["stop_name"].tolist(),
        content["stop_municipality"].tolist(),
        content["stop_kind"].tolist(),
        content["stop_lon"].tolist(),
        content["stop_lat"].tolist(),
        strict=True,
    )
    return [
        Stop(id=sid, name=name, municipality=mun, point=Point(lon, lat), kind=StopKind(kind), index=i)
        for i, (sid, name, mun, kind, lon, lat) in enumerate(rows)
    ]


def _polygon(wkb: np.ndarray) -> BaseGeometry:
    import shapely

    return shapely.from_wkb(wkb.tobytes())
