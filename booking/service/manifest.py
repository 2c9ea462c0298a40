"""The driver's manifest: the vehicle's current duty, its stops ahead, breaks, riders and what can be done now.

Only the duty the driver works on (``Plan.current_duty``) is shown, never a visit of another duty or day. Consecutive
visits at one stop are one entry; a break is an entry of its own (kind ``break``). A stop whose planned departure
passed more than five minutes ago without a driver event is ``overdue`` (:func:`mobility.domain.plan.is_overdue`); a
break whose planned end passed without the driver has been closed by the clock and is not shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from booking.service.context import ServiceContext
from booking.store.models import BookingRow, UserRow
from mobility.domain.plan import Duty, DutyStatus, StopVisit, VisitKind, VisitStatus, is_overdue

TZ = ZoneInfo("Europe/Berlin")
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
BEGIN_EARLY = timedelta(hours=1)  # a duty can be begun up to an hour before its shift starts
BREAK_EARLY = timedelta(minutes=30)  # a break can be begun up to 30 minutes before its window opens
END_EARLY = timedelta(minutes=30)  # a duty can be ended up to 30 minutes before its shift ends
DEFAULT_NAME = "Fahrgast"


def short_day(at: datetime) -> str:
    """The local date as a driver reads it: ``Mo 7.12.``."""
    local = at.astimezone(TZ)
    return f"{WEEKDAYS[local.weekday()]} {local.day}.{local.month}."


def duty_label(duty: Duty) -> str:
    """One line on the duty with its date: ``Dienstbeginn 05:30, Mo 7.12.``, ``Im Dienst seit 05:32, Mo 7.12.``."""
    if duty.status is DutyStatus.ENDED:
        at = duty.ended_at or duty.end
        return f"Dienst beendet {at.astimezone(TZ):%H:%M}, {short_day(at)}"
    if duty.on_break_since is not None:
        return f"Pause seit {duty.on_break_since.astimezone(TZ):%H:%M}, {short_day(duty.on_break_since)}"
    if duty.status is DutyStatus.UNDER_WAY:
        at = duty.began_at or duty.start
        return f"Im Dienst seit {at.astimezone(TZ):%H:%M}, {short_day(at)}"
    return f"Dienstbeginn {duty.start.astimezone(TZ):%H:%M}, {short_day(duty.start)}"


def manifest(ctx: ServiceContext, vehicle_id: str) -> dict[str, Any]:
    """The driver's current duty: its stops not yet done with who boards and alights, and the actions possible now."""
    now = ctx.clock.now()
    plan = ctx.dispatcher.plan()
    vehicle_name = next((v.name for v in ctx.dispatcher.vehicles() if v.id == vehicle_id), vehicle_id)
    out: dict[str, Any] = {"vehicle_id": vehicle_id, "vehicle_name": vehicle_name, "plan_version": plan.version,
                           "now": now.astimezone(TZ), "duty": None, "actions": [], "stops": [], "overdue": 0}
    duty = plan.current_duty(vehicle_id, now)
    if duty is None:
        return out
    groups = _groups(duty, now)
    ids = [v.booking_id for _, visits in groups for v in visits if v.booking_id]
    with ctx.read_session() as session:
        rows = {r.id: r for r in session.scalars(sa.select(BookingRow).where(BookingRow.id.in_(ids)))} if ids else {}
        people = _customers(session, {r.customer_id for r in rows.values()})
    wait = timedelta(seconds=ctx.options.no_show_wait_s)
    stops = [_entry(here, visits, rows=rows, people=people, wait=wait, now=now) for here, visits in groups]
    out["duty"] = _duty(duty)
    out["actions"] = duty_actions(duty, groups, now)
    out["stops"] = stops
    out["overdue"] = sum(1 for s in stops if s["overdue"])
    return out


def duty_actions(duty: Duty, groups: Sequence[tuple[bool, Sequence[StopVisit]]], now: datetime) -> list[str]:
    """The duty-level actions the driver can take now, in the order of the shift.

    ``duty_begin`` from an hour before the shift start; ``break_begin`` when the next entry is a break, nobody is on
    board and its window opens within half an hour; ``break_end`` during a break; ``duty_end`` once no ride is left,
    from half an hour before the shift ends.
    """
    if duty.status is DutyStatus.ENDED:
        return []
    if duty.status is DutyStatus.PLANNED:
        return ["duty_begin"] if now >= duty.start - BEGIN_EARLY else []
    if duty.on_break_since is not None:
        return ["break_end"]
    actions = []
    nxt = groups[0][1][0] if groups else None
    if nxt is not None and nxt.kind is VisitKind.BREAK and _empty(nxt) and now >= nxt.window.earliest - BREAK_EARLY:
        actions.append("break_begin")
    if now >= duty.end - END_EARLY and not any(v.booking_id for _, visits in groups for v in visits):
        actions.append("duty_end")
    return actions


def _empty(visit: StopVisit) -> bool:
    load = visit.load_after
    return load.seats == 0 and load.wheelchairs == 0 and load.strollers == 0


def _groups(duty: Duty, now: datetime) -> list[tuple[bool, list[StopVisit]]]:
    """The duty's visits not done, consecutive visits at one stop together, each break alone.

    Each group carries whether the vehicle stands there already (its first visit is ARRIVED, or the visit just done
    was at the same stop). A break whose planned end passed while the driver was not on it is left out.
    """
    groups: list[tuple[bool, list[StopVisit]]] = []
    last: StopVisit | None = None
    taking = duty.on_break_since is not None
    for visit in duty.visits:
        if visit.status is VisitStatus.DONE:
            last = visit
            continue
        is_break = visit.kind is VisitKind.BREAK
        if is_break:
            current = taking and not groups
            if not current and visit.planned_departure <= now:
                continue  # the clock closed it; never hand a past break out as "next"
            groups.append((current or visit.status is VisitStatus.ARRIVED, [visit]))
            last = visit
            continue
        prev = groups[-1][1][-1] if groups else None
        if prev is not None and prev.kind is not VisitKind.BREAK and prev.stop.id == visit.stop.id:
            groups[-1][1].append(visit)
        else:
            there = visit.status is VisitStatus.ARRIVED or (
                not groups and last is not None and last.status is VisitStatus.DONE
                and last.kind is not VisitKind.BREAK and last.stop.id == visit.stop.id)
            groups.append((there, [visit]))
        last = visit
    return groups


def break_start(visit: StopVisit) -> datetime:
    """When a break begins: on arrival at its place, but not before its window opens."""
    return max(visit.planned_arrival, visit.window.earliest)


def _entry(here: bool, visits: Sequence[StopVisit], *, rows: dict[str, BookingRow],
           people: dict[str, tuple[str, str | None]], wait: timedelta, now: datetime) -> dict[str, Any]:
    first, final = visits[0], visits[-1]
    is_break = first.kind is VisitKind.BREAK
    status = "arrived" if here or any(v.status is VisitStatus.ARRIVED for v in visits) else "planned"
    entry: dict[str, Any] = {
        "stop_id": first.stop.id, "name": "Pause" if is_break else first.stop.name, "place": first.stop.name,
        "coordinates": [first.stop.point.lon, first.stop.point.lat], "kind": "break" if is_break else "stop",
        "planned_arrival": first.planned_arrival.astimezone(TZ),
        "planned_departure": final.planned_departure.astimezone(TZ), "status": status,
        "overdue": not is_break and is_overdue(final, now),
        "break": None, "board": [], "alight": [],
        "load_after": {"seats": final.load_after.seats, "wheelchairs": final.load_after.wheelchairs,
                       "strollers": final.load_after.strollers},
    }
    if is_break:
        start = break_start(first)
        entry["planned_arrival"] = start.astimezone(TZ)
        minutes = round((first.planned_departure - start).total_seconds() / 60)
        entry["break"] = {"planned_start": start.astimezone(TZ),
                          "planned_end": first.planned_departure.astimezone(TZ), "minutes": minutes,
                          "begin_from": (first.window.earliest - BREAK_EARLY).astimezone(TZ)}
    for visit in visits:
        row = rows.get(visit.booking_id or "")
        if row is None:
            continue
        boards = visit.kind is VisitKind.PICKUP
        no_show_from = max(visit.window.earliest, visit.planned_arrival) + wait if boards else None
        entry["board" if boards else "alight"].append(_rider(row, people, no_show_from))
    return entry


def _rider(row: BookingRow, people: dict[str, tuple[str, str | None]],
           no_show_from: datetime | None) -> dict[str, Any]:
    """A rider as the driver sees them: a person's name (never an account id), a phone to call, needs, window."""
    name, phone = people.get(row.customer_id, ("", None))
    return {
        "booking_id": row.id, "name": (row.caller_name or "").strip() or name or DEFAULT_NAME,
        "phone": row.caller_phone or phone, "passengers": row.passengers, "wheelchairs": row.wheelchairs,
        "strollers": row.strollers, "state": row.state,
        "window": {"earliest": row.pickup_earliest.astimezone(TZ), "latest": row.pickup_latest.astimezone(TZ)},
        "no_show_from": None if no_show_from is None else no_show_from.astimezone(TZ),
    }


def _customers(session: Session, customer_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """Display name and phone of the accounts that booked."""
    ids = list(customer_ids)
    if not ids:
        return {}
    rows = session.execute(sa.select(UserRow.id, UserRow.display_name, UserRow.phone).where(UserRow.id.in_(ids)))
    return {r[0]: ((r[1] or "").strip(), r[2]) for r in rows}


def _duty(duty: Duty) -> dict[str, Any]:
    def local(at: datetime | None) -> datetime | None:
        return None if at is None else at.astimezone(TZ)

    return {
        "id": duty.id, "day": duty.day, "start": local(duty.start), "end": local(duty.end), "status": str(duty.status),
        "began_at": local(duty.began_at), "ended_at": local(duty.ended_at),
        "on_break_since": local(duty.on_break_since), "begin_from": local(duty.start - BEGIN_EARLY),
        "end_from": local(duty.end - END_EARLY),
        "in_service": duty.in_service, "depot": {"stop_id": duty.depot.id, "name": duty.depot.name},
        "label": duty_label(duty),
    }
