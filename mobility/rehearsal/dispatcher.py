"""The control room: the dispatcher's own actions and the service's timed work, at simulated times.

The running server re-optimises on a timer, runs the night's batch plan and lets its clock close the past; in the
rehearsal the server's background loop is off and these happen here, at simulated times, through the same
operations: re-optimisation and the batch plan through ``POST /dispatch/replan`` (as a dispatcher would), the clock
through the control port each simulated minute. The dispatcher takes one vehicle out of service at midday (an empty
one with rides ahead) and puts it back two hours later. The feeds are checked every ``snapshot_every_s``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mobility.rehearsal.api import Api, detail_of
from mobility.rehearsal.checks import FeedChecker
from mobility.rehearsal.clock import Agenda
from mobility.rehearsal.ledger import Ledger, Outcome
from mobility.rehearsal.ports import ServiceControl

USERNAME = "leitstelle"
OUT_MARGIN = timedelta(minutes=10)  # the "until" said is this much after the planned return
PASSWORD = "Leitwarte-Probe-9026"


@dataclass(frozen=True, slots=True)
class DeskHabits:
    """When the control room acts."""

    reoptimise_every_s: int = 900  # POST /dispatch/replan (the solver's limit is the service's setting)
    snapshot_every_s: int = 1800  # check the feeds
    close_every_s: int = 60  # the service's clock closes the past
    batch_plan_at: time | None = time(1, 0)  # local time of the night's batch plan of the day
    batch_plan_s: float = 10.0
    take_out: bool = True  # take one vehicle out of service for a while
    out_of_service_at: time | None = None  # None: at noon when the window holds it, else mid-window
    out_of_service_for: timedelta | None = None  # None: two hours, at most a third of the window


@dataclass
class Crew:
    """What the control room needs from the drivers."""

    nudge: Callable[[str | None], None]  # a vehicle's plan changed (None: every vehicle's)
    empty: Callable[[str], bool]  # nobody on board of the vehicle
    on_duty: Callable[[str], bool]


@dataclass
class ReplanStats:
    """Re-optimisation runs and how often they replaced the plan."""

    runs: int = 0
    replaced: int = 0
    seconds: float = 0.0
    batch: dict[str, object] = field(default_factory=dict)


def out_of_service_time(habits: DeskHabits, window: tuple[datetime, datetime]) -> tuple[datetime, timedelta]:
    """When a vehicle goes out of service and for how long: noon (or mid-window) for two hours (at most a third of
    the window), unless the habits say otherwise."""
    begin, end = window
    span = end - begin
    length = habits.out_of_service_for or min(timedelta(hours=2), span / 3)
    if habits.out_of_service_at is not None:
        return datetime.combine(begin.date(), habits.out_of_service_at, tzinfo=begin.tzinfo), length
    noon = datetime.combine(begin.date(), time(12, 0), tzinfo=begin.tzinfo)
    return (noon if begin <= noon and noon + length <= end else begin + (span - length) / 2), length


class Desk:
    """The dispatcher and the service's timed work."""

    def __init__(self, api: Api, control: ServiceControl, *, ledger: Ledger, agenda: Agenda, crew: Crew,
                 checker: FeedChecker, habits: DeskHabits, tz: ZoneInfo) -> None:
        self.api = api
        self.control = control
        self.ledger = ledger
        self.agenda = agenda
        self.crew = crew
        self.checker = checker
        self.habits = habits
        self.tz = tz
        self.token = ""
        self.stats = ReplanStats()
        self.last_close: datetime | None = None
        self.closings = 0
        self.out_of_service: list[tuple[datetime, str, str]] = []  # (at, vehicle, "out" | "in")
        self._end: datetime | None = None
        self.out_for = timedelta(hours=2)
        self.put_back = 0  # lost rides booked again when the vehicle came back
        self.still_lost = 0

    def sign_in(self) -> str:
        """Create the dispatcher's account (as ``mobility users add`` does) and sign in."""
        if not self.token:
            self.control.add_account(USERNAME, PASSWORD, "dispatcher", "Leitstelle Salzland")
            self.token = self.api.token(USERNAME, PASSWORD)
        return self.token

    def start(self, begin: datetime, first_shift: datetime, end: datetime, window: tuple[datetime, datetime]) -> None:
        """Put the control room's work from ``begin`` to ``end`` on the agenda (``window``: the service window)."""
        self._end = end
        day = window[0].date()
        h = self.habits
        self._every(max(begin, first_shift), h.reoptimise_every_s, "replan", self.replan)
        self._every(max(begin, first_shift - timedelta(hours=1)), h.snapshot_every_s, "snapshot", self.snapshot)
        if h.batch_plan_at is not None:
            at = datetime.combine(day, h.batch_plan_at, tzinfo=self.tz)
            if begin <= at <= end:
                self.agenda.at(at, "batch plan", lambda: self.batch(day))
        if h.take_out:
            at, self.out_for = out_of_service_time(h, window)
            if begin <= at <= end:
                self.agenda.at(at, "out of service", self.take_out)

    def _every(self, first: datetime, every_s: int, label: str, action: Callable[[], None]) -> None:
        def run() -> None:
            action()
            nxt = self.api.clock.now() + timedelta(seconds=every_s)
            if self._end is not None and nxt <= self._end:
                self.agenda.at(nxt, label, run)

        self.agenda.at(first, label, run)

    def moved(self, now: datetime) -> None:
        """The clock moved: let the service close the past (at most once per ``close_every_s``)."""
        if self.last_close is not None and (now - self.last_close).total_seconds() < self.habits.close_every_s:
            return
        self.last_close = now
        self.closings += 1
        if self.control.close_the_past(now):
            self.crew.nudge(None)

    # -- the solver ---------------------------------------------------------------------------------------------------
    def replan(self) -> None:
        """Re-optimise the not-yet-driven part now."""
        import time as wall

        started = wall.perf_counter()
        r = self.api.call("POST", "/dispatch/replan", token=self.sign_in(), who=USERNAME)
        self.stats.seconds += wall.perf_counter() - started
        self.stats.runs += 1
        if r.status_code == 200 and r.json().get("replaced"):
            self.stats.replaced += 1
            self.crew.nudge(None)

    def batch(self, day: date) -> None:
        """The night's batch plan of ``day``."""
        r = self.api.call("POST", "/dispatch/replan", token=self.sign_in(), who=USERNAME,
                          params={"day": day.isoformat(), "seconds": self.habits.batch_plan_s})
        if r.status_code == 200:
            self.stats.batch = {k: v for k, v in r.json().items() if isinstance(v, int | float | str | bool)}
            self.crew.nudge(None)

    def snapshot(self) -> None:
        """Check the feeds."""
        self.checker.snapshot()

    # -- out of service -----------------------------------------------------------------------------------------------
    def take_out(self) -> None:
        """Take the busiest empty vehicle on duty out of service; back in after ``out_of_service_for``."""
        r = self.api.call("GET", "/dispatch/vehicles", token=self.sign_in(), who=USERNAME)
        if r.status_code != 200:
            return
        candidates = [v for v in r.json() if v.get("in_service") and self.crew.on_duty(str(v["id"]))
                      and self.crew.empty(str(v["id"]))]
        if not candidates:
            self.ledger.observe(self.api.clock.now(), "no_vehicle_to_take_out", "no empty vehicle on duty at midday")
            return
        vehicle_id = str(max(candidates, key=lambda v: (int(v.get("bookings_ahead", 0)), str(v["id"])))["id"])
        self._set(vehicle_id, in_service=False)
        back = self.api.clock.now() + self.out_for
        self.agenda.at(back, "in service", lambda: self._set(vehicle_id, in_service=True))

    def _set(self, vehicle_id: str, *, in_service: bool) -> None:
        """Out of service (saying until when, with a margin: the dispatcher brings it back by hand) or back in."""
        now = self.api.clock.now()
        path = f"/dispatch/vehicles/{vehicle_id}/{'in-service' if in_service else 'out-of-service'}"
        body = None if in_service else {"until": (now + self.out_for + OUT_MARGIN).isoformat(),
                                        "reason": "Werkstatt (Probebetrieb)"}
        r = self.api.call("POST", path, token=self.sign_in(), who=USERNAME, json=body)
        self.out_of_service.append((now, vehicle_id, "in" if in_service else "out"))
        if r.status_code != 200:
            self.ledger.observe(now, "service_change_failed", detail_of(r), vehicle_id=vehicle_id)
            return
        answer = r.json()
        for booking_id in answer.get("lost_bookings") or ():
            self._lost(now, vehicle_id, str(booking_id))
        for old, new in (answer.get("put_back") or {}).items():  # booked again under a new number
            ride = self.ledger.ride(str(old))
            if ride is not None:
                ride.outcome, ride.reason, ride.booking_id = Outcome.BOOKED, "", str(new)
                self.ledger.booked(ride)
                self.put_back += 1
        self.still_lost += len(answer.get("still_lost") or ())
        self.crew.nudge(None)

    def _lost(self, now: datetime, vehicle_id: str, booking_id: str) -> None:
        ride = self.ledger.ride(booking_id)
        when = ""
        if ride is not None:
            ride.outcome, ride.reason = Outcome.LOST, "out_of_service"
            if ride.window is not None:
                when = f" (pickup window {ride.window[0]:%H:%M}–{ride.window[1]:%H:%M})"
        self.ledger.observe(now, "booking_lost", f"no other vehicle for it when {vehicle_id} went out of service "
                            f"until {now + self.out_for:%H:%M}{when}", vehicle_id=vehicle_id, booking_id=booking_id)
