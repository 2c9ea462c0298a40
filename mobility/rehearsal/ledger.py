"""What happened during the rehearsal, as the actors saw it: each ride request and its booking, and every place the
service did not behave (observations the report lists with ids and simulated times)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from mobility.demand.generator import SyntheticRequest


class Outcome(StrEnum):
    """Where a ride request stands (the last four are final)."""

    WAITING = "waiting"  # not asked yet
    BOOKED = "booked"  # confirmed, not finished yet
    FINISHED = "finished"
    CANCELLED = "cancelled"  # by the resident
    NO_SHOW = "no_show"
    REFUSED = "refused"  # no offer (with the service's reason), or the booking was not accepted
    DECLINED = "declined"  # the offer was too far from the wished time and the resident did not take it
    LOST = "lost"  # confirmed, then rejected by the service (a promise it could not keep)


FINAL = frozenset({Outcome.FINISHED, Outcome.CANCELLED, Outcome.NO_SHOW, Outcome.REFUSED, Outcome.DECLINED,
                   Outcome.LOST})


@dataclass(frozen=True, slots=True)
class EtaReading:
    """An ETA the resident read: when they asked and what the API said."""

    asked_at: datetime
    eta: datetime
    basis: str  # planned | live | "" (the API does not say)
    target: str  # pickup | dropoff
    vehicle_id: str = ""
    stops_before: int = -1


@dataclass
class Ride:
    """One request of the demand model and what came of it."""

    demand: SyntheticRequest
    channel: str  # app | phone
    username: str = ""
    token: str = ""
    outcome: Outcome = Outcome.WAITING
    reason: str = ""  # the service's reason for a refusal (its stable code), or why it was lost
    detail: str = ""  # the service's German detail for a refusal
    alternative: bool = False  # booked (or tried) at an alternative time the service offered
    booking_id: str | None = None
    vehicle_id: str | None = None
    pickup_stop: str = ""  # the stop ids of the booking
    dropoff_stop: str = ""
    window: tuple[datetime, datetime] | None = None  # the promised pickup window
    planned_pickup: datetime | None = None
    booked_at: datetime | None = None
    state: str = ""  # the booking's last known TOMP state
    arrived_at: datetime | None = None  # the vehicle reported arrived at the pickup stop
    boarded_at: datetime | None = None
    served_by: str | None = None  # the vehicle whose driver reported the boarding
    dropped_at: datetime | None = None
    no_show_at: datetime | None = None
    cancelled_at: datetime | None = None
    etas: list[EtaReading] = field(default_factory=list)

    @property
    def no_show(self) -> bool:
        """The rider will not turn up."""
        return self.demand.no_show

    @property
    def final(self) -> bool:
        """The request reached a final state."""
        return self.outcome in FINAL


@dataclass(frozen=True, slots=True)
class Observation:
    """A place where the service misbehaved (or a driver could not go on)."""

    at: datetime
    kind: str
    detail: str
    vehicle_id: str | None = None
    booking_id: str | None = None


@dataclass
class Ledger:
    """The shared record of the rehearsal."""

    rides: list[Ride] = field(default_factory=list)
    by_booking: dict[str, Ride] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # observation kinds
    notes: Counter[str] = field(default_factory=Counter)  # things worth counting that are no misbehaviour
    _seen: set[str] = field(default_factory=set)

    def booked(self, ride: Ride) -> None:
        """Remember the booking of ``ride``."""
        assert ride.booking_id is not None
        self.by_booking[ride.booking_id] = ride

    def ride(self, booking_id: str) -> Ride | None:
        """The ride of a booking the rehearsal made."""
        return self.by_booking.get(booking_id)

    def observe(self, at: datetime, kind: str, detail: str, *, vehicle_id: str | None = None,
                booking_id: str | None = None, limit: int = 50, once: str | None = None) -> None:
        """Record a misbehaviour; each kind is counted, and the first ``limit`` of each kind are kept in full.
        With ``once``, a misbehaviour seen again under the same key is not recorded again."""
        if once is not None:
            if once in self._seen:
                return
            self._seen.add(once)
        self.counts[kind] += 1
        if self.counts[kind] <= limit:
            self.observations.append(Observation(at, kind, detail, vehicle_id, booking_id))
