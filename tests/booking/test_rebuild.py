"""Rebuilding bookings and the live plan from the append-only event log alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings

from booking.store.codec import offer_from_json, offer_json
from mobility.domain.eventlog import confirmed_data, fold_log
from mobility.domain.events import Event, EventType
from mobility.domain.rides import BookingState, Offer
from tests.booking.conftest import BERNBURG_HBF, BERNBURG_KALISTR, STASSFURT_BF, Env, EnvFactory
from tests.booking.test_codec import offers
from tests.booking.test_dispatch import _book
from tests.booking.test_driver import _advance_to, _event

AT = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def _confirmed(offer: Offer, booking_id: str = "b1", minutes: int = 0) -> Event:
    return Event(EventType.BOOKING_CONFIRMED, AT + timedelta(minutes=minutes), booking_id, offer.vehicle_id,
                 data=confirmed_data(offer_json(offer), offer.request.customer_id, None))


def _on(kind: EventType, minutes: int, booking_id: str | None = "b1", vehicle_id: str | None = None) -> Event:
    return Event(kind, AT + timedelta(minutes=minutes), booking_id, vehicle_id)


@settings(max_examples=30, deadline=None)
@given(offers())
def test_a_ride_is_replayed_from_confirmation_to_drop_off(offer: Offer) -> None:
    """Confirmed → boarded (on another vehicle) → dropped off: FINISHED, the vehicle boarded, each step in history."""
    log = [_confirmed(offer), _on(EventType.VEHICLE_ARRIVED, 5, vehicle_id="other"),
           _on(EventType.PASSENGER_BOARDED, 6, vehicle_id="other")]
    started = fold_log(log, offer_from_json)
    booking = started.bookings["b1"]
    assert booking.state is BookingState.STARTED
    assert booking.offer.vehicle_id == "other"
    assert booking.offer.pickup_window == offer.pickup_window  # the promise is the logged one
    assert [b.id for b in started.active()] == ["b1"]
    done = fold_log([*log, _on(EventType.PASSENGER_DROPPED_OFF, 30)], offer_from_json)
    assert done.bookings["b1"].state is BookingState.FINISHED
    assert [s for _, s in done.bookings["b1"].history] == [BookingState.CONFIRMED, BookingState.STARTED,
                                                           BookingState.FINISHED]
    assert done.active() == []
    assert done.entries == 4
    assert not done.anomalies


@settings(max_examples=10, deadline=None)
@given(offers())
def test_contradicting_and_unreadable_entries_are_named_not_applied(offer: Offer) -> None:
    """A second cancellation is an anomaly (state stays); a confirmation without offer is unreadable."""
    log = [
        _confirmed(offer),
        _on(EventType.BOOKING_CANCELLED, 1),
        _on(EventType.PASSENGER_BOARDED, 2),
        Event(EventType.BOOKING_CONFIRMED, AT, "old", "bus-1"),  # written before offers were logged
        _on(EventType.BOOKING_CANCELLED, 3, "old"),
        _on(EventType.BOOKING_CANCELLED, 4, "never-confirmed"),
    ]
    state = fold_log(log, offer_from_json)
    assert state.bookings["b1"].state is BookingState.CANCELLED
    assert state.unreadable == {"old"}
    assert len(state.anomalies) == 2
    assert "b1" in state.anomalies[0]
    assert "never-confirmed" in state.anomalies[1]


def test_vehicles_follow_their_last_service_entry() -> None:
    """Out of service, back in service, out again: only the last entry per vehicle counts."""
    log = [_on(EventType.VEHICLE_OUT_OF_SERVICE, 0, None, "a"), _on(EventType.VEHICLE_OUT_OF_SERVICE, 1, None, "b"),
           _on(EventType.VEHICLE_IN_SERVICE, 2, None, "a")]
    assert fold_log(log, offer_from_json).out_of_service == {"b"}


def _states(env: Env, staff: dict[str, str]) -> dict[str, str]:
    bookings: list[dict[str, Any]] = env.client.get("/api/v1/bookings", headers=staff).json()
    return {b["id"]: b["state"] for b in bookings}


def _rebuild_keeps_everything(make: EnvFactory) -> None:
    first = make()
    resident, staff = first.user("erika"), first.user("leitstelle", "dispatcher")
    rides = [_book(first, resident, a, b, m) for a, b, m in ((BERNBURG_HBF, STASSFURT_BF, 20),
                                                              (STASSFURT_BF, BERNBURG_HBF, 90),
                                                              (BERNBURG_HBF, BERNBURG_KALISTR, 45))]
    aboard, _, cancelled = rides
    assert first.client.post(f"/api/v1/bookings/{cancelled['id']}/cancel", headers=resident).status_code == 200
    driver = first.user("fahrer", "driver", vehicle_id=aboard["vehicle_id"])
    _advance_to(first, aboard["pickup_window"]["earliest"])
    assert _event(first, driver, "boarded", aboard["id"]).status_code == 200
    other = next(v.id for v in first.parts.dispatcher.vehicles() if v.id != aboard["vehicle_id"])
    assert first.client.post(f"/api/v1/dispatch/vehicles/{other}/out-of-service", headers=staff).status_code == 200
    states = _states(first, staff)
    planned = set(first.parts.dispatcher.commitments())
    flags = {v.id: v.in_service for v in first.parts.dispatcher.vehicles()}
    first.stop()
    with first.parts.engine.begin() as conn:  # the stored plan and a booking row are lost; the log is not
        conn.execute(sa.text("DELETE FROM plan_visits"))
        conn.execute(sa.text("DELETE FROM tour_legs"))
        conn.execute(sa.text("DELETE FROM bookings WHERE id = :id"), {"id": aboard["id"]})

    second = make(clock=first.clock, restore_source="log")
    assert second.parts.restore_failures == []
    assert set(second.parts.dispatcher.commitments()) == planned
    assert {v.id: v.in_service for v in second.parts.dispatcher.vehicles()} == flags
    staff = second.login("leitstelle")
    assert _states(second, staff) == states
    assert states[aboard["id"]] == "STARTED"
    tour = second.parts.dispatcher.plan().tours[aboard["vehicle_id"]]
    ahead = [str(v.kind) for v in tour.visits if v.booking_id == aboard["id"] and str(v.status) != "done"]
    assert ahead == ["dropoff"]  # the rider on board is only dropped off, by the vehicle they boarded
    assert second.scalar("SELECT count(*) FROM plan_visits") == sum(len(t.visits) for t in
                                                                   second.parts.dispatcher.plan().tours.values())


def test_rebuild_from_the_log_on_sqlite(make_env: EnvFactory) -> None:
    """With the stored plan and a booking row gone, the log alone brings back bookings, riders and fleet state."""
    _rebuild_keeps_everything(make_env)


@pytest.mark.postgis
def test_rebuild_from_the_log_on_postgis(make_pg_env: EnvFactory) -> None:
    """The same on PostGIS."""
    _rebuild_keeps_everything(make_pg_env)
