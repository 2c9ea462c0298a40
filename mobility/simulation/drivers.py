"""The simulated drivers: they drive the dispatcher's plan and report what happens at every stop.

A vehicle's current visit is the first one of its tour that is not DONE. At its planned arrival the driver reports
VEHICLE_ARRIVED; at its planned departure the rider boards (or is reported as a no-show) or alights. Between
visits the vehicle drives on the network's travel times — the planned times come from them.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from mobility.domain.events import Event, EventType
from mobility.domain.plan import Plan, StopVisit, Tour, VisitKind, VisitStatus
from mobility.domain.rides import Load
from mobility.simulation.records import ExecutedVisit, Outcome, RequestRecord, RunLog

ACTOR = "simulation"


class SimulationError(RuntimeError):
    """The run cannot go on (e.g. the dispatcher did not advance a visit that was reported)."""


@dataclass(frozen=True, slots=True)
class Action:
    """The next thing a driver does: at ``at``, for ``visit`` of ``vehicle_id``."""

    at: datetime
    vehicle_id: str
    visit: StopVisit


@dataclass(slots=True)
class _Open:
    visit: StopVisit
    arrived_at: datetime


def _key(visit: StopVisit) -> tuple[str | None, str, str]:
    return (visit.booking_id, visit.kind.value, visit.stop.id)


class Drivers:
    """All drivers of the fleet, acting through ``record`` (the dispatcher's ``record``)."""

    def __init__(
        self,
        record: Callable[[Event], object],
        log: RunLog,
        no_shows: frozenset[str],
        no_show_wait_s: int = 0,
    ) -> None:
        self._record = record
        self._log = log
        self._records = log.requests
        self._no_show_wait = timedelta(seconds=no_show_wait_s)
        self._no_shows = no_shows
        self.onboard: dict[str, dict[str, Load]] = {}
        self._open: dict[str, _Open] = {}
        self._done_hint: dict[str, int] = {}
        self._last: tuple[str, tuple[str | None, str, str], VisitStatus] | None = None
        # per vehicle the tour its pending action was found in and that action's due time (None: nothing to do);
        # a tour the plan did not change is the same object, so only changed tours are looked at again
        self._seen: dict[str, tuple[Tour, StopVisit | None, datetime | None]] = {}
        self._dues: list[tuple[datetime, str, int, Tour]] = []  # heap of (due, vehicle, n, tour); stale ones skipped
        self._pushed = itertools.count()

    def _current(self, vehicle_id: str, visits: tuple[StopVisit, ...]) -> StopVisit | None:
        start = self._done_hint.get(vehicle_id, 0)
        if start > len(visits) or (start and visits[start - 1].status != VisitStatus.DONE):
            start = 0
        for i in range(start, len(visits)):
            if visits[i].status != VisitStatus.DONE:
                self._done_hint[vehicle_id] = i
                return visits[i]
        self._done_hint[vehicle_id] = len(visits)
        return None

    def next_action(self, plan: Plan, now: datetime) -> Action | None:
        """The earliest pending driver action over all tours, or None when every tour is driven (ties: the
        first vehicle id). Only tours that changed since the last call are looked at again."""
        seen = self._seen
        for vehicle_id in [v for v, tour in plan.tours.items() if (k := seen.get(v)) is None or k[0] is not tour]:
            tour = plan.tours[vehicle_id]
            visit = self._current(vehicle_id, tour.visits)
            self._close_stale(vehicle_id, visit, now)
            due = None
            if visit is not None and not (visit.kind == VisitKind.BREAK and visit.status == VisitStatus.DONE):
                due = self._due(vehicle_id, visit)
                heapq.heappush(self._dues, (due, vehicle_id, next(self._pushed), tour))
            seen[vehicle_id] = (tour, visit, due)
        dues = self._dues
        while dues and seen[dues[0][1]][0] is not dues[0][3]:
            heapq.heappop(dues)  # the vehicle's tour changed since this entry
        if not dues:
            return None
        due, vehicle_id, _, _ = dues[0]
        if due <= now:  # every action already due starts now: the first vehicle id among them, as ever
            vehicle_id = min(v for v, (_, _, d) in seen.items() if d is not None and d <= now)
        visit = seen[vehicle_id][1]
        assert visit is not None
        return Action(max(due, now), vehicle_id, visit)

    def _due(self, vehicle_id: str, visit: StopVisit) -> datetime:
        if visit.status == VisitStatus.PLANNED:
            return visit.planned_arrival
        if visit.kind == VisitKind.PICKUP and visit.booking_id in self._no_shows:
            opened = self._open.get(vehicle_id)
            arrived = opened.arrived_at if opened is not None else visit.planned_arrival
            return max(visit.planned_departure, max(arrived, visit.window.earliest) + self._no_show_wait)
        return visit.planned_departure

    def _close_stale(self, vehicle_id: str, visit: StopVisit | None, now: datetime) -> None:
        opened = self._open.get(vehicle_id)
        if opened is not None and (visit is None or _key(visit) != _key(opened.visit)):
            del self._open[vehicle_id]
            self._log_visit(vehicle_id, opened.visit, opened.arrived_at, now, "aborted")

    def execute(self, action: Action) -> list[str]:
        """Carry out ``action`` at ``action.at``; returns booking ids the dispatcher could no longer keep."""
        visit, vid, now = action.visit, action.vehicle_id, action.at
        self._seen.pop(vid, None)  # look at this vehicle's tour again next time (what is open changes here)
        marker = (vid, _key(visit), visit.status)
        if marker == self._last:
            msg = f"the dispatcher did not advance visit {_key(visit)} of {vid} after it was reported ({visit.status})"
            raise SimulationError(msg)
        self._last = marker
        if visit.status == VisitStatus.PLANNED:
            self._open[vid] = _Open(visit, now)
            return self._report(EventType.VEHICLE_ARRIVED, now, visit, vid)
        opened = self._open.pop(vid, None)
        arrived_at = opened.arrived_at if opened is not None else now
        if visit.kind == VisitKind.BREAK or visit.booking_id is None:
            self._log_visit(vid, visit, arrived_at, now, "break")
            return self._report(EventType.VEHICLE_ARRIVED, now, visit, vid)
        record = self._records[visit.booking_id]
        if visit.kind == VisitKind.PICKUP:
            return self._pickup(vid, visit, record, arrived_at, now)
        return self._dropoff(vid, visit, record, arrived_at, now)

    def _pickup(
        self, vid: str, visit: StopVisit, record: RequestRecord, arrived: datetime, now: datetime
    ) -> list[str]:
        if record.id in self._no_shows:
            record.outcome = Outcome.NO_SHOW
            self._log_visit(vid, visit, arrived, now, "no_show")
            return self._report(EventType.PASSENGER_NO_SHOW, now, visit, vid)
        aboard = self.onboard.setdefault(vid, {})
        aboard[record.id] = record.load
        if len(aboard) > 1:
            for booking_id in aboard:
                self._records[booking_id].pooled = True
        record.outcome, record.boarded_at, record.vehicle_id = Outcome.ON_BOARD, now, vid
        record.pickup_at = max(arrived, visit.window.earliest)
        self._log_visit(vid, visit, arrived, now, "boarded")
        return self._report(EventType.PASSENGER_BOARDED, now, visit, vid)

    def _dropoff(
        self, vid: str, visit: StopVisit, record: RequestRecord, arrived: datetime, now: datetime
    ) -> list[str]:
        aboard = self.onboard.setdefault(vid, {})
        if record.id not in aboard:
            self._log.anomalies.append(f"{now.isoformat()} {vid}: drop-off of {record.id}, who is not on board")
            self._log_visit(vid, visit, arrived, now, "aborted")
            return self._report(EventType.PASSENGER_DROPPED_OFF, now, visit, vid)
        if len(aboard) > 1:
            record.pooled = True
        del aboard[record.id]
        record.outcome, record.dropped_off_at, record.arrived_at = Outcome.SERVED, now, arrived
        self._log_visit(vid, visit, arrived, now, "dropped_off")
        return self._report(EventType.PASSENGER_DROPPED_OFF, now, visit, vid)

    def _report(self, kind: EventType, now: datetime, visit: StopVisit, vehicle_id: str) -> list[str]:
        data = (("stop_id", visit.stop.id), ("visit_kind", visit.kind.value))
        lost = self._record(Event(kind, now, visit.booking_id, vehicle_id, ACTOR, data))
        return list(lost) if isinstance(lost, list | tuple) else []

    def _log_visit(self, vid: str, visit: StopVisit, arrived: datetime, departed: datetime, what: str) -> None:
        load = Load()
        for part in self.onboard.get(vid, {}).values():
            load = load + part
        self._log.visits.append(
            ExecutedVisit(vid, visit.booking_id, visit.kind, visit.stop, arrived, departed, what, load,
                          visit.window.earliest, visit.window.latest)
        )
