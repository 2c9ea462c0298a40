"""Drivers: one state machine per vehicle that works its manifest through the driver API.

A driver reads the manifest (``GET /driver/manifest``) after each of its own actions (the event's answer carries
it), when told its plan changed (:meth:`Driver.nudge`), and otherwise every ``poll_s`` simulated seconds while it
waits. Then it does the next thing (``POST /driver/events``): begin the duty a few minutes before the shift, leave
for the next stop when the plan expects it to leave, arrive after the true (noisy) drive, let riders alight and board
after noisy dwells (a rider who does not show up is reported ``no_show`` once ``no_show_from`` has passed), take
the break at its planned start and end it after its minutes, drive back to the depot and end the duty at the shift
end. A driver who is on duty and finds nothing it can do for more than five simulated minutes is *stuck*.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from mobility.rehearsal.api import Api, detail_of
from mobility.rehearsal.clock import Agenda
from mobility.rehearsal.decisions import RETRY, STUCK_AFTER, Decision, Done, Drive, Go, Post, Stuck, Wait
from mobility.rehearsal.ledger import Ledger, Outcome
from mobility.rehearsal.manifest import Entry, Manifest, Rider, parse_manifest
from mobility.rehearsal.world import World, along

MAX_ACTIONS = 30  # events one driver may post at one instant before it counts as a loop


@dataclass(frozen=True, slots=True)
class DriverHabits:
    """How drivers work."""

    poll_s: int = 300  # re-read the manifest this often while waiting
    begin_early_s: int = 600  # begin the duty this long before the shift starts
    position_every_s: int = 300  # report the position this often while driving (0: never)
    no_show_wait_s: int = 300  # the service's wait before a no-show (when the manifest does not say)


@dataclass
class Driver:
    """The driver of one vehicle."""

    vehicle_id: str
    username: str
    api: Api
    world: World
    agenda: Agenda
    ledger: Ledger
    habits: DriverHabits
    last_new_duty: datetime  # a duty starting later with nothing in it is not begun
    token: str = ""
    location: str | None = None
    drive: Drive | None = None
    free_at: datetime | None = None  # at a stop: when the driver can see to the next party
    just_arrived: bool = False
    reported_at: str | None = None  # the stop the driver last reported arriving at (until it leaves)
    manifest: Manifest | None = None
    break_minutes: int = 0
    break_early_s: int = 0
    done: bool = False
    begun: set[str] = field(default_factory=set)
    ended: set[str] = field(default_factory=set)
    posted: set[tuple[str, str]] = field(default_factory=set)
    dwell: dict[str, int] = field(default_factory=dict)
    ready: dict[str, datetime] = field(default_factory=dict)
    stuck: list[Stuck] = field(default_factory=list)
    reached: dict[str, set[str]] = field(default_factory=dict)  # per duty: the stops the vehicle has been at
    blocked: Stuck | None = None
    events: int = 0
    positions: bool = True
    trail: deque[str] = field(default_factory=lambda: deque(maxlen=2000))  # what it saw and did, for reading
    _wake_seq: int = 0

    # -- time and wake-ups ------------------------------------------------------------------------------------------
    def now(self) -> datetime:
        """The simulated time."""
        return self.api.clock.now()

    def _wake(self, at: datetime, label: str = "step") -> None:
        self._wake_seq += 1
        seq = self._wake_seq
        self.agenda.at(at, f"{self.vehicle_id} {label}", lambda: self._woken(seq))

    def _woken(self, seq: int) -> None:
        if seq == self._wake_seq:
            self.step()

    def nudge(self) -> None:
        """The plan of this vehicle may have changed: look at the manifest at once."""
        self.done = False
        if self.drive is not None and self.now() < self.drive.arrive:
            self._reroute(self._read())
            return
        self._wake(self.now(), "nudged")

    # -- one step ---------------------------------------------------------------------------------------------------
    def step(self) -> None:
        """Read the manifest and act until there is nothing to do now."""
        now = self.now()
        if self.drive is not None:
            if now < self.drive.arrive:
                self._reroute(self._read())
                return
            self.location, self.drive, self.free_at, self.just_arrived = self.drive.target, None, now, True
        m = self._read()
        done_now: set[Post] = set()
        for _ in range(MAX_ACTIONS):
            if m is None:
                self._block(now, "manifest unreadable")
                self._wake(now + RETRY)
                return
            decision = self.decide(m, now)
            self.trail.append(f"{now:%H:%M:%S} at {self.location or '(driving)'}: {decision}")
            if isinstance(decision, Post) and decision in done_now:  # accepted, yet the manifest asks for it again
                self._block(now, f"{decision.kind} accepted but still asked for by the manifest")
                self._wake(now + RETRY)
                return
            if isinstance(decision, Post):
                done_now.add(decision)
                m = self._post(decision, m)
                if m is None:
                    self._block(now, f"{decision.kind} refused")
                    self._wake(now + RETRY)
                    return
                continue
            if isinstance(decision, Wait):
                if decision.blocked:
                    self._block(now, decision.blocked)
                else:
                    self._unblock(now)
                self._wake(max(decision.until, now + timedelta(seconds=1)))
            elif isinstance(decision, Go):
                self._unblock(now)
                self._leave(decision.stop_id, now)
            else:
                self._unblock(now)
                self.done = True
            return
        self._block(now, f"{MAX_ACTIONS} events at one instant")
        self._wake(now + RETRY)

    def _poll(self, now: datetime, until: datetime) -> Wait:
        return Wait(min(until, now + timedelta(seconds=self.habits.poll_s)))

    def decide(self, m: Manifest, now: datetime) -> Decision:
        """What to do next at ``now`` given the manifest ``m`` (no HTTP here)."""
        duty = m.duty
        if duty is None:
            return Done()
        if duty.status == "planned":
            if not m.rides_ahead and duty.start > self.last_new_duty:
                return Done()
            begin = duty.start - timedelta(seconds=self.habits.begin_early_s)
            if now < begin:
                return Wait(begin)  # a booking for this duty nudges the driver before
            if "duty_begin" in m.actions:
                return Post("duty_begin")
            return Wait(now + RETRY, "duty_begin not offered at the shift start" if now >= duty.start else "")
        if duty.status != "under_way":
            return self._poll(now, now + timedelta(seconds=self.habits.poll_s))
        if self.location is None and self.drive is None:
            self.location = duty.depot_stop_id
        if duty.on_break_since is not None:
            if m.stops and m.stops[0].is_break and m.stops[0].break_minutes:
                self.break_minutes = m.stops[0].break_minutes
            end = duty.on_break_since + timedelta(minutes=self.break_minutes or 30, seconds=-self.break_early_s)
            if now < end:
                return Wait(end)
            return Post("break_end") if "break_end" in m.actions else Wait(now + RETRY, "break_end not offered")
        if not m.stops:
            return self._pull_in(m, now)
        entry = m.stops[0]
        if entry.is_break:
            if self.location != entry.stop_id:
                return self._go_when_due(entry.stop_id, entry.planned_arrival, now)
            if now < entry.planned_arrival:
                return self._poll(now, entry.planned_arrival)
            if "break_begin" in m.actions:
                self.break_minutes = entry.break_minutes
                self.break_early_s = self.world.rng.randint(0, 180)  # some end the break a little early
                return Post("break_begin")
            return Wait(now + RETRY, "the break is next but break_begin is not offered")
        if entry.status == "planned" or self.location != entry.stop_id:
            if self.location != entry.stop_id:
                return self._go_when_due(entry.stop_id, entry.planned_arrival, now)
            at = now if self.just_arrived else entry.planned_arrival - timedelta(minutes=1)
            return Post("arrived", stop_id=entry.stop_id) if now >= at else self._poll(now, at)
        if self.reported_at != entry.stop_id and m.duty is not None:
            self.ledger.observe(now, "arrived_without_report", f"the manifest shows stop {entry.stop_id} as arrived "
                                "although the driver never reported arriving there (it drove there after the "
                                "last reported stop)", vehicle_id=self.vehicle_id,
                                once=f"arrived {m.duty.id} {entry.stop_id} {entry.planned_arrival}")
        return self._riders(entry, now)

    def _go_when_due(self, stop_id: str, planned_arrival: datetime, now: datetime) -> Decision:
        """Leave for ``stop_id`` when the plan expects the vehicle to leave (its matrix time before arrival)."""
        leave = planned_arrival - timedelta(seconds=self.world.planned_s(self.location or stop_id, stop_id))
        return Go(stop_id) if now >= leave else self._poll(now, leave)

    def _pull_in(self, m: Manifest, now: datetime) -> Decision:
        assert m.duty is not None
        depot, end = m.duty.depot_stop_id, m.duty.end
        if self.location != depot and depot:
            return self._go_when_due(depot, end, now)
        if now < end:
            return self._poll(now, end)
        if "duty_end" in m.actions:
            return Post("duty_end")
        return Wait(now + RETRY, "nothing left after the shift end but duty_end is not offered")

    def _riders(self, entry: Entry, now: datetime) -> Decision:
        """Alight first, then board, each party after its dwell; no-shows once the wait is over."""
        free = self.free_at or now
        for rider in entry.alight:
            if ("dropped_off", rider.booking_id) in self.posted:
                continue
            if rider.state != "STARTED":
                return Wait(now + RETRY, f"{rider.booking_id} listed to alight in state {rider.state}")
            at = free + timedelta(seconds=self._dwell(rider))
            return Post("dropped_off", rider.booking_id) if now >= at else Wait(at)
        for rider in entry.board:
            if ("boarded", rider.booking_id) in self.posted or ("no_show", rider.booking_id) in self.posted:
                continue
            ride = self.ledger.ride(rider.booking_id)
            if ride is not None and ride.no_show:
                arrived = ride.arrived_at or now
                wait = timedelta(seconds=self.habits.no_show_wait_s)
                at = max(rider.no_show_from or max(arrived, rider.earliest) + wait, free)
                return Post("no_show", rider.booking_id) if now >= at else Wait(at)
            at = max(free, self._ready(rider)) + timedelta(seconds=self._dwell(rider))
            return Post("boarded", rider.booking_id) if now >= at else Wait(at)
        return Wait(now + RETRY, f"stop {entry.stop_id} still listed after every rider was seen to")

    def _dwell(self, rider: Rider) -> int:
        if rider.booking_id not in self.dwell:
            self.dwell[rider.booking_id] = self.world.dwell_s()
        return self.dwell[rider.booking_id]

    def _ready(self, rider: Rider) -> datetime:
        if rider.booking_id not in self.ready:
            self.ready[rider.booking_id] = rider.earliest + timedelta(seconds=self.world.rider_late_s())
        return self.ready[rider.booking_id]

    # -- the API ------------------------------------------------------------------------------------------------------
    def _read(self) -> Manifest | None:
        r = self.api.call("GET", "/driver/manifest", token=self.token, who=self.username)
        return self._take(r.json()) if r.status_code == 200 else None

    def _take(self, data: dict[str, Any]) -> Manifest | None:
        try:
            m = parse_manifest(data)
        except ValueError as exc:
            self.ledger.observe(self.now(), "manifest_invalid", str(exc), vehicle_id=self.vehicle_id)
            return None
        before = self.manifest.overdue if self.manifest is not None else 0
        if m.overdue > before:  # the vehicle runs late: the manifest says so (no misbehaviour)
            self.ledger.notes["stops shown overdue to a late driver"] += m.overdue - before
        for rider in (r for e in m.stops for r in (*e.board, *e.alight)):
            if self.ledger.ride(rider.booking_id) is None:
                self.ledger.observe(self.now(), "unknown_booking", f"the manifest lists {rider.booking_id}, which no "
                                    "resident of the rehearsal booked", vehicle_id=self.vehicle_id,
                                    booking_id=rider.booking_id, once=f"unknown {rider.booking_id}")
        if m.duty is not None:
            self.reached.setdefault(m.duty.id, set())
        self.manifest = m
        ahead = "; ".join(f"{e.kind} {e.stop_id} {e.status} {e.planned_arrival:%H:%M:%S}" for e in m.stops[:3])
        duty = f"{m.duty.id} {m.duty.status}" if m.duty else "no duty"
        self.trail.append(f"{self.now():%H:%M:%S} manifest v{m.plan_version} {duty} {sorted(m.actions)} [{ahead}]")
        return m

    def _post(self, post: Post, m: Manifest) -> Manifest | None:
        now = self.now()
        body: dict[str, Any] = {"type": post.kind}
        if post.booking_id is not None:
            body["booking_id"] = post.booking_id
        if post.stop_id is not None:
            body["stop_id"] = post.stop_id
        r = self.api.call("POST", "/driver/events", token=self.token, json=body, who=self.username)
        if r.status_code != 200:
            what = post.booking_id or post.stop_id or ""
            self.ledger.observe(now, "event_refused", f"{post.kind} {what}: HTTP {r.status_code} {detail_of(r)}",
                                vehicle_id=self.vehicle_id, booking_id=post.booking_id)
            return None
        self.events += 1
        self._record(post, m, now)
        data = r.json()
        after = self._take(data["manifest"]) if isinstance(data.get("manifest"), dict) else self._read()
        if post.kind == "break_begin" and after is not None and after.stops and after.stops[0].is_break:
            shown = m.stops[0].stop_id if m.stops else ""
            taken = after.stops[0].stop_id
            if taken != self.location:  # the plan goes on from where the service thinks the break is
                self.ledger.observe(now, "break_place_differs", f"the manifest sent the driver to {shown} for the "
                                    f"break; once begun there the service has it at {taken}, and times the next "
                                    "drive from there", vehicle_id=self.vehicle_id)
        return after

    def _record(self, post: Post, m: Manifest, now: datetime) -> None:
        if post.booking_id is not None:
            self.posted.add((post.kind, post.booking_id))
            self.free_at = now
        ride = self.ledger.ride(post.booking_id) if post.booking_id else None
        duty_id = m.duty.id if m.duty is not None else ""
        self.reached.setdefault(duty_id, set()).add(post.stop_id or self.location or "")
        if post.kind == "arrived":
            self.just_arrived, self.free_at, self.reported_at = False, now, post.stop_id
            for rider in m.stops[0].board if m.stops else ():
                known = self.ledger.ride(rider.booking_id)
                if known is not None and known.arrived_at is None:
                    known.arrived_at = now
        elif post.kind == "duty_begin" and m.duty is not None:
            self.begun.add(m.duty.id)
        elif post.kind == "duty_end" and m.duty is not None:
            self.ended.add(m.duty.id)
        elif ride is not None and post.kind == "boarded":
            ride.boarded_at, ride.state, ride.served_by = now, "STARTED", self.vehicle_id
            if ride.arrived_at is None:  # booked onto a stop where the vehicle stood already: there by now
                ride.arrived_at = now
        elif ride is not None and post.kind == "dropped_off":
            ride.dropped_at, ride.state, ride.outcome = now, "FINISHED", Outcome.FINISHED
        elif ride is not None and post.kind == "no_show":
            ride.no_show_at, ride.state, ride.outcome = now, "CANCELLED", Outcome.NO_SHOW

    # -- driving ----------------------------------------------------------------------------------------------------
    def _leave(self, target: str, now: datetime) -> None:
        origin = self.location or target
        self.drive = Drive(origin, target, now, now + timedelta(seconds=self.world.drive_s(origin, target)))
        self.location, self.just_arrived, self.free_at, self.reported_at = None, False, None, None
        self._wake(self.drive.arrive, f"arrives at {target}")
        self._schedule_positions(self.drive)

    def _reroute(self, m: Manifest | None) -> None:
        """While driving: if the plan now wants another stop first, turn towards it from where the vehicle is."""
        drive = self.drive
        if m is None or drive is None or m.duty is None:
            return
        want = m.stops[0].stop_id if m.stops else (m.duty.depot_stop_id or drive.target)
        if want == drive.target:
            return
        now = self.now()
        span = (drive.arrive - drive.depart).total_seconds()
        f = (now - drive.depart).total_seconds() / span if span > 0 else 1.0
        rest = (1 - f) * self.world.drive_s(drive.origin, want) + f * self.world.drive_s(drive.target, want)
        self.drive = Drive(drive.target if f > 0.5 else drive.origin, want, now, now + timedelta(seconds=round(rest)))
        self._wake(self.drive.arrive, f"arrives at {want} (rerouted)")
        self._schedule_positions(self.drive)

    def _schedule_positions(self, drive: Drive) -> None:
        every = self.habits.position_every_s
        if not every or not self.positions:
            return
        at = drive.depart + timedelta(seconds=every)
        while at < drive.arrive:
            self.agenda.at(at, f"{self.vehicle_id} position", partial(self._position, drive))
            at += timedelta(seconds=every)

    def _position(self, drive: Drive) -> None:
        if self.drive is not drive or not self.positions:
            return
        a, b = self.world.point(drive.origin), self.world.point(drive.target)
        if a is None or b is None:
            return
        span = (drive.arrive - drive.depart).total_seconds()
        p = along(a, b, (self.now() - drive.depart).total_seconds() / span if span > 0 else 1.0)
        if not self.world.inside(p):  # the straight line left the district where the road does not: no fix
            return
        r = self.api.call("POST", "/driver/position", token=self.token, who=self.username, expect=(202, 200, 404),
                          json={"lon": round(p.lon, 6), "lat": round(p.lat, 6), "accuracy_m": 15.0})
        if r.status_code == 404:  # the service has no position endpoint: stop trying
            self.positions = False

    # -- stuck ------------------------------------------------------------------------------------------------------
    def _block(self, now: datetime, reason: str) -> None:
        if self.blocked is None:
            self.blocked = Stuck(self.vehicle_id, now, reason)
        elif now - self.blocked.since > STUCK_AFTER and not self.blocked.reported:
            self.blocked.reported = True
            self.stuck.append(self.blocked)
            self.ledger.observe(self.blocked.since, "driver_stuck", self.blocked.reason, vehicle_id=self.vehicle_id)

    def _unblock(self, now: datetime) -> None:
        if self.blocked is not None and self.blocked.reported:
            self.blocked.until = now
        self.blocked = None

    def aboard(self) -> set[str]:
        """Bookings on board now."""
        return ({b for kind, b in self.posted if kind == "boarded"}
                - {b for kind, b in self.posted if kind == "dropped_off"})

    def on_duty(self) -> bool:
        """A duty was begun and not ended."""
        return bool(self.begun - self.ended)
