"""Service areas: a buffered concave hull of points (never the GADM outline, whose terms exclude commerce)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

METRIC_CRS = "EPSG:25832"


def hull_area(
    lon: NDArray[np.float64], lat: NDArray[np.float64], *, buffer_m: float, ratio: float = 0.3
) -> BaseGeometry:
    """Concave hull of the points (``ratio`` as in :func:`shapely.concave_hull`) grown by ``buffer_m`` (WGS84)."""
    import shapely
    from pyproj import Transformer

    to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    to_wgs84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    x, y = to_metric.transform(lon, lat)
    hull = shapely.concave_hull(shapely.multipoints(np.column_stack([x, y])), ratio=ratio)
    area = hull.buffer(buffer_m, quad_segs=4).simplify(50.0)
    return shapely.transform(area, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))


def grow(area: BaseGeometry, metres: float) -> BaseGeometry:
    """``area`` (WGS84) grown by ``metres`` (buffered in the metric CRS)."""
    import shapely
    from pyproj import Transformer

    to_metric = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    to_wgs84 = Transformer.from_crs(METRIC_CRS, "EPSG:4326", always_xy=True)
    metric = shapely.transform(area, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))
    grown = metric.buffer(metres, quad_segs=4).simplify(20.0)
    return shapely.transform(grown, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))
