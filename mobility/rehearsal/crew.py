"""The drivers of the fleet together: one account per vehicle, nudges when a plan changed, the end-of-day check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mobility.rehearsal.api import Api
from mobility.rehearsal.clock import Agenda
from mobility.rehearsal.decisions import STUCK_AFTER
from mobility.rehearsal.drivers import Driver, DriverHabits
from mobility.rehearsal.ledger import Ledger
from mobility.rehearsal.ports import Service
from mobility.rehearsal.world import World

PASSWORD = "Dienstplan-Probe-5218"


def username_of(vehicle_id: str) -> str:
    """The driver account of a vehicle."""
    return "fahrer-" + "".join(c if c.isalnum() else "-" for c in vehicle_id.lower())


@dataclass
class CrewRoom:
    """Every driver of the fleet."""

    drivers: dict[str, Driver]
    ledger: Ledger
    api: Api

    def nudge(self, vehicle_id: str | None) -> None:
        """The plan of ``vehicle_id`` (None: of every vehicle) may have changed."""
        if vehicle_id is None:
            for driver in self.drivers.values():
                driver.nudge()
        elif vehicle_id in self.drivers:
            self.drivers[vehicle_id].nudge()

    def empty(self, vehicle_id: str) -> bool:
        """Nobody is on board of the vehicle."""
        driver = self.drivers.get(vehicle_id)
        return driver is not None and not driver.aboard() and driver.drive is None

    def on_duty(self, vehicle_id: str) -> bool:
        """The vehicle's driver began a duty and has not ended it."""
        driver = self.drivers.get(vehicle_id)
        return driver is not None and driver.on_duty()

    def reached(self) -> dict[str, set[str]]:
        """Per duty id, the stops its vehicle has been at."""
        out: dict[str, set[str]] = {}
        for driver in self.drivers.values():
            out.update(driver.reached)
        return out

    def busiest(self) -> str | None:
        """The vehicle on duty whose driver reported the most events (for the driver's screenshot)."""
        on = [d for d in self.drivers.values() if d.on_duty() and d.manifest is not None and d.manifest.stops]
        pool = on or [d for d in self.drivers.values() if d.on_duty()]
        return max(pool, key=lambda d: (d.events, d.vehicle_id)).vehicle_id if pool else None

    def all_done(self) -> bool:
        """No driver is on duty or has more to do today."""
        return all(d.done and not d.on_duty() for d in self.drivers.values())

    def finish(self) -> None:
        """End of the rehearsal: a driver still on duty, or blocked, is recorded."""
        now: datetime = self.api.clock.now()
        for driver in self.drivers.values():
            if driver.blocked is not None and now - driver.blocked.since > STUCK_AFTER:
                driver.blocked.until = now
                if not driver.blocked.reported:
                    driver.blocked.reported = True
                    driver.stuck.append(driver.blocked)
                    self.ledger.observe(driver.blocked.since, "driver_stuck", driver.blocked.reason,
                                        vehicle_id=driver.vehicle_id)
            if driver.on_duty():
                open_duties = sorted(driver.begun - driver.ended)
                self.ledger.observe(now, "duty_not_ended", f"duties {open_duties} still under way at the end",
                                    vehicle_id=driver.vehicle_id)

    def write_trails(self, folder: Path) -> None:
        """Each driver's last manifests and decisions, one file per vehicle (for reading what went wrong)."""
        folder.mkdir(parents=True, exist_ok=True)
        for driver in self.drivers.values():
            (folder / f"{driver.vehicle_id}.txt").write_text("\n".join(driver.trail) + "\n", encoding="utf-8")

    @property
    def stuck(self) -> list[tuple[str, datetime, datetime | None, str]]:
        """Every time a driver was stuck: vehicle, since, until, why."""
        return [(s.vehicle_id, s.since, s.until, s.reason) for d in self.drivers.values() for s in d.stuck]


def start_crew(service: Service, api: Api, world: World, *, agenda: Agenda, ledger: Ledger, habits: DriverHabits,
               last_new_duty: datetime) -> CrewRoom:
    """Create one driver account per vehicle (as ``mobility users add`` does), sign each in, and let each look at
    its manifest at the start."""
    drivers: dict[str, Driver] = {}
    for vehicle in service.vehicles:
        username = username_of(vehicle.id)
        service.control.add_account(username, PASSWORD, "driver", f"Fahrer/in {vehicle.id}", vehicle_id=vehicle.id)
        driver = Driver(vehicle.id, username, api, world, agenda, ledger, habits, last_new_duty)
        driver.token = api.token(username, PASSWORD)
        drivers[vehicle.id] = driver
        agenda.at(api.clock.now(), f"{vehicle.id} first look", driver.step)
    return CrewRoom(drivers, ledger, api)
