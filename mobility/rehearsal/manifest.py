"""The driver's manifest (``GET /api/v1/driver/manifest``) read into typed values.

Shape (docs/dispatcher.md, "Driver HTTP API"): the vehicle's current duty, the duty actions possible now, and the
duty's stops not done yet (a break is an entry of kind ``break``), each with the riders who board and alight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


def _time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _must(value: Any) -> datetime:
    when = _time(value)
    if when is None:
        msg = "a time the manifest must give is missing"
        raise ValueError(msg)
    return when


@dataclass(frozen=True, slots=True)
class Rider:
    """A party that boards or alights."""

    booking_id: str
    state: str
    earliest: datetime
    latest: datetime
    no_show_from: datetime | None


@dataclass(frozen=True, slots=True)
class Entry:
    """A stop of the duty ahead (visits at one stop together) or a break."""

    stop_id: str
    kind: str  # stop | break
    planned_arrival: datetime
    planned_departure: datetime
    status: str  # planned | arrived
    overdue: bool
    board: tuple[Rider, ...]
    alight: tuple[Rider, ...]
    break_minutes: int = 0

    @property
    def is_break(self) -> bool:
        """The entry is a break."""
        return self.kind == "break"


@dataclass(frozen=True, slots=True)
class DutyView:
    """The driver's current duty."""

    id: str
    start: datetime
    end: datetime
    status: str  # planned | under_way | ended
    began_at: datetime | None
    on_break_since: datetime | None
    in_service: bool
    depot_stop_id: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the driver sees."""

    vehicle_id: str
    plan_version: int
    now: datetime
    duty: DutyView | None
    actions: frozenset[str]
    stops: tuple[Entry, ...]
    overdue: int

    @property
    def rides_ahead(self) -> bool:
        """Some rider still boards or alights in this duty."""
        return any(e.board or e.alight for e in self.stops)


def _rider(data: dict[str, Any]) -> Rider:
    window = data.get("window") or {}
    return Rider(str(data["booking_id"]), str(data.get("state", "")), _must(window.get("earliest")),
                 _must(window.get("latest")), _time(data.get("no_show_from")))


def _entry(data: dict[str, Any]) -> Entry:
    brk = data.get("break") or {}
    return Entry(
        stop_id=str(data["stop_id"]), kind=str(data.get("kind", "stop")),
        planned_arrival=_must(data.get("planned_arrival")),
        planned_departure=_must(data.get("planned_departure") or data.get("planned_arrival")),
        status=str(data.get("status", "planned")), overdue=bool(data.get("overdue", False)),
        board=tuple(_rider(r) for r in data.get("board") or ()),
        alight=tuple(_rider(r) for r in data.get("alight") or ()),
        break_minutes=int(brk.get("minutes", 0)),
    )


def _duty(data: dict[str, Any] | None) -> DutyView | None:
    if not data:
        return None
    depot = data.get("depot") or {}
    return DutyView(str(data["id"]), _must(data.get("start")), _must(data.get("end")), str(data.get("status", "")),
                    _time(data.get("began_at")), _time(data.get("on_break_since")), bool(data.get("in_service", True)),
                    str(depot.get("stop_id", "")))


def parse_manifest(data: dict[str, Any]) -> Manifest:
    """The manifest of an API answer; ``ValueError`` when a required field is missing."""
    try:
        return Manifest(
            vehicle_id=str(data["vehicle_id"]), plan_version=int(data.get("plan_version", 0)),
            now=_must(data.get("now")), duty=_duty(data.get("duty")),
            actions=frozenset(str(a) for a in data.get("actions") or ()),
            stops=tuple(_entry(s) for s in data.get("stops") or ()), overdue=int(data.get("overdue", 0)),
        )
    except (KeyError, TypeError) as exc:
        msg = f"the manifest lacks {exc}"
        raise ValueError(msg) from exc
