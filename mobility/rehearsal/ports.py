"""What the composition root hands the rehearsal: the served app's address, its clock, and a narrow control port.

Everything a resident, driver or dispatcher does goes through HTTP. The control port holds only what no HTTP
endpoint offers: creating the staff accounts (as ``mobility users add`` does) and the service's own clock work
(closing the past), which the running server would do on a timer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mobility.domain.fleet import Vehicle
from mobility.domain.ports import StopDirectory, TravelTimes
from mobility.rehearsal.clock import SteppingClock


class ServiceControl(Protocol):
    """In-process operations of the running service that have no HTTP endpoint."""

    def add_account(self, username: str, password: str, role: str, display_name: str, *,
                    vehicle_id: str | None = None) -> None:
        """Create a staff account (dispatcher, driver) as ``mobility users add`` does."""
        ...

    def close_the_past(self, now: datetime) -> bool:
        """Let the service's clock close the past up to ``now`` (breaks, ended duties); True if the plan changed."""
        ...


@dataclass(frozen=True)
class Service:
    """The service under rehearsal: where it listens, its clock, its fleet, and the network the drivers drive on."""

    base_url: str
    clock: SteppingClock
    control: ServiceControl
    directory: StopDirectory
    travel: TravelTimes
    vehicles: Sequence[Vehicle]
    store: str  # "sqlite" or "postgresql", for the report
