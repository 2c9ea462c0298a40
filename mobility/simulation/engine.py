"""The discrete-event loop: requests arrive, riders answer offers, drivers drive the plan, the plan is re-optimised.

The engine is handed everything it talks to (a Dispatcher, a StopDirectory, TravelTimes, a ManualClock): it runs
the same dispatcher the live service runs, on a simulated clock that jumps from event to event.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dt_time
from enum import IntEnum
from typing import Any, TypeVar

from mobility.demand.generator import SyntheticRequest
from mobility.demand.params import minutes_of_day
from mobility.domain.batch import batch_rounds
from mobility.domain.clock import ManualClock
from mobility.domain.fleet import Vehicle
from mobility.domain.ports import Dispatcher, StopDirectory, TravelTimes
from mobility.simulation.behaviour import ask
from mobility.simulation.drivers import Drivers
from mobility.simulation.records import FINAL, Outcome, RequestRecord, RunLog
from mobility.simulation.scenario import Scenario

T = TypeVar("T")
END_GRACE = timedelta(hours=3)  # how long after the last shift ends open tours may still be driven


class _Kind(IntEnum):
    SUBMIT = 0
    CANCEL = 1
    REOPTIMISE = 2
    BATCH = 3


@dataclass
class SimulationSetup:
    """Everything one run needs; the composition root builds it."""

    scenario: Scenario
    dispatcher: Dispatcher
    directory: StopDirectory
    travel_times: TravelTimes
    clock: ManualClock
    vehicles: Sequence[Vehicle]
    requests: Sequence[SyntheticRequest]
    progress: bool = False
    on_progress: Callable[[datetime], None] | None = None
    timings: dict[str, float] = field(default_factory=dict)


class _Timed:
    def __init__(self, timings: dict[str, float], calls: dict[str, int]) -> None:
        self.timings = timings
        self.calls = calls

    def __call__(self, name: str, fn: Callable[..., T], *args: Any) -> T:
        start = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start
            self.calls[name] = self.calls.get(name, 0) + 1


def _record_for(item: SyntheticRequest, setup: SimulationSetup, cache: dict[str, tuple[int, int]]) -> RequestRecord:
    r = item.request
    key = f"{r.origin_stop_id}>{r.destination_stop_id}"
    if key not in cache:
        o = setup.directory.find_stop(r.origin_stop_id or "").index
        d = setup.directory.find_stop(r.destination_stop_id or "").index
        cache[key] = (setup.travel_times.duration(o, d), setup.travel_times.distance(o, d))
    direct_s, direct_m = cache[key]
    return RequestRecord(
        id=r.id, submitted_at=r.submitted_at, wished_time=r.requested_time, by_arrival=r.arrival is not None,
        passengers=r.passengers, wheelchairs=r.wheelchairs, strollers=r.strollers, prebooked=item.prebooked,
        origin_municipality=item.origin_municipality, destination_municipality=item.destination_municipality,
        origin_stop_id=r.origin_stop_id or "", destination_stop_id=r.destination_stop_id or "",
        direct_s=direct_s, direct_m=direct_m,
    )


class Simulation:
    """One run of a scenario against a dispatcher."""

    def __init__(self, setup: SimulationSetup) -> None:
        self.setup = setup
        self.log = RunLog()
        self._timed = _Timed(setup.timings, self.log.calls)
        self._queue: list[tuple[datetime, int, int, str]] = []
        self._seq = 0
        self._items = {item.request.id: item for item in setup.requests}
        cache: dict[str, tuple[int, int]] = {}
        for item in setup.requests:
            self.log.requests[item.request.id] = _record_for(item, setup, cache)
        no_shows = frozenset(i.request.id for i in setup.requests if i.no_show)
        self.drivers = Drivers(self._record_event, self.log, no_shows, setup.scenario.dispatch.no_show_wait_s)
        shifts = [s for v in setup.vehicles for s in v.shifts]
        self.service_start = min(s.start for s in shifts)
        self.service_end = max(s.end for s in shifts)

    def _push(self, at: datetime, kind: _Kind, ref: str = "") -> None:
        self._seq += 1
        heapq.heappush(self._queue, (at, int(kind), self._seq, ref))

    def _record_event(self, event: Any) -> Any:
        return self._timed("record", self.setup.dispatcher.record, event)

    def _schedule(self) -> None:
        for item in self.setup.requests:
            self._push(item.request.submitted_at, _Kind.SUBMIT, item.request.id)
        batch_at = self.setup.scenario.dispatch.batch_plan_at
        if batch_at is not None:
            meta = self.setup.scenario.scenario
            hour, minute = divmod(minutes_of_day(batch_at), 60)
            self._push(datetime.combine(meta.date, dt_time(hour, minute), tzinfo=self.setup.scenario.tz), _Kind.BATCH)
        interval = self.setup.scenario.dispatch.reoptimise_interval_s
        if interval > 0:
            t = self.service_start + timedelta(seconds=interval)
            while t < self.service_end:
                self._push(t, _Kind.REOPTIMISE)
                t += timedelta(seconds=interval)

    def _advance(self, at: datetime) -> datetime:
        clock = self.setup.clock
        if at > clock.current:
            clock.current = at
            if self.setup.on_progress is not None:
                self.setup.on_progress(at)
        return clock.current

    def run(self) -> RunLog:
        """Run until every request has ended and every tour is driven; returns the log."""
        start = time.perf_counter()
        first = min([self.service_start, *(i.request.submitted_at for i in self.setup.requests)])
        self.setup.clock.current = min(self.setup.clock.current, first)
        self._schedule()
        limit = self.service_end + END_GRACE
        bar = _progress_bar(self.setup, first, limit) if self.setup.progress else None
        try:
            with few_collections():
                self._loop(limit, bar)
        finally:
            if bar is not None:
                bar.close()
        self._finish()
        self.log.wall_s = dict(self.setup.timings, total=time.perf_counter() - start)
        return self.log

    def _loop(self, limit: datetime, bar: Any) -> None:
        shown = self.setup.clock.current
        while True:
            if bar is not None and self.setup.clock.current - shown >= timedelta(minutes=1):
                bar.update(int((self.setup.clock.current - shown).total_seconds() // 60))
                shown = self.setup.clock.current
            plan = self._timed("plan", self.setup.dispatcher.plan)
            action = self._timed("next_action", self.drivers.next_action, plan, self.setup.clock.current)
            upcoming = self._queue[0][0] if self._queue else None
            if action is None and upcoming is None:
                break
            if action is not None and (upcoming is None or action.at <= upcoming):
                if action.at > limit:
                    break
                self._advance(action.at)
                self._lost(self._timed("drivers", self.drivers.execute, action))
                continue
            at, kind, _, ref = heapq.heappop(self._queue)
            now = self._advance(at)
            self._handle(_Kind(kind), ref, now)

    def _handle(self, kind: _Kind, ref: str, now: datetime) -> None:
        if kind == _Kind.SUBMIT:
            self._submit(ref, now)
        elif kind == _Kind.CANCEL:
            record = self.log.requests[ref]
            if record.outcome == Outcome.CONFIRMED:
                self._timed("cancel", self.setup.dispatcher.cancel, ref, now)
                record.outcome = Outcome.CANCELLED
        elif kind == _Kind.BATCH:
            self._batch(now)
        else:
            limit = self.setup.scenario.dispatch.solver_time_limit_s
            improved = self._timed("reoptimise", self.setup.dispatcher.reoptimise, now, limit)
            self.log.reoptimisations += 1
            self.log.reoptimisations_improved += int(bool(improved))

    def _batch(self, now: datetime) -> None:
        """The night's batch plan of the scenario's day: the pre-bookings made so far re-planned as a whole."""
        dispatch, dispatcher = self.setup.scenario.dispatch, self.setup.dispatcher
        day = self.setup.scenario.scenario.date

        def round_(limit: float) -> bool:
            self.log.reoptimisations += 1
            improved = bool(self._timed("reoptimise", dispatcher.reoptimise, now, limit, day))
            self.log.reoptimisations_improved += int(improved)
            return improved

        self.log.batch_plans.append(batch_rounds(day, round_, lambda: dispatcher.day_summary(day),
                                                 time_limit_s=dispatch.batch_plan_time_limit_s,
                                                 round_s=dispatch.solver_time_limit_s))

    def _submit(self, request_id: str, now: datetime) -> None:
        item, record = self._items[request_id], self.log.requests[request_id]
        answer = self._timed("quote", ask, self.setup.dispatcher, item.request, now, self.setup.scenario.behaviour)
        if answer.offer is None:
            record.outcome = Outcome.DECLINED if answer.declined else Outcome.REJECTED
            record.rejection_reason = answer.reason
            return
        record.outcome, record.offer, record.vehicle_id = Outcome.CONFIRMED, answer.offer, answer.offer.vehicle_id
        if item.cancel_at is not None:
            self._push(max(item.cancel_at, now), _Kind.CANCEL, request_id)

    def _lost(self, booking_ids: Sequence[str]) -> None:
        for booking_id in booking_ids:
            record = self.log.requests.get(booking_id)
            if record is not None and record.outcome == Outcome.CONFIRMED:
                record.outcome = Outcome.DROPPED
                self.log.anomalies.append(f"booking {booking_id} could not be kept")

    def _finish(self) -> None:
        for record in self.log.requests.values():
            if record.outcome not in FINAL:
                self.log.anomalies.append(f"request {record.id} still {record.outcome} at the end")
                record.outcome = Outcome.UNFINISHED


def _progress_bar(setup: SimulationSetup, first: datetime, limit: datetime) -> Any:
    from tqdm import tqdm

    total = int((limit - first).total_seconds() // 60)
    return tqdm(total=total, unit="sim-min", desc=setup.scenario.scenario.name, leave=False)


GC_THRESHOLD = (20_000, 20, 20)  # objects allocated before a young collection; young collections per older one


@contextlib.contextmanager
def few_collections() -> Iterator[None]:
    """Run a day with the garbage collector mostly out of the way: what exists before it (network, stops,
    demand) is frozen (never scanned again), and collections come after 20,000 instead of 700 allocations. The
    day's cycles are few; on a 3,000-request day the default thresholds cost 2.5 of 26 CPU seconds of the
    simulation's process (15 full collections of ~80 ms), these 0.15 s. The previous settings come back after."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def run_simulation(setup: SimulationSetup) -> RunLog:
    """Run one scenario; see :class:`Simulation`."""
    return Simulation(setup).run()
