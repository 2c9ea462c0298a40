"""Virtual stops: the district's real stops and meeting points, lookup by name or id, snapping."""

from routing.stops.lookup import find_stop
from routing.stops.sources import StopCandidate, district_stop_candidates, municipality_of

__all__ = ["StopCandidate", "district_stop_candidates", "find_stop", "municipality_of"]
