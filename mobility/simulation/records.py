"""What a simulation run records: the fate of every request and every visit the vehicles actually drove."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from mobility.domain.batch import DayPlan
from mobility.domain.plan import VisitKind
from mobility.domain.rides import Load, Offer
from mobility.domain.stops import Stop


class Outcome(StrEnum):
    """How a request ended (every request ends in exactly one of these)."""

    PENDING = "pending"  # not ended yet (only during a run)
    CONFIRMED = "confirmed"  # booked, not yet boarded (only during a run)
    ON_BOARD = "on_board"  # only during a run
    SERVED = "served"
    REJECTED = "rejected"  # the dispatcher had no offer
    DECLINED = "declined"  # the rider turned the offer down (too far from the wished time)
    CANCELLED = "cancelled"  # the rider cancelled a booking
    NO_SHOW = "no_show"  # the rider did not come to the pickup
    DROPPED = "dropped"  # the dispatcher could not keep a confirmed booking (reported by ``record``)
    UNFINISHED = "unfinished"  # still open when the run ended (a defect; conservation tests catch it)


FINAL = frozenset({Outcome.SERVED, Outcome.REJECTED, Outcome.DECLINED, Outcome.CANCELLED, Outcome.NO_SHOW,
                   Outcome.DROPPED, Outcome.UNFINISHED})


@dataclass(slots=True)
class RequestRecord:
    """One request's life in the run (mutable while the run goes on)."""

    id: str
    submitted_at: datetime
    wished_time: datetime
    by_arrival: bool
    passengers: int
    wheelchairs: int
    strollers: int
    prebooked: bool
    origin_municipality: str
    destination_municipality: str
    origin_stop_id: str
    destination_stop_id: str
    direct_s: int
    direct_m: int
    outcome: Outcome = Outcome.PENDING
    rejection_reason: str = ""
    offer: Offer | None = None
    vehicle_id: str = ""
    pickup_at: datetime | None = None  # service began at the pickup (vehicle there and window open)
    boarded_at: datetime | None = None  # the vehicle left the pickup with the party on board
    arrived_at: datetime | None = None  # the vehicle reached the drop-off stop
    dropped_off_at: datetime | None = None  # the party has alighted
    pooled: bool = False

    @property
    def load(self) -> Load:
        """The party's load vector."""
        return Load(self.passengers - self.wheelchairs, self.wheelchairs, self.strollers)


@dataclass(frozen=True, slots=True)
class ExecutedVisit:
    """A stop visit as driven: when the vehicle arrived and left, and what it carried when leaving."""

    vehicle_id: str
    booking_id: str | None
    kind: VisitKind
    stop: Stop
    arrived_at: datetime
    departed_at: datetime
    action: str  # boarded | no_show | dropped_off | aborted
    load_after: Load
    window_earliest: datetime
    window_latest: datetime


@dataclass(slots=True)
class RunLog:
    """Everything a run produced, for KPIs, validation and reports."""

    requests: dict[str, RequestRecord] = field(default_factory=dict)
    visits: list[ExecutedVisit] = field(default_factory=list)
    reoptimisations: int = 0
    reoptimisations_improved: int = 0
    batch_plans: list[DayPlan] = field(default_factory=list)  # the night's batch plan of the day, if any
    anomalies: list[str] = field(default_factory=list)
    wall_s: dict[str, float] = field(default_factory=dict)  # wall time per part (dispatcher calls, loop)
    calls: dict[str, int] = field(default_factory=dict)  # how often each part ran
