"""The live dispatcher of one service area: quotes by insertion, atomic confirms, events, re-planning.

One lock guards the state. Quotes and confirms hold it for one insertion search (milliseconds); a
re-optimisation solves a snapshot outside the lock and only swaps its result in under the lock (see
:mod:`routing.dispatcher.reoptimise`), so quotes never wait for the solver.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mobility.domain.events import Event
from mobility.domain.fleet import Vehicle
from mobility.domain.plan import DaySummary, Eta, Plan
from mobility.domain.ports import StopDirectory, TravelTimes
from mobility.domain.positions import VehiclePosition
from mobility.domain.rides import Booking, NoOffer, Offer, RejectionReason, RideRequest
from mobility.domain.stops import Stop
from routing.dispatcher.apply import apply_event
from routing.dispatcher.config import DispatcherConfig
from routing.dispatcher.duty_events import advance
from routing.dispatcher.eta import Fix, estimate
from routing.dispatcher.events import EventContext
from routing.dispatcher.fleet_routes import extend_shifts, shift_routes
from routing.dispatcher.hold import hold
from routing.dispatcher.messages import SEAT_GONE, message
from routing.dispatcher.offers import committed_offer, make_offer, spec_from_offer
from routing.dispatcher.plan_view import PlanView
from routing.dispatcher.requests import Prepared, prepare
from routing.dispatcher.state import Commitment, PlanState
from routing.dispatcher.timebase import TimeBase
from routing.fleet import laid_out_days
from routing.insertion import CostWeights, Insertion, RequestSpec, any_reached, best_bounded, best_insertion

log = logging.getLogger(__name__)

LegGeometry = Callable[[Stop, Stop], Sequence[tuple[float, float]]]


def durations_table(travel: TravelTimes) -> list[list[int]]:
    """The travel-time matrix as nested lists (fast scalar access in the search)."""
    matrix = getattr(travel, "durations", None)
    if matrix is not None and hasattr(matrix, "tolist"):
        table: list[list[int]] = matrix.tolist()  # numpy integers become Python ints
        return table
    n = len(travel)
    return [[travel.duration(i, j) for j in range(n)] for i in range(n)]


class LiveDispatcher:
    """The live plan of one service area (implements :class:`mobility.domain.ports.Dispatcher`).

    ``fleet`` gives every vehicle with its concrete shifts; each shift becomes a route that starts and ends at
    the vehicle's depot stop. ``origin`` fixes the reference instant of the integer time inside (default: the
    first shift start). A fleet laid out on at least seven days is rolled on: when the booking horizon of a
    quote or re-optimisation reaches past the last laid-out day, the shift patterns of the week before are laid
    out on the following days.
    """

    def __init__(self, *, directory: StopDirectory, travel: TravelTimes, fleet: Sequence[Vehicle],
                 config: DispatcherConfig | None = None, geometry: LegGeometry | None = None,
                 origin: datetime | None = None) -> None:
        if not fleet:
            msg = "a dispatcher needs at least one vehicle"
            raise ValueError(msg)
        self.config = config or DispatcherConfig()
        self.directory = directory
        self.travel = travel
        self._geometry = geometry
        self._stops = {s.index: s for s in directory.stops()}
        self._stop_ids = {s.id: s.index for s in self._stops.values()}
        first = origin or min(s.start for v in fleet for s in v.shifts)
        self.timebase = TimeBase.around(first, self.config.timezone)
        self._tt = durations_table(travel)
        self._weights = CostWeights(self.config.wait_weight_pct)
        self._lock = threading.RLock()
        self._state = PlanState(self._tt, {v.id: v for v in fleet})
        self._depots: dict[str, int] = {}
        for vehicle in fleet:
            self._depots[vehicle.id] = self.depot_stop(vehicle).index
            for route in shift_routes(vehicle, self._depots[vehicle.id], self.timebase,
                                      no_show_wait_s=self.config.no_show_wait_s):
                self._state.put_route(route)
        days = laid_out_days(fleet, self.config.timezone)
        self._last_day: date | None = days[1] if days and (days[1] - days[0]).days >= 6 else None
        self._positions: dict[str, VehiclePosition] = {}
        self._plan_view = PlanView(service_area=self.config.service_area, stops=self._stops, timebase=self.timebase)
        self._plan_cache: Plan | None = None

    # -- queries ---------------------------------------------------------------------------------------------
    def depot_stop(self, vehicle: Vehicle) -> Stop:
        """The stop nearest to the vehicle's depot."""
        return self.directory.snap(vehicle.depot, 5_000)[0]

    def stop_index(self, stop_id: str) -> int:
        """Matrix index of the stop with this id (``EventError``-style ``ValueError`` if unknown)."""
        try:
            return self._stop_ids[stop_id]
        except KeyError:
            return self.directory.find_stop(stop_id).index

    def plan(self) -> Plan:
        """The current plan (an immutable snapshot, rebuilt only after a change and only where it changed)."""
        with self._lock:
            if self._plan_cache is None or self._plan_cache.version != self._state.version:
                created = self._state.changed_at or self.timebase.origin
                self._plan_cache = self._plan_view.build(self._state, created)
            return self._plan_cache

    def vehicles(self) -> Sequence[Vehicle]:
        """The fleet with each vehicle's in-service state."""
        with self._lock:
            return list(self._state.vehicles.values())

    def commitments(self) -> dict[str, Offer]:
        """Confirmed bookings still in the plan, with their committed offers (current vehicle and times)."""
        with self._lock:
            return {bid: c.offer for bid, c in self._state.commitments.items()}

    def infeasible_routes(self) -> dict[str, list[str]]:
        """Routes whose plan breaks a constraint (after driver events), with what is broken."""
        with self._lock:
            return {k: list(v) for k, v in self._state.problems.items()}

    def leg_geometry(self, origin: Stop, destination: Stop) -> Sequence[tuple[float, float]]:
        """Road geometry between two stops; a straight line when no road geometry was configured."""
        if self._geometry is not None:
            return self._geometry(origin, destination)
        return [origin.point.as_lonlat(), destination.point.as_lonlat()]

    # -- quote and confirm -----------------------------------------------------------------------------------
    def quote(self, request: RideRequest, now: datetime) -> Offer | NoOffer:
        """The best offer for ``request`` on the plan as it is now (nothing is reserved until confirm)."""
        with self._lock:
            self._extend_shifts(now)
            kinds = {id(v.type.capacity): v.type.capacity for v in self._state.vehicles.values() if v.in_service}
        capacities = {c.as_tuple() for c in kinds.values()}  # by identity first: hashing 500 loads costs more
        prepared = prepare(request, now, directory=self.directory, travel=self.travel, config=self.config,
                           capacities=capacities)
        if isinstance(prepared, NoOffer):
            return prepared
        now_s = self.timebase.seconds(now)
        requested = self.timebase.seconds(request.requested_time)
        with self._lock:
            spec = prepared.spec(request.id, requested)
            found = self._search(spec, now_s)
            if found is not None:
                vehicle = self._state.vehicles[found.route.vehicle_id]
                return make_offer(prepared, spec, found, vehicle, now=now, timebase=self.timebase,
                                  config=self.config, network_source=self.directory.network_source)
        alternatives = self._alternatives(prepared, now, now_s)
        return NoOffer(request, RejectionReason.NO_CAPACITY, message(RejectionReason.NO_CAPACITY), alternatives)

    def _extend_shifts(self, now: datetime) -> None:
        """Lay out the shifts of the days the booking horizon reaches from ``now`` (hold the lock)."""
        if self._last_day is None:
            return
        horizon_end = now + timedelta(seconds=self.config.rules.max_horizon_s)
        through = horizon_end.astimezone(ZoneInfo(self.config.timezone)).date()
        if through <= self._last_day:
            return
        added = extend_shifts(self._state, self._depots, self.timebase, last_day=self._last_day, through=through,
                              timezone=self.config.timezone, no_show_wait_s=self.config.no_show_wait_s)
        log.info("shifts laid out through %s (%d new shift routes)", through.isoformat(), added)
        self._last_day = through
        if added:
            self._state.bump("extend", through.isoformat(), now)

    def _search(self, spec: RequestSpec, now_s: int, vehicle_id: str | None = None) -> Insertion | None:
        """The best insertion on all routes (branch and bound over the positions from which the pickup can be
        reached in time, :meth:`PlanState.positions`) or on the routes of ``vehicle_id``."""
        if vehicle_id is not None:
            routes = self._state.searchable_of(vehicle_id, spec.pickup_earliest, spec.pickup_latest)
            return best_insertion(routes, spec, self._tt, now_s, weights=self._weights,
                                  max_checks=self.config.max_checks)
        positions = self._state.positions(spec, now_s, self._weights.wait_weight_pct)
        return best_bounded(positions, spec, self._tt, now_s, weights=self._weights, max_checks=self.config.max_checks)

    def _alternatives(self, prepared: Prepared, now: datetime, now_s: int) -> tuple[datetime, ...]:
        """The nearest earlier and the nearest later time (of ``alternative_shifts_s``) at which the ride fits.

        Only a yes/no per time is needed, so each try stops at the first feasible place (``any_insertion``);
        each direction stops at its first fit: a refusal costs one to three searches per direction, not six
        full ones."""
        asked = prepared.request.requested_time
        found: list[datetime] = []
        for sign in (-1, 1):
            for shift in self.config.alternative_shifts_s:
                when = asked + timedelta(seconds=sign * shift)
                if self.config.rules.check(when, now) is not None:
                    continue
                spec = prepared.spec(prepared.request.id, self.timebase.seconds(when))
                with self._lock:  # one search at a time: a confirm need not wait for all alternatives
                    reached = self._state.reachable(spec, now_s)
                    fits = any_reached(reached, spec, self._tt, now_s, max_checks=self.config.max_checks)
                if fits:
                    found.append(when)
                    break
        return tuple(sorted(found))

    def confirm(self, offer: Offer, booking_id: str, now: datetime) -> Offer | NoOffer:
        """Commit ``offer`` atomically if its promise still fits the plan now (first on the offered vehicle)."""
        with self._lock:
            known = self._state.commitments.get(booking_id)
            if known is not None:
                return known.offer
            if now > offer.valid_until:
                return NoOffer(offer.request, RejectionReason.OFFER_EXPIRED, message(RejectionReason.OFFER_EXPIRED))
            spec = spec_from_offer(offer, booking_id, timebase=self.timebase, config=self.config)
            now_s = self.timebase.seconds(now)
            found = self._search(spec, now_s, offer.vehicle_id) or self._search(spec, now_s)
            if found is None:
                return NoOffer(offer.request, RejectionReason.NO_CAPACITY, SEAT_GONE)
            vehicle = self._state.vehicles[found.route.vehicle_id]
            committed = committed_offer(offer, found, vehicle, self.timebase)
            self._state.put_route(found.route)
            self._state.commitments[booking_id] = Commitment(booking_id, committed, spec, found.route_key)
            self._state.bump("confirm", booking_id, now)
            return committed

    def cancel(self, booking_id: str, now: datetime) -> None:
        """Remove a booking that has not boarded from the plan (no-op if it is not in the plan)."""
        with self._lock:
            c = self._state.commitments.get(booking_id)
            if c is None:
                return
            if c.boarded_at is not None:
                log.warning("booking %s is on board and cannot be cancelled; it stays in the plan", booking_id)
                return
            self._state.remove_request(c.route_key, booking_id, self.timebase.seconds(now))
            del self._state.commitments[booking_id]
            self._state.bump("cancel", booking_id, now)

    # -- events, re-planning, restore ------------------------------------------------------------------------
    def record(self, event: Event) -> Sequence[str]:
        """Apply a driver or dispatcher event; returns ids of bookings that can no longer be kept."""
        with self._lock:
            ctx = EventContext(self.timebase, self.config, self._stops, self.stop_index,
                               self._search)
            return apply_event(self._state, event, ctx)

    def reoptimise(self, now: datetime, time_limit_s: float, day: date | None = None) -> bool:
        """Re-solve the not-yet-driven plan with OR-Tools keeping every promise; True if the plan was replaced.

        Without ``day`` the shifts running now or within the next hours; with ``day`` (local date) the shifts
        starting that day — the batch plan for pre-booked rides."""
        from routing.dispatcher.reoptimise import reoptimise

        with self._lock:
            self._extend_shifts(now)
        return reoptimise(self, now, time_limit_s, window=None if day is None else self.day_window(day))

    def day_window(self, day: date) -> tuple[int, int]:
        """Seconds (of the time base) from local midnight of ``day`` to the next midnight."""
        zone = ZoneInfo(self.config.timezone)
        start = datetime.combine(day, time(), zone)
        end = datetime.combine(day + timedelta(days=1), time(), zone)
        return self.timebase.seconds(start), self.timebase.seconds(end)

    def day_summary(self, day: date) -> DaySummary:
        """The shifts starting on ``day`` (local date): how many, how many carry rides, rides, planned metres."""
        first, last = self.day_window(day)
        with self._lock:
            routes = [r for r in self._state.routes.values() if first <= r.shift_start < last]
            busy = [r for r in routes if r.request_ids()]
            rides = len({rid for r in busy for rid in r.request_ids()})
            metres = 0
            for r in busy:
                locs = [r.start_loc, *(t.loc for t in r.tasks), r.end_loc]
                metres += sum(self.travel.distance(a, b) for a, b in itertools.pairwise(locs))
        return DaySummary(day, len(routes), len(busy), rides, metres)

    def restore(self, plan: Plan, bookings: Sequence[Booking], now: datetime) -> Sequence[str]:
        """Rebuild the live plan after a restart; returns ids of bookings that could not be put back."""
        from routing.dispatcher.restore import restore

        with self._lock:
            lost = restore(self, plan, bookings, now)
            self._state.bump("replace", "restore", now)
            return lost

    # -- time, estimates, positions ----------------------------------------------------------------------------
    def advance(self, now: datetime) -> bool:
        """Let time move through the plan up to ``now`` (:func:`routing.dispatcher.duty_events.advance`)."""
        with self._lock:
            ctx = EventContext(self.timebase, self.config, self._stops, self.stop_index, self._search)
            now_s = self.timebase.seconds(now)
            changed = advance(self._state, now_s, ctx)
            hold(self._state, now_s, self.config.hold_horizon_s, self.config.hold_slack_s)
            if changed:
                self._state.bump("clock", now.isoformat(), now)
            return changed

    def eta(self, booking_id: str, now: datetime) -> Eta | None:
        """When the serving vehicle is expected at the booking's next stop (:mod:`routing.dispatcher.eta`)."""
        with self._lock:
            c = self._state.commitments.get(booking_id)
            if c is None:
                return None
            vehicle_id = self._state.routes[c.route_key].vehicle_id
            position = self._positions.get(vehicle_id)
            fix = None
            if position is not None:
                fix = Fix(self.directory.snap(position.point, 50_000)[0].index, self.timebase.seconds(position.at))
            return estimate(self._state, booking_id, self.timebase.seconds(now), timebase=self.timebase,
                            stops=self._stops, fix=fix, planned_at=self._state.changed_at)

    def report_position(self, position: VehiclePosition) -> None:
        """Keep the vehicle's latest device position as the basis of its live estimates."""
        with self._lock:
            known = self._positions.get(position.vehicle_id)
            if known is None or known.at <= position.at:
                self._positions[position.vehicle_id] = position

    def last_position(self, vehicle_id: str) -> VehiclePosition | None:
        """The vehicle's latest reported position."""
        with self._lock:
            return self._positions.get(vehicle_id)

    # -- internals shared with re-optimisation and restore ---------------------------------------------------
    @property
    def lock(self) -> threading.RLock:
        """The lock that guards the state."""
        return self._lock

    @property
    def state(self) -> PlanState:
        """The live state; only touch it while holding :attr:`lock`."""
        return self._state

    @property
    def durations(self) -> list[list[int]]:
        """The stop travel-time matrix (seconds) as nested lists."""
        return self._tt

    @property
    def stops_by_index(self) -> dict[int, Stop]:
        """Stops by matrix index."""
        return self._stops

    def spec_for(self, offer: Offer, booking_id: str) -> RequestSpec:
        """The constraints of a booking from its offer."""
        return spec_from_offer(offer, booking_id, timebase=self.timebase, config=self.config)

    def search(self, spec: RequestSpec, now_s: int) -> Insertion | None:
        """Best insertion on the live state (hold :attr:`lock`)."""
        return self._search(spec, now_s)

