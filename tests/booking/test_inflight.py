"""A booking commits after the plan lock: what must see it committed waits for it, a failed commit undoes it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from booking.service import bookings as booking_module
from booking.service.bookings import Caller, Place, RideWish
from booking.service.inflight import InFlight
from booking.store.events import append_event
from booking.store.models import BookingRow
from tests.booking.conftest import BERNBURG_FRIEDENSHALL, BERNBURG_HBF, T0, EnvFactory, one_small_car


def _wish(minutes: int = 30) -> RideWish:
    return RideWish(Place(BERNBURG_HBF), Place(BERNBURG_FRIEDENSHALL), departure=T0 + timedelta(minutes=minutes))


def _slow(original: Callable[..., Any], seconds: float) -> Callable[..., Any]:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return original(*args, **kwargs)
    return slow


def test_a_failed_commit_leaves_nothing_in_the_plan(any_env_factory: EnvFactory,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    env = any_env_factory(fleet=one_small_car())
    services = env.parts.services
    offer = services.bookings.quote("erika", _wish())

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(booking_module, "append_event", broken)
    with pytest.raises(RuntimeError):
        services.bookings.book(Caller("erika"), offer.id, "k-1")
    assert env.parts.dispatcher.commitments() == {}
    monkeypatch.undo()
    row, created = services.bookings.book(Caller("erika"), offer.id, "k-1")  # the offer is still there
    assert created
    assert list(env.parts.dispatcher.commitments()) == [row.id]


def test_out_of_service_waits_for_a_booking_in_flight(any_env_factory: EnvFactory,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The only vehicle goes out of service while a booking on it commits: the booking is REJECTED, not lost."""
    env = any_env_factory(fleet=one_small_car())
    services = env.parts.services
    offer = services.bookings.quote("erika", _wish())
    monkeypatch.setattr(booking_module, "append_event", _slow(append_event, 0.4))
    booked: list[BookingRow] = []
    thread = threading.Thread(target=lambda: booked.append(services.bookings.book(Caller("erika"), offer.id, None)[0]))
    thread.start()
    deadline = time.monotonic() + 5
    while services.ctx.in_flight.mark() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    lost = services.operations.set_in_service("bbg-car", False, "leitstelle")
    thread.join(10)
    assert [row.id for row in booked] == lost
    assert services.bookings.get(lost[0], None).state == "REJECTED"
    assert env.parts.dispatcher.commitments() == {}


def test_in_flight_registry() -> None:
    flights = InFlight()
    ticket = flights.start("erika", "offer-1", "k-1")
    assert flights.seen("erika", "offer-1", None)
    assert flights.seen("erika", "offer-2", "k-1")
    assert not flights.seen("max", "offer-2", "k-1")
    assert not flights.wait_done(timeout_s=0.05)
    assert not flights.wait_settled("erika", "offer-1", None, timeout_s=0.05)
    mark = flights.mark()
    later = flights.start("max", "offer-3", None)
    threading.Timer(0.05, lambda: flights.finish(ticket, committed=True)).start()
    assert flights.wait_done(mark, timeout_s=5)  # the later booking is not waited for
    assert flights.seen("erika", "offer-1", None)  # committed here
    assert flights.finish(later, committed=False)
    assert not flights.finish(later, committed=False)  # only once
    assert not flights.seen("max", "offer-3", None)
