"""From a resident's request to what the insertion needs: stops, direct trip, windows in seconds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mobility.domain.geo import Point
from mobility.domain.ports import StopDirectory, TravelTimes
from mobility.domain.rides import NoOffer, RejectionReason, RideRequest
from mobility.domain.stops import Stop
from routing.dispatcher.config import DispatcherConfig
from routing.dispatcher.messages import message
from routing.insertion import LoadVector, RequestSpec


@dataclass(frozen=True, slots=True)
class Prepared:
    """A request that passed the rules: its stops, walks, direct trip and service times."""

    request: RideRequest
    pickup_stop: Stop
    dropoff_stop: Stop
    walk_to_m: int
    walk_from_m: int
    direct_s: int
    direct_m: int
    max_ride_s: int
    pickup_service_s: int
    dropoff_service_s: int
    window_s: int
    reserve_s: int = 0

    @property
    def load(self) -> LoadVector:
        """The party's load vector (seats, wheelchairs, strollers)."""
        return self.request.load.as_tuple()

    def spec(self, request_id: str, requested_s: int) -> RequestSpec:
        """Windows for a trip requested at ``requested_s`` (departure, or arrival if the request says so)."""
        width = self.window_s
        if self.request.arrival is not None:
            latest_arrival = requested_s
            pickup_latest = latest_arrival - self.max_ride_s - self.pickup_service_s
            pickup_earliest = pickup_latest - width
        else:
            pickup_earliest = requested_s
            pickup_latest = requested_s + width
            latest_arrival = pickup_latest + self.pickup_service_s + self.max_ride_s
        return RequestSpec(request_id, self.pickup_stop.index, self.dropoff_stop.index, self.load,
                           pickup_earliest, pickup_latest, latest_arrival, self.max_ride_s,
                           self.pickup_service_s, self.dropoff_service_s, min(self.reserve_s, width))


def _reject(request: RideRequest, reason: RejectionReason, text: str | None = None) -> NoOffer:
    return NoOffer(request, reason, text or message(reason))


def _locate(point: Point, stop_id: str | None, request: RideRequest, directory: StopDirectory,
            walk_limit_m: int) -> tuple[Stop, int] | NoOffer:
    if stop_id is not None:
        try:
            return directory.find_stop(stop_id), 0
        except ValueError:
            return _reject(request, RejectionReason.NO_STOP_NEARBY, f"Die Haltestelle „{stop_id}“ ist unbekannt.")
    if not directory.in_service_area(point):
        return _reject(request, RejectionReason.OUTSIDE_SERVICE_AREA)
    try:
        return directory.snap(point, walk_limit_m)
    except ValueError:
        return _reject(request, RejectionReason.NO_STOP_NEARBY,
                       f"Im Umkreis von {walk_limit_m} m gibt es keine Haltestelle des Rufbusses.")


def prepare(request: RideRequest, now: datetime, *, directory: StopDirectory, travel: TravelTimes,
            config: DispatcherConfig, capacities: Iterable[LoadVector]) -> Prepared | NoOffer:
    """Check ``request`` against the rules and the fleet and locate its stops; a NoOffer says what is wrong."""
    violation = config.rules.check(request.requested_time, now)
    if violation is not None:
        return NoOffer(request, violation.reason, violation.message,
                       (violation.earliest_allowed,) if violation.earliest_allowed else ())
    load = request.load.as_tuple()
    if not any(all(q <= c for q, c in zip(load, cap, strict=True)) for cap in capacities):
        return _reject(request, RejectionReason.NO_SUITABLE_VEHICLE)
    origin = _locate(request.origin, request.origin_stop_id, request, directory, config.walk_limit_m)
    if isinstance(origin, NoOffer):
        return origin
    destination = _locate(request.destination, request.destination_stop_id, request, directory,
                          config.walk_limit_m)
    if isinstance(destination, NoOffer):
        return destination
    (pickup, walk_to), (dropoff, walk_from) = origin, destination
    if pickup.index == dropoff.index:
        return _reject(request, RejectionReason.SAME_ORIGIN_DESTINATION)
    direct_s = travel.duration(pickup.index, dropoff.index)
    service = config.service_s(request.wheelchairs)
    return Prepared(request, pickup, dropoff, int(walk_to), int(walk_from), direct_s,
                    travel.distance(pickup.index, dropoff.index), config.max_ride_s(direct_s), service, service,
                    config.pickup_window_s, config.pickup_reserve_s)
