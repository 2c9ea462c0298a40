"""One rehearsal end to end: the demand of the window, the actors on the agenda, the loop, the final reckoning.

The clock starts at the first submission (pre-bookings come the day before), the drivers begin the duties that start
inside the window (and any later one that has rides) and drive them to their end, so a rehearsal of a few morning
hours still sees breaks and the end of the early shift. The loop ends when the window is over, every request is in
a final state and no driver is on duty — or at the hard end, three hours after the last of those shifts.
"""

from __future__ import annotations

import logging
import time as wall
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mobility.demand import SyntheticRequest, load_zones
from mobility.demand.generator import generate_requests, request_count
from mobility.demand.params import DemandParams, minutes_of_day
from mobility.demand.profile import profile_density
from mobility.rehearsal.api import Api
from mobility.rehearsal.checks import FeedChecker
from mobility.rehearsal.clock import Agenda, Pace
from mobility.rehearsal.crew import CrewRoom, start_crew
from mobility.rehearsal.dispatcher import Crew, Desk, DeskHabits
from mobility.rehearsal.drivers import DriverHabits
from mobility.rehearsal.flex import published_safe_duration, within_safe_duration
from mobility.rehearsal.ledger import Ledger
from mobility.rehearsal.ports import Service
from mobility.rehearsal.report import Report, build_report
from mobility.rehearsal.residents import Habits, Residents
from mobility.rehearsal.world import Noise, World
from mobility.simulation.scenario import Scenario

if TYPE_CHECKING:
    from mobility.rehearsal.screens import Screens

log = logging.getLogger(__name__)
HARD_END_AFTER = timedelta(hours=3)
DONE_CHECK = timedelta(minutes=5)


@dataclass(frozen=True)
class Options:
    """What to rehearse."""

    scenario: Scenario
    start: time = time(6, 0)  # local start of the service window (the demand's wished times lie inside it)
    hours: float = 16.0
    requests: int | None = None  # None: the scenario's per-capita rate over the window's share of the day
    seed: int | None = None  # None: the scenario's seed
    noise: Noise = field(default_factory=Noise)
    habits: Habits = field(default_factory=Habits)
    driver: DriverHabits = field(default_factory=DriverHabits)
    desk: DeskHabits = field(default_factory=DeskHabits)
    screens: Path | None = None
    screen_times: tuple[time, ...] = (time(8, 0), time(12, 30), time(18, 0))
    speed: float | None = None  # pace the clock for people watching (simulated seconds per second)
    screens_browser: Any = None  # a Playwright Browser to take the screenshots with (tests); default: launch one
    progress: Callable[[str], None] | None = None

    @property
    def the_seed(self) -> int:
        """The seed of the day."""
        return self.scenario.scenario.seed if self.seed is None else self.seed

    def window(self) -> tuple[datetime, datetime]:
        """The local service window."""
        begin = datetime.combine(self.scenario.scenario.date, self.start, tzinfo=self.scenario.tz)
        return begin, begin + timedelta(hours=self.hours)


@dataclass
class Rehearsal:
    """Everything a run produced."""

    options: Options
    service: Service
    ledger: Ledger
    report: Report
    requests: list[SyntheticRequest] = field(default_factory=list)
    crew: CrewRoom | None = None


def window_demand(service: Service, options: Options) -> list[SyntheticRequest]:
    """The demand model's requests whose wished time lies in the window (same zones and model as the simulation)."""
    params = options.scenario.demand
    begin, end = options.window()
    first = minutes_of_day(options.start.strftime("%H:%M"))
    last = min(first + round(options.hours * 60), 24 * 60)
    profile = params.profile.model_copy(update={"service_start": f"{first // 60:02d}:{first % 60:02d}",
                                                "service_end": f"{last // 60:02d}:{last % 60:02d}"})
    zones = load_zones(service.directory.stops(), params)
    count = options.requests
    if count is None:
        day = np.arange(0, 24 * 60, dtype=np.float64) + 0.5
        density = profile_density(params.profile, day)
        inside = density[first:last].sum() / density.sum() if density.sum() > 0 else 0.0
        count = round(request_count(params, zones.population) * inside)
    windowed = DemandParams.model_validate({**params.model_dump(), "requests": count, "profile": profile.model_dump()})
    log.info("demand of %s–%s: %d requests", begin.isoformat(), end.isoformat(), count)
    return generate_requests(zones, windowed, options.scenario.scenario.date, options.scenario.tz, options.the_seed)


def rehearse(service: Service, options: Options) -> Rehearsal:
    """Play the day against ``service``; the figures are in the returned report."""
    started = wall.perf_counter()
    say = options.progress or (lambda _text: None)
    begin, end = options.window()
    requests = window_demand(service, options)
    say(f"{len(requests)} Anfragen zwischen {begin:%d.%m. %H:%M} und {end:%H:%M}")
    api = Api(service.base_url, service.clock)
    ledger, agenda = Ledger(), Agenda()
    world = World(service.directory, service.travel, options.noise, options.the_seed)
    area = api.call("GET", "/service-area.geojson", who="rehearsal")
    if area.status_code == 200:
        world.use_area(area.json())
    safe = published_safe_duration(api)
    if requests:
        service.clock.set(min(r.request.submitted_at for r in requests) - timedelta(minutes=1))
    service.clock.set(min(service.clock.now(), begin))
    shifts = [s for v in service.vehicles for s in v.shifts if s.start <= end and s.end >= begin]
    hard_end = max([s.end for s in shifts] + [end]) + HARD_END_AFTER
    crew = start_crew(service, api, world, agenda=agenda, ledger=ledger, habits=options.driver, last_new_duty=end)
    checker = FeedChecker(api, ledger, service.vehicles, _bbox(service), crew.reached)
    desk = Desk(api, service.control, ledger=ledger, agenda=agenda, crew=Crew(crew.nudge, crew.empty, crew.on_duty),
                checker=checker, habits=options.desk, tz=options.scenario.tz)
    desk.sign_in()
    residents = Residents(api, ledger, agenda, habits=options.habits, seed=options.the_seed + 1,
                          dispatcher_token=desk.sign_in, nudge=crew.nudge)
    residents.schedule(requests)
    first_shift = min([s.start for s in shifts] or [begin])
    desk.start(service.clock.now(), first_shift, hard_end, (begin, end))
    screens = _screens(options, service, ledger, crew.busiest, agenda)
    last_check = [service.clock.now()]

    def finished() -> bool:
        now = service.clock.now()
        if now < end or now - last_check[0] < DONE_CHECK:
            return False
        last_check[0] = now
        return all(r.final for r in ledger.rides) and crew.all_done()

    pace = Pace(options.speed, service.clock.now())

    def moved(t: datetime) -> None:
        pace(t)
        desk.moved(t)

    agenda.run(service.clock, until=hard_end, moved=moved, stop=finished)
    say(f"Tag gespielt bis {service.clock.now():%d.%m. %H:%M}, {api.traffic.calls} HTTP-Aufrufe")
    desk.snapshot()
    residents.reconcile()
    crew.finish()
    if screens is not None:
        screens.close()
    api.close()
    flex = None if safe is None else within_safe_duration(ledger.rides, safe, world.planned_s)
    report = build_report(options=options, service=service, ledger=ledger, traffic=api.traffic, crew=crew,
                          desk=desk, window=(begin, end), wall_s=wall.perf_counter() - started,
                          screens=screens.taken if screens is not None else [], flex=flex)
    return Rehearsal(options, service, ledger, report, requests, crew)


def _bbox(service: Service) -> tuple[float, float, float, float]:
    """The stops' bounding box with a margin (positions outside are not in the district)."""
    points = [s.point for s in service.directory.stops()]
    margin = 0.1
    return (min(p.lon for p in points) - margin, min(p.lat for p in points) - margin,
            max(p.lon for p in points) + margin, max(p.lat for p in points) + margin)


def _screens(options: Options, service: Service, ledger: Ledger, busiest: Callable[[], str | None],
             agenda: Agenda) -> Screens | None:
    if options.screens is None:
        return None
    from mobility.rehearsal.screens import Screens

    screens = Screens(options.screens, service.base_url, service.clock, ledger, busiest,
                      browser=options.screens_browser)
    day = options.scenario.scenario.date
    labels = ("morgens", "mittags", "abends")
    for n, at in enumerate(options.screen_times):
        when = datetime.combine(day, at, tzinfo=options.scenario.tz)
        label = labels[n] if n < len(labels) else f"{at:%H%M}"
        agenda.at(when, f"screens {label}", partial(screens.take, label))
    return screens
