"""The fleet from a TOML file: vehicle types, shift patterns, depots and vehicle groups (see data/fleet/).

:func:`load_fleet_spec` reads and validates the file (errors name the file and the field);
:func:`vehicles_for_days` turns the weekly shift patterns into the concrete shifts of a range of days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from mobility.domain.fleet import Break, Shift, Vehicle, VehicleKind, VehicleType
from mobility.domain.geo import Point
from mobility.domain.rides import Load
from mobility.domain.tomlfile import read_toml

DEFAULT_FLEET = Path(__file__).resolve().parent.parent / "data" / "fleet" / "salzlandkreis.toml"
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


class FleetFileError(ValueError):
    """The fleet file is missing or wrong; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class ShiftPattern:
    """A daily shift on some weekdays (local times), with an optional break."""

    name: str
    weekdays: frozenset[int]
    start: time
    end: time
    break_window: tuple[time, time] | None = None
    break_minutes: int = 0


@dataclass(frozen=True, slots=True)
class Depot:
    """Where vehicles start and end their shifts: a real stop."""

    id: str
    stop_id: str
    name: str
    point: Point


@dataclass(frozen=True, slots=True)
class VehicleSpec:
    """One vehicle: its id, type, depot and shift patterns."""

    id: str
    type: VehicleType
    depot: Depot
    patterns: tuple[ShiftPattern, ...]


@dataclass(frozen=True, slots=True)
class FleetSpec:
    """A fleet as configured, before shifts are laid out on concrete days."""

    timezone: str
    vehicles: tuple[VehicleSpec, ...]


def _get(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = table.get(key)
    if value is None or not isinstance(value, kind) or isinstance(value, bool):
        msg = f"{where}: field '{key}' is missing or not a {getattr(kind, '__name__', kind)} (got {value!r})"
        raise FleetFileError(msg)
    return value


def _time(text: str, where: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        msg = f"{where}: {text!r} is not a time of day like '06:30'"
        raise FleetFileError(msg) from None


def _weekdays(text: str, where: str) -> frozenset[int]:
    days: set[int] = set()
    for part in text.replace(" ", "").split(","):
        ends = part.split("-")
        if any(e not in WEEKDAYS for e in ends) or len(ends) > 2:
            msg = f"{where}: days {text!r} must use {', '.join(WEEKDAYS)} as a range 'Mo-Fr' or list 'Mo,Mi'"
            raise FleetFileError(msg)
        a, b = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
    return frozenset(days)


def _vehicle_type(key: str, t: Mapping[str, Any], where: str) -> VehicleType:
    w = f"{where} [vehicle_types.{key}]"
    try:
        kind = VehicleKind(_get(t, "kind", str, w))
    except ValueError:
        msg = f"{w}: kind must be one of {[k.value for k in VehicleKind]}"
        raise FleetFileError(msg) from None
    capacity = Load(_get(t, "seats", int, w), int(t.get("wheelchairs", 0)), int(t.get("strollers", 0)))
    return VehicleType(key, _get(t, "name", str, w), kind, capacity, int(t.get("co2_g_per_km", 0)))


def _pattern(key: str, p: Mapping[str, Any], where: str) -> ShiftPattern:
    w = f"{where} [shift_patterns.{key}]"
    brk = p.get("break")
    window, minutes = None, 0
    if brk is not None:
        wb = f"{w} break"
        window = (_time(_get(brk, "earliest", str, wb), wb), _time(_get(brk, "latest", str, wb), wb))
        minutes = _get(brk, "minutes", int, wb)
    return ShiftPattern(key, _weekdays(_get(p, "days", str, w), w), _time(_get(p, "start", str, w), w),
                        _time(_get(p, "end", str, w), w), window, minutes)


def _depot(n: int, d: Mapping[str, Any], where: str) -> Depot:
    w = f"{where} depots[{n}]"
    try:
        point = Point(float(_get(d, "lon", (int, float), w)), float(_get(d, "lat", (int, float), w)))
    except ValueError as exc:
        msg = f"{w}: {exc}"
        raise FleetFileError(msg) from None
    return Depot(_get(d, "id", str, w), str(_get(d, "stop_id", (str, int), w)), _get(d, "name", str, w), point)


def parse_fleet(data: Mapping[str, Any], *, source: str = "fleet") -> FleetSpec:
    """A fleet from parsed TOML; :class:`FleetFileError` names ``source`` and the field on bad input."""
    types = {k: _vehicle_type(k, v, source) for k, v in dict(data.get("vehicle_types", {})).items()}
    patterns = {k: _pattern(k, v, source) for k, v in dict(data.get("shift_patterns", {})).items()}
    depots = {d.id: d for d in (_depot(n, raw, source) for n, raw in enumerate(data.get("depots", [])))}
    vehicles: list[VehicleSpec] = []
    for n, g in enumerate(data.get("groups", [])):
        w = f"{source} groups[{n}]"
        checks = (("type", _get(g, "type", str, w), sorted(types)), ("depot", _get(g, "depot", str, w), sorted(depots)))
        for field, value, known in checks:
            if value not in known:
                msg = f"{w}: {field} {value!r} is not defined (known: {known})"
                raise FleetFileError(msg)
        shift_names = _get(g, "shifts", list, w)
        unknown = [s for s in shift_names if s not in patterns]
        if unknown:
            msg = f"{w}: shift patterns {unknown} are not defined (known: {sorted(patterns)})"
            raise FleetFileError(msg)
        prefix = str(g.get("prefix", f"{g['depot']}-"))
        for k in range(1, _get(g, "count", int, w) + 1):
            vehicles.append(VehicleSpec(f"{prefix}{k}", types[g["type"]], depots[g["depot"]],
                                        tuple(patterns[s] for s in shift_names)))
    ids = [v.id for v in vehicles]
    if len(set(ids)) != len(ids) or not ids:
        msg = f"{source}: the groups must give at least one vehicle and unique vehicle ids"
        raise FleetFileError(msg)
    return FleetSpec(str(data.get("timezone", "Europe/Berlin")), tuple(vehicles))


def load_fleet_spec(path: Path = DEFAULT_FLEET) -> FleetSpec:
    """Read a fleet TOML file."""
    return parse_fleet(read_toml(path, "fleet file", FleetFileError), source=str(path))


def _shift(p: ShiftPattern, day: date, tz: ZoneInfo) -> Shift:
    start = datetime.combine(day, p.start, tzinfo=tz)
    end_day = day + timedelta(days=1) if p.end <= p.start else day
    end = datetime.combine(end_day, p.end, tzinfo=tz)
    brk = None
    if p.break_window is not None:
        b0 = datetime.combine(day, p.break_window[0], tzinfo=tz)
        b1 = datetime.combine(day, p.break_window[1], tzinfo=tz)
        brk = Break(b0, b1, p.break_minutes * 60)
    return Shift(start, end, brk)


def vehicles_for_days(spec: FleetSpec, first_day: date, days: int) -> list[Vehicle]:
    """Every vehicle with its concrete shifts on ``days`` days from ``first_day`` (local dates), in time order."""
    if days < 1:
        msg = f"days must be at least 1, got {days}"
        raise ValueError(msg)
    tz = ZoneInfo(spec.timezone)
    fleet = []
    for v in spec.vehicles:
        shifts = [_shift(p, first_day + timedelta(days=n), tz) for n in range(days) for p in v.patterns
                  if (first_day + timedelta(days=n)).weekday() in p.weekdays]
        shifts.sort(key=lambda s: s.start)
        name = f"{v.type.name} {v.id} ({v.depot.name})"
        fleet.append(Vehicle(v.id, name, v.type, v.depot.point, v.depot.name, tuple(shifts)))
    return fleet


def load_fleet(path: Path = DEFAULT_FLEET, *, first_day: date, days: int = 15) -> list[Vehicle]:
    """The fleet of ``path`` with shifts on ``days`` days from ``first_day``."""
    return vehicles_for_days(load_fleet_spec(path), first_day, days)



def laid_out_days(fleet: Sequence[Vehicle], timezone: str = "Europe/Berlin") -> tuple[date, date] | None:
    """The first and the last local day on which a shift of ``fleet`` starts (None without shifts)."""
    tz = ZoneInfo(timezone)
    days = [s.start.astimezone(tz).date() for v in fleet for s in v.shifts]
    return (min(days), max(days)) if days else None


def _week_later(when: datetime, tz: ZoneInfo) -> datetime:
    """The same local wall-clock time seven days later (also across a change to or from summer time)."""
    local = when.astimezone(tz)
    return datetime.combine(local.date() + timedelta(days=7), local.time(), tzinfo=tz)


def following_shifts(shifts: Sequence[Shift], *, last_day: date, through: date,
                     timezone: str = "Europe/Berlin") -> list[Shift]:
    """One vehicle's shifts on the local days after ``last_day`` through ``through``, in time order.

    The shift patterns of a fleet file are weekly (:func:`vehicles_for_days`), so day ``d`` has the shifts of day
    ``d − 7`` at the same local times; ``shifts`` must hold the vehicle's shifts of the seven days up to
    ``last_day`` (the fleet laid out on at least a week, see :func:`laid_out_days`).
    """
    tz = ZoneInfo(timezone)
    by_day: dict[date, list[Shift]] = {}
    for shift in shifts:
        by_day.setdefault(shift.start.astimezone(tz).date(), []).append(shift)
    later: list[Shift] = []
    day = last_day + timedelta(days=1)
    while day <= through:
        for shift in by_day.get(day - timedelta(days=7), ()):
            b = shift.break_
            brk = None if b is None else Break(_week_later(b.earliest_start, tz), _week_later(b.latest_start, tz),
                                               b.duration_s)
            new = Shift(_week_later(shift.start, tz), _week_later(shift.end, tz), brk)
            by_day.setdefault(day, []).append(new)
            later.append(new)
        day += timedelta(days=1)
    return later
