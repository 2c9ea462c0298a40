"""GBFS 3.1 ``vehicle_availability.json``: when each pool car can still be reserved, from the reservations.

A car is available where all of these hold, from now to the end of the booking horizon (``PoolRules.horizon_s``):

* it is in service, and inside its weekly booking hours when it has them (``Car.availability``);
* no active reservation blocks it: a reservation keeps the car from ``start − buffer`` to ``end + buffer`` for
  others, since a new reservation must leave the cleaning/charging buffer before the next one and after the last
  one (``poolcar_rules.conflicts``);
* the free piece is at least the shortest reservation (``PoolRules.min_duration_s``) long.

A piece that runs to the end of the horizon of a car without booking hours has no ``until`` (GBFS: available from
then on). A car on a trip is left out, as in ``vehicle_status`` (its ``vehicle_id`` is the same per-trip
pseudonym, which must not outlive the trip); a car out of service is listed with no availability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from booking.gbfs.feed import GbfsSystem, _stamp, envelope, vehicle_pseudonym
from mobility.domain.poolcars import Car, PoolRules, Reservation, ReservationState, Slot, merge_slots


def free_slots(car: Car, reservations: Sequence[Reservation], now: datetime, rules: PoolRules) -> list[Slot]:
    """The periods from ``now`` to the horizon in which ``car`` can take a new reservation."""
    if not car.in_service:
        return []
    window = Slot(now, now + timedelta(seconds=rules.horizon_s))
    open_ = car.availability.open_slots(window) if car.availability is not None else [window]
    buffer = timedelta(seconds=rules.buffer_s)
    blocked = merge_slots([Slot(r.slot.start - buffer, r.slot.end + buffer) for r in reservations
                           if r.car_id == car.id and r.active and r.slot.end + buffer > now])
    free: list[Slot] = []
    for piece in open_:
        start = piece.start
        for b in blocked:
            if b.end <= start or b.start >= piece.end:
                continue
            if b.start > start:
                free.append(Slot(start, b.start))
            start = max(start, b.end)
        if start < piece.end:
            free.append(Slot(start, piece.end))
    shortest = timedelta(seconds=rules.min_duration_s)
    return [s for s in free if s.end - s.start >= shortest]


def vehicle_availability(cars: Sequence[Car], reservations: Sequence[Reservation], trips: Mapping[str, int],
                         now: datetime, *, rules: PoolRules, system: GbfsSystem) -> dict[str, Any]:
    """``vehicle_availability.json`` (GBFS 3.1) of ``cars`` at ``now``."""
    horizon_end = now + timedelta(seconds=rules.horizon_s)
    out = []
    for car in cars:
        if any(r.car_id == car.id and r.state is ReservationState.STARTED for r in reservations):
            continue  # on a trip: not published (privacy, as vehicle_status)
        slots = []
        for slot in free_slots(car, reservations, now, rules):
            entry = {"from": _stamp(slot.start)}
            if car.availability is not None or slot.end < horizon_end:
                entry["until"] = _stamp(slot.end)
            slots.append(entry)
        out.append({"vehicle_id": vehicle_pseudonym(car, trips.get(car.id, 0), system),
                    "vehicle_type_id": car.type.id, "station_id": car.station_id, "availabilities": slots})
    return envelope({"vehicles": out}, now, system)
