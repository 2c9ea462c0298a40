"""Region packs: one folder with network, stops, service area, fleet, pool-car stations, rules, fares and provenance.

:func:`routing.region.build.build_pack` makes a pack from an OSM extract (or Overpass) and a GTFS stops file;
:func:`routing.region.pack.load_pack` reads one for the service, the simulation and the rehearsal.
"""

from routing.region.errors import RegionError
from routing.region.pack import RegionPack, load_pack

__all__ = ["RegionError", "RegionPack", "load_pack"]
