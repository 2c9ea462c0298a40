"""Map layers of a network for the web pages: roads simplified per zoom level, the service area.

Roads are drawn only for real networks: the approximate network's straight links between stops are no roads (drawn,
they looked like a spider's web), so for it the roads layer is empty and flagged ``approximate``. Per zoom bucket
the minor road classes are left out at small scales and the lines are simplified (Douglas-Peucker) with a tolerance
of about a pixel at that zoom; each bucket is built once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from routing.network.speeds import ROAD_CLASSES

if TYPE_CHECKING:
    from routing.network.model import RoadNetwork

#: (lowest zoom of the bucket, last road class drawn, simplification tolerance in metres)
ZOOM_BUCKETS: tuple[tuple[int, str, float], ...] = (
    (0, "secondary_link", 120.0),
    (11, "tertiary_link", 40.0),
    (12, "unclassified", 15.0),
    (13, "service", 5.0),
    (15, "other", 0.0),
)
METRES_PER_DEGREE = 111_320.0


def bucket_of(zoom: int | None) -> int:
    """The index in :data:`ZOOM_BUCKETS` of a map zoom level (None: the most detailed)."""
    if zoom is None:
        return len(ZOOM_BUCKETS) - 1
    return max(i for i, (low, _, _) in enumerate(ZOOM_BUCKETS) if zoom >= low)


def roads_layer(network: RoadNetwork, zoom: int | None = None) -> dict[str, Any]:
    """Every road once (both directions merged) as LineStrings with their road class, for ``zoom``."""
    meta = network.meta
    head = {"type": "FeatureCollection", "source": meta.source, "approximate": meta.is_approximate}
    if meta.is_approximate:
        return {**head, "features": [], "note": "approximate network: straight links between stops, not roads"}
    low, last, tolerance = ZOOM_BUCKETS[bucket_of(zoom)]
    return {**head, "zoom_from": low, "features": _features(network, ROAD_CLASSES.index(last), tolerance)}


def _features(network: RoadNetwork, last_class: int, tolerance_m: float) -> list[dict[str, Any]]:
    import shapely

    a = network.arrays
    lo = np.minimum(a.edge_u, a.edge_v).astype(np.int64)
    hi = np.maximum(a.edge_u, a.edge_v).astype(np.int64)
    _, first = np.unique(lo * a.n_nodes + hi, return_index=True)
    keep = np.sort(first[a.edge_class[first] <= last_class])
    cos = float(np.cos(np.radians(np.mean(a.node_lat))))
    features = []
    for e in keep.tolist():
        u, v = int(a.edge_u[e]), int(a.edge_v[e])
        s, t = int(a.geom_offsets[e]), int(a.geom_offsets[e + 1])
        lon = np.concatenate([[a.node_lon[u]], a.geom_lon[s:t], [a.node_lon[v]]])
        lat = np.concatenate([[a.node_lat[u]], a.geom_lat[s:t], [a.node_lat[v]]])
        if tolerance_m > 0 and len(lon) > 2:
            # simplify in a frame scaled to metres in both directions, then back to degrees
            line = shapely.simplify(shapely.linestrings(lon * cos, lat), tolerance_m / METRES_PER_DEGREE)
            xy = shapely.get_coordinates(line)
            lon, lat = xy[:, 0] / cos, xy[:, 1]
        coords = [[round(float(x), 5), round(float(y), 5)] for x, y in zip(lon, lat, strict=True)]
        features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                         "properties": {"class": int(a.edge_class[e]), "highway": ROAD_CLASSES[int(a.edge_class[e])]}})
    return features
