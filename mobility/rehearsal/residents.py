"""Residents: the demand model's requests booked through the API as the web page does, or by phone at the dispatcher.

A resident registers (``/auth/register``), signs in, asks for an offer (``/offers``), takes it if it is within
``max_shift_min`` of the wished time (else declines), and books it with an ``Idempotency-Key``. A refusal carries the
service's reason; when it names alternative times, the resident asks once more at the nearest one within reach. A
share of requests are phone calls: the dispatcher books them in one step (``/dispatch/bookings``). Later the
resident may cancel (at the demand model's ``cancel_at``), and asks for the ETA around 30 minutes before the
planned pickup (every five minutes from 40 to 20 minutes before), as a waiting rider would.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from mobility.demand.generator import SyntheticRequest
from mobility.rehearsal.api import Api, detail_of
from mobility.rehearsal.clock import Agenda
from mobility.rehearsal.ledger import EtaReading, Ledger, Outcome, Ride

PASSWORD = "Salzland-Probefahrt-7431"
SURNAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
            "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger")
GIVEN = ("Anna", "Karl", "Erika", "Hans", "Ursula", "Peter", "Monika", "Jürgen", "Petra", "Klaus", "Sabine", "Uwe",
         "Gisela", "Frank", "Renate", "Lena", "Jonas", "Mia", "Paul", "Sophie")
ETA_LEADS_MIN = (40, 35, 30, 25, 20)
SERVICE_OUTCOMES = {"FINISHED": Outcome.FINISHED, "CANCELLED": Outcome.CANCELLED, "REJECTED": Outcome.LOST,
                    "EXPIRED": Outcome.LOST, "CONFIRMED": Outcome.BOOKED, "STARTED": Outcome.BOOKED}


@dataclass(frozen=True, slots=True)
class Habits:
    """How residents behave."""

    max_shift_min: float = 30.0  # an offer this far from the wished time is still taken
    accept_alternatives: bool = True  # ask again once at an offered alternative time
    phone_share: float = 0.1  # share of requests phoned in to the dispatcher


def body_of(request: SyntheticRequest, *, when: datetime | None = None) -> dict[str, Any]:
    """The ``/offers`` body of a demand request (``when`` replaces the wished time)."""
    r = request.request
    body: dict[str, Any] = {"origin": {"stop_id": r.origin_stop_id}, "destination": {"stop_id": r.destination_stop_id},
                            "passengers": r.passengers, "wheelchairs": r.wheelchairs, "strollers": r.strollers}
    key = "departure" if r.departure is not None else "arrival"
    body[key] = (when or r.requested_time).isoformat()
    return body


def shift_s(offer: dict[str, Any], request: SyntheticRequest) -> float:
    """How far (seconds) an offer is from the wished time: pickup vs departure, or drop-off vs arrival."""
    r = request.request
    if r.departure is not None:
        return abs((datetime.fromisoformat(offer["planned_pickup"]) - r.departure).total_seconds())
    assert r.arrival is not None
    return abs((r.arrival - datetime.fromisoformat(offer["planned_dropoff"])).total_seconds())


class Residents:
    """Every resident of the demand, acting through the API at their simulated times."""

    def __init__(self, api: Api, ledger: Ledger, agenda: Agenda, *, habits: Habits, seed: int,
                 dispatcher_token: Callable[[], str], nudge: Callable[[str | None], None]) -> None:
        self.api = api
        self.ledger = ledger
        self.agenda = agenda
        self.habits = habits
        self.rng = random.Random(seed)
        self.dispatcher_token = dispatcher_token
        self.nudge = nudge

    def schedule(self, requests: Sequence[SyntheticRequest]) -> None:
        """Put every request on the agenda at its submission time."""
        for item in requests:
            phone = self.rng.random() < self.habits.phone_share
            ride = Ride(item, "phone" if phone else "app")
            self.ledger.rides.append(ride)
            self.agenda.at(item.request.submitted_at, f"request {item.request.id}", partial(self._submit, ride))

    def _name(self) -> tuple[str, str]:
        return self.rng.choice(GIVEN), self.rng.choice(SURNAMES)

    def _now(self) -> datetime:
        return self.api.clock.now()

    # -- asking and booking -----------------------------------------------------------------------------------------
    def _submit(self, ride: Ride) -> None:
        if ride.channel == "phone":
            self._phone(ride)
            return
        given, surname = self._name()
        ride.username = f"anwohner-{ride.demand.request.id}"
        r = self.api.call("POST", "/auth/register", who=ride.username, json={
            "username": ride.username, "password": PASSWORD, "display_name": f"{given} {surname}",
            "phone": f"03471 {self.rng.randint(100000, 999999)}"})
        if r.status_code != 201:
            self._refused(ride, r.json() if r.headers.get("content-type", "").endswith("json") else {}, "register")
            return
        ride.token = self.api.token(ride.username, PASSWORD)
        offer = self._offer(ride)
        if offer is None:
            return
        if shift_s(offer, ride.demand) > self.habits.max_shift_min * 60:
            ride.outcome = Outcome.DECLINED
            ride.reason = "offer_too_far"
            ride.detail = f"Angebot {shift_s(offer, ride.demand) / 60:.0f} min vom Wunschtermin"
            return
        self._book(ride, offer)

    def _offer(self, ride: Ride) -> dict[str, Any] | None:
        """An offer for the ride (asking once more at an alternative time); None after a refusal (recorded)."""
        r = self.api.call("POST", "/offers", token=ride.token, json=body_of(ride.demand), expect=(201, 422),
                          who=ride.username)
        if r.status_code == 201:
            offer: dict[str, Any] = r.json()
            return offer
        problem = r.json() if r.status_code == 422 else {}
        when = self._alternative(problem, ride.demand)
        if when is not None:
            ride.alternative = True
            r = self.api.call("POST", "/offers", token=ride.token, json=body_of(ride.demand, when=when),
                              expect=(201, 422), who=ride.username)
            if r.status_code == 201:
                again: dict[str, Any] = r.json()
                return again
            problem = r.json() if r.status_code == 422 else problem
        self._refused(ride, problem, "offer", status=r.status_code)
        return None

    def _alternative(self, problem: dict[str, Any], request: SyntheticRequest) -> datetime | None:
        if not self.habits.accept_alternatives:
            return None
        wished = request.request.requested_time
        reach = self.habits.max_shift_min * 60
        times = [datetime.fromisoformat(t) for t in problem.get("alternatives") or ()]
        near = [t for t in times if abs((t - wished).total_seconds()) <= reach and t > self._now()]
        return min(near, key=lambda t: (abs((t - wished).total_seconds()), t)) if near else None

    def _book(self, ride: Ride, offer: dict[str, Any]) -> None:
        key = uuid.uuid4().hex
        r = self.api.call("POST", "/bookings", token=ride.token, json={"offer_id": offer["id"]},
                          headers={"Idempotency-Key": key}, expect=(201, 409), who=ride.username)
        if r.status_code == 409 and isinstance(r.json().get("fresh_offer"), dict):  # the seat went meanwhile
            fresh = r.json()["fresh_offer"]
            r = self.api.call("POST", "/bookings", token=ride.token, json={"offer_id": fresh["id"]},
                              headers={"Idempotency-Key": uuid.uuid4().hex}, expect=(201, 409), who=ride.username)
        if r.status_code != 201:
            self._refused(ride, r.json(), "booking", status=r.status_code)
            return
        self._booked(ride, r.json())

    def _phone(self, ride: Ride) -> None:
        given, surname = self._name()
        caller = {"caller_name": f"{given} {surname}", "caller_phone": f"03925 {self.rng.randint(100000, 999999)}"}
        token = self.dispatcher_token()
        ride.username = "leitstelle"
        r = self.api.call("POST", "/dispatch/bookings", token=token, json={**caller, "request": body_of(ride.demand)},
                          expect=(201, 422), who="leitstelle")
        if r.status_code == 422:
            when = self._alternative(r.json(), ride.demand)
            if when is not None:
                ride.alternative = True
                r = self.api.call("POST", "/dispatch/bookings", token=token, expect=(201, 422), who="leitstelle",
                                  json={**caller, "request": body_of(ride.demand, when=when)})
        if r.status_code != 201:
            self._refused(ride, r.json() if r.status_code < 500 else {}, "phone", status=r.status_code)
            return
        self._booked(ride, r.json()["booking"])

    def _refused(self, ride: Ride, problem: dict[str, Any], step: str, *, status: int = 0) -> None:
        ride.outcome = Outcome.REFUSED
        ride.reason = str(problem.get("reason") or problem.get("code") or "")
        ride.detail = str(problem.get("detail") or "")
        if not ride.reason or not ride.detail or status >= 500:
            self.ledger.observe(self._now(), "refused_without_reason",
                                f"{step}: HTTP {status}, no reason/detail in {str(problem)[:160]}")

    def _booked(self, ride: Ride, booking: dict[str, Any]) -> None:
        now = self._now()
        ride.outcome = Outcome.BOOKED
        ride.booking_id = str(booking["id"])
        ride.vehicle_id = str(booking["vehicle_id"])
        ride.pickup_stop = str((booking.get("pickup_stop") or {}).get("id") or "")
        ride.dropoff_stop = str((booking.get("dropoff_stop") or {}).get("id") or "")
        ride.state = str(booking["state"])
        ride.booked_at = now
        window = booking["pickup_window"]
        ride.window = (datetime.fromisoformat(window["earliest"]), datetime.fromisoformat(window["latest"]))
        ride.planned_pickup = datetime.fromisoformat(booking["planned_pickup"])
        self.ledger.booked(ride)
        self.nudge(ride.vehicle_id)
        cancel_at = ride.demand.cancel_at
        if cancel_at is not None:
            self.agenda.at(max(cancel_at, now + timedelta(minutes=1)), f"cancel {ride.booking_id}",
                           lambda: self._cancel(ride))
        for lead in ETA_LEADS_MIN:
            at = ride.planned_pickup - timedelta(minutes=lead)
            if at > now:
                self.agenda.at(at, f"eta {ride.booking_id}", lambda: self._eta(ride))

    def _token(self, ride: Ride) -> str:
        return self.dispatcher_token() if ride.channel == "phone" else ride.token

    # -- later ------------------------------------------------------------------------------------------------------
    def _cancel(self, ride: Ride) -> None:
        if ride.outcome is not Outcome.BOOKED or ride.boarded_at is not None or ride.no_show_at is not None:
            return
        assert ride.booking_id is not None
        r = self.api.call("POST", f"/bookings/{ride.booking_id}/cancel", token=self._token(ride), expect=(200, 409),
                          who=ride.username)
        if r.status_code == 200:
            ride.outcome = Outcome.CANCELLED
            ride.cancelled_at = self._now()
            ride.state = str(r.json()["state"])
            self.nudge(str(r.json()["vehicle_id"]))
        else:
            self.ledger.observe(self._now(), "cancel_refused", detail_of(r), booking_id=ride.booking_id)

    def _eta(self, ride: Ride) -> None:
        if ride.outcome is not Outcome.BOOKED or ride.boarded_at is not None or ride.no_show_at is not None:
            return
        assert ride.booking_id is not None
        assert ride.window is not None
        r = self.api.call("GET", f"/bookings/{ride.booking_id}/eta", token=self._token(ride), expect=(200,),
                          who=ride.username)
        now = self._now()
        if r.status_code != 200:
            self.ledger.observe(now, "eta_missing", f"HTTP {r.status_code}: {detail_of(r)}",
                                booking_id=ride.booking_id, vehicle_id=ride.vehicle_id)
            return
        body = r.json()
        reading = EtaReading(now, datetime.fromisoformat(body["eta"]), str(body.get("basis", "")),
                             str(body.get("target", "")), str(body.get("vehicle_id", "")),
                             int(body.get("stops_before", -1)))
        ride.etas.append(reading)
        if reading.target == "pickup" and reading.eta < ride.window[0]:
            self.ledger.observe(now, "eta_before_window",
                                f"ETA {reading.eta:%H:%M} before the promised window {ride.window[0]:%H:%M}–"
                                f"{ride.window[1]:%H:%M} ({reading.basis or 'basis not given'})",
                                booking_id=ride.booking_id, vehicle_id=str(body.get("vehicle_id")))

    # -- the end ----------------------------------------------------------------------------------------------------
    def reconcile(self) -> None:
        """Read every booking's final state from the service; where it differs from what the actors saw, the
        service's word counts and the difference is recorded."""
        token = self.dispatcher_token()
        for ride in self.ledger.rides:
            if ride.booking_id is None:
                continue
            r = self.api.call("GET", f"/bookings/{ride.booking_id}", token=token, who="leitstelle")
            if r.status_code != 200:
                continue
            body = r.json()
            ride.state = str(body["state"])
            outcome = SERVICE_OUTCOMES.get(ride.state, Outcome.BOOKED)
            reason = str(body.get("state_reason") or "")
            if ride.state == "CANCELLED" and reason == "no_show":
                outcome = Outcome.NO_SHOW
            if outcome is not ride.outcome:
                self.ledger.observe(self._now(), "state_differs",
                                    f"the rehearsal saw {ride.outcome}, the service says {ride.state} ({reason})",
                                    booking_id=ride.booking_id, vehicle_id=str(body.get("vehicle_id")))
                ride.outcome = outcome
            if outcome is Outcome.LOST:
                ride.reason = ride.reason or reason
