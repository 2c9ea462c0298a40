"""Offers from insertions, and the constraints of a request read back from its offer."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from mobility.domain.fleet import Vehicle
from mobility.domain.rides import Offer, TimeWindow
from routing.dispatcher.config import DispatcherConfig
from routing.dispatcher.requests import Prepared
from routing.dispatcher.timebase import TimeBase
from routing.insertion import Insertion, RequestSpec


def make_offer(prepared: Prepared, spec: RequestSpec, insertion: Insertion, vehicle: Vehicle, *, now: datetime,
               timebase: TimeBase, config: DispatcherConfig, network_source: str) -> Offer:
    """The offer for ``insertion``: the promised pickup window, latest arrival, stops, walks and price."""
    at = timebase.instant
    return Offer(
        id=uuid.uuid4().hex,
        request=prepared.request,
        vehicle_id=vehicle.id,
        vehicle_type=vehicle.type.id,
        pickup_stop=prepared.pickup_stop,
        dropoff_stop=prepared.dropoff_stop,
        walk_to_pickup_m=prepared.walk_to_m,
        walk_from_dropoff_m=prepared.walk_from_m,
        pickup_window=TimeWindow(at(spec.pickup_earliest), at(spec.pickup_latest)),
        planned_pickup=at(insertion.pickup_begin),
        planned_dropoff=at(insertion.dropoff_begin),
        latest_arrival=at(spec.dropoff_latest),
        price_cents=config.fares.price(prepared.direct_m, prepared.request.passengers),
        valid_until=now + timedelta(seconds=config.offer_validity_s),
        network_source=network_source,
    )


def spec_from_offer(offer: Offer, request_id: str, *, timebase: TimeBase, config: DispatcherConfig) -> RequestSpec:
    """The constraints an offer promised: its pickup window, latest arrival and the ride limit they imply."""
    service = config.service_s(offer.request.wheelchairs)
    earliest = timebase.seconds_up(offer.pickup_window.earliest)
    latest = timebase.seconds(offer.pickup_window.latest)
    arrival = timebase.seconds(offer.latest_arrival)
    return RequestSpec(request_id, offer.pickup_stop.index, offer.dropoff_stop.index,
                       offer.request.load.as_tuple(), earliest, latest, arrival,
                       max(0, arrival - latest - service), service, service,
                       min(config.pickup_reserve_s, max(0, latest - earliest)))


def committed_offer(offer: Offer, insertion: Insertion, vehicle: Vehicle, timebase: TimeBase) -> Offer:
    """``offer`` as committed: same promise, the vehicle and planned times the plan now has."""
    return replace(offer, vehicle_id=vehicle.id, vehicle_type=vehicle.type.id,
                   planned_pickup=timebase.instant(insertion.pickup_begin),
                   planned_dropoff=timebase.instant(insertion.dropoff_begin))
