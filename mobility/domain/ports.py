"""Ports: the Protocols through which the domain talks to routing, storage and time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from mobility.domain.events import Event
from mobility.domain.fleet import Vehicle
from mobility.domain.geo import Point
from mobility.domain.plan import DaySummary, Eta, Plan
from mobility.domain.positions import VehiclePosition
from mobility.domain.rides import Booking, NoOffer, Offer, RideRequest
from mobility.domain.stops import Stop


class TravelTimes(Protocol):
    """Travel times and distances between locations addressed by integer index.

    The solver is developed on Euclidean benchmark instances and runs on the road network in the
    product; both implement this Protocol.
    """

    def __len__(self) -> int:
        """Number of locations."""
        ...

    def duration(self, origin: int, destination: int) -> int:
        """Driving time from ``origin`` to ``destination`` (seconds)."""
        ...

    def distance(self, origin: int, destination: int) -> int:
        """Driving distance from ``origin`` to ``destination`` (metres)."""
        ...


class Clock(Protocol):
    """The one source of the current time, so the simulation and tests control it."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class StopDirectory(Protocol):
    """Where riders can board: the virtual stops of the configured network and how to reach them."""

    @property
    def network_source(self) -> str:
        """Where the road network comes from: ``approximate``, ``osm-extract`` or ``overpass``."""
        ...

    def stops(self) -> Sequence[Stop]:
        """All virtual stops."""
        ...

    def find_stop(self, name_or_id: str) -> Stop:
        """The stop with this id or name; raises ``ValueError`` naming the input when there is none."""
        ...

    def snap(self, point: Point, walk_limit_m: int | None = None) -> tuple[Stop, int]:
        """The nearest usable stop within the walking limit and the walk to it (metres).

        Raises ``ValueError`` (with a message a person understands) outside the service area or without a stop nearby.
        """
        ...

    def in_service_area(self, point: Point) -> bool:
        """Whether ``point`` lies in the service area."""
        ...


class Dispatcher(Protocol):
    """The live plan of one service area: quotes by insertion, confirms atomically, re-plans.

    The booking service and the simulation are handed a Dispatcher; they never import routing.
    Every method is safe to call from several threads.
    """

    def quote(self, request: RideRequest, now: datetime) -> Offer | NoOffer:
        """The best offer for ``request`` given the plan as it is now, held until ``Offer.valid_until``."""
        ...

    def confirm(self, offer: Offer, booking_id: str, now: datetime) -> Offer | NoOffer:
        """Commit ``offer`` into the plan atomically.

        Returns the committed offer (possibly identical), or a NoOffer when the plan changed and the seat is gone;
        the caller may then quote again for a fresh offer.
        """
        ...

    def cancel(self, booking_id: str, now: datetime) -> None:
        """Remove a booking from the plan (no-op if it is not in the plan)."""
        ...

    def plan(self) -> Plan:
        """The current plan (an immutable snapshot)."""
        ...

    def vehicles(self) -> Sequence[Vehicle]:
        """The fleet with each vehicle's current state."""
        ...

    def record(self, event: Event) -> Sequence[str]:
        """Apply a driver or dispatcher event (arrived, boarded, no-show, dropped off, out of/in service).

        Returns the ids of bookings that could no longer be kept because of it (to be reported to the dispatcher).
        """
        ...

    def reoptimise(self, now: datetime, time_limit_s: float, day: date | None = None) -> bool:
        """Re-solve the not-yet-driven part of the plan keeping every promise; True if a better plan replaced it.

        With ``day`` (local date): the shifts starting that day (the batch plan of pre-booked rides).
        """
        ...

    def day_summary(self, day: date) -> DaySummary:
        """The shifts starting on ``day``: count, count with rides, rides and planned metres."""
        ...

    def restore(self, plan: Plan, bookings: Sequence[Booking], now: datetime) -> Sequence[str]:
        """Rebuild the live plan after a restart from the stored plan and confirmed bookings.

        Returns ids of bookings that could not be put back (reported, never silently dropped).
        """
        ...

    def leg_geometry(self, origin: Stop, destination: Stop) -> Sequence[tuple[float, float]]:
        """The road geometry between two stops as ``(lon, lat)`` positions, for maps."""
        ...

    def advance(self, now: datetime) -> bool:
        """Let time move through the plan up to ``now``: breaks end at their planned end (or are closed when their
        time passed without the driver), duties whose shift is over with nothing left end. True if the plan changed.
        """
        ...

    def eta(self, booking_id: str, now: datetime) -> Eta | None:
        """When the serving vehicle is expected at the booking's next stop (None when it is not in the plan)."""
        ...

    def report_position(self, position: VehiclePosition) -> None:
        """Take a vehicle's device position as the basis of its live ETAs."""
        ...

    def last_position(self, vehicle_id: str) -> VehiclePosition | None:
        """The vehicle's last reported position (None when none was reported)."""
        ...
