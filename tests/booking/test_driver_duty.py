"""A driver's whole shift through the API on both stores: the manifest of the current duty after every step,
the date of a duty not begun, no break of another day, and events that cannot be true refused without a change."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from mobility.domain.fleet import Break, Shift, Vehicle
from tests.booking.conftest import BERNBURG, BERNBURG_HBF, MINIBUS, STASSFURT, STASSFURT_BF, T0, Env, EnvFactory, ride
from tests.booking.test_dispatch import _book
from tests.booking.test_offers import problem

#: The day shift of the tests: 07:00–15:00 Berlin with a 30-minute break starting 10:00–10:30.
SHIFT_START = T0 - timedelta(hours=1)


def day_shift(days: int, start: datetime = SHIFT_START, hours: float = 8) -> Shift:
    """The shift ``days`` after the test day (negative: before), with its break three hours in."""
    begin = start + timedelta(days=days)
    pause = Break(begin + timedelta(hours=3), begin + timedelta(hours=3, minutes=30), 1800)
    return Shift(begin, begin + timedelta(hours=hours), pause)


def three_days() -> list[Vehicle]:
    """Two minibuses with a shift (and break) yesterday, today and tomorrow."""
    shifts = (day_shift(-1), day_shift(0), day_shift(1))
    return [Vehicle("bbg-1", "Bernburg 1", MINIBUS, BERNBURG, "Bernburg", shifts),
            Vehicle("sft-1", "Staßfurt 1", MINIBUS, STASSFURT, "Staßfurt", shifts)]


def manifest(env: Env, driver: dict[str, str]) -> dict[str, Any]:
    r = env.client.get("/api/v1/driver/manifest", headers=driver)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def event(env: Env, driver: dict[str, str], kind: str, **extra: str) -> dict[str, Any]:
    """Post a driver event that must succeed; the answer with its manifest."""
    r = env.client.post("/api/v1/driver/events", json={"type": kind, **extra}, headers=driver)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["type"] == kind
    return body


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def advance_to(env: Env, when: datetime) -> None:
    env.clock.advance(max(0.0, (when - env.clock.now()).total_seconds()))


def logged(env: Env, vehicle_id: str) -> list[str]:
    """The types of the driver events logged for ``vehicle_id`` in order (booking_… events left out)."""
    with env.parts.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT type FROM events WHERE vehicle_id = :v ORDER BY id"), {"v": vehicle_id})
        return [r[0] for r in rows if not r[0].startswith("booking_")]


def days_of(m: dict[str, Any]) -> set[str]:
    return {s["planned_arrival"][:10] for s in m["stops"]}


def test_a_whole_shift_through_the_api(any_env_factory: EnvFactory) -> None:
    """Begin duty, arrive, board, arrive, drop off, begin and end the break, end duty: each answer carries the
    manifest of the current duty as it now stands, and the log holds each step once, in order."""
    env = any_env_factory(fleet=three_days())
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    assert booking["vehicle_id"] == "bbg-1"
    driver = env.user("fahrer", "driver", vehicle_id="bbg-1")

    m = manifest(env, driver)
    assert m["duty"]["id"] == "bbg-1-20261123-0700"
    assert (m["duty"]["status"], m["duty"]["label"]) == ("planned", "Dienstbeginn 07:00, Mo 23.11.")
    assert m["actions"] == ["duty_begin"]
    assert [(s["kind"], s["name"]) for s in m["stops"]] == [("stop", "Bernburg Hbf"), ("stop", "Staßfurt"),
                                                            ("break", "Pause")]
    assert days_of(m) == {"2026-11-23"}  # nothing of yesterday's or tomorrow's duty
    pause = m["stops"][2]["break"]
    assert pause["minutes"] == 30
    assert "10:00" <= pause["planned_start"][11:16] <= "10:30"
    rider = m["stops"][0]["board"][0]
    assert (rider["booking_id"], rider["name"], rider["state"]) == (booking["id"], "Erika", "CONFIRMED")
    assert at(rider["no_show_from"]) == max(at(rider["window"]["earliest"]), at(m["stops"][0]["planned_arrival"])) \
        + timedelta(seconds=env.parts.services.ctx.options.no_show_wait_s)
    assert m["overdue"] == 0

    m = event(env, driver, "duty_begin")["manifest"]
    assert (m["duty"]["status"], at(m["duty"]["began_at"])) == ("under_way", T0)
    assert m["duty"]["label"] == "Im Dienst seit 08:00, Mo 23.11."
    assert m["actions"] == []  # a ride ahead: no break, no end yet

    advance_to(env, at(booking["pickup_window"]["earliest"]))
    m = event(env, driver, "arrived", stop_id=BERNBURG_HBF)["manifest"]
    assert (m["stops"][0]["stop_id"], m["stops"][0]["status"]) == (BERNBURG_HBF, "arrived")

    answer = event(env, driver, "boarded", booking_id=booking["id"], stop_id=BERNBURG_HBF)
    assert answer["booking"]["state"] == "STARTED"
    m = answer["manifest"]
    assert [s["name"] for s in m["stops"]] == ["Staßfurt", "Pause"]
    assert m["stops"][0]["alight"][0]["state"] == "STARTED"
    assert m["stops"][0]["load_after"]["seats"] == 0

    env.clock.advance(25 * 60)
    event(env, driver, "arrived", stop_id=STASSFURT_BF)
    answer = event(env, driver, "dropped_off", booking_id=booking["id"], stop_id=STASSFURT_BF)
    assert answer["booking"]["state"] == "FINISHED"
    m = answer["manifest"]
    assert [s["kind"] for s in m["stops"]] == ["break"]
    assert m["actions"] == []  # the break cannot begin yet (its window opens at 10:00), the shift runs until 15:00
    refused(env, driver, 409, "Leitstelle", type="duty_end")  # nothing left, but hours before the shift ends

    advance_to(env, at(m["stops"][0]["break"]["begin_from"]))
    m = manifest(env, driver)
    assert m["actions"] == ["break_begin"]
    m = event(env, driver, "break_begin")["manifest"]
    assert at(m["duty"]["on_break_since"]) == env.clock.now()
    assert m["duty"]["label"].startswith("Pause seit ")
    assert m["actions"] == ["break_end"]
    assert (m["stops"][0]["kind"], m["stops"][0]["status"]) == ("break", "arrived")

    env.clock.advance(20 * 60)
    m = event(env, driver, "break_end")["manifest"]
    assert (m["duty"]["on_break_since"], m["stops"], m["actions"]) == (None, [], [])
    assert at(m["duty"]["end_from"]) == at(m["duty"]["end"]) - timedelta(minutes=30)

    advance_to(env, at(m["duty"]["end_from"]))
    assert manifest(env, driver)["actions"] == ["duty_end"]

    m = event(env, driver, "duty_end")["manifest"]
    assert m["duty"]["id"] == "bbg-1-20261124-0700"  # tomorrow's duty, not begun, with its date
    assert (m["duty"]["status"], m["duty"]["label"]) == ("planned", "Dienstbeginn 07:00, Di 24.11.")
    assert m["actions"] == []
    assert days_of(m) == {"2026-11-24"}
    stale = {"type": "duty_end", "duty_id": "bbg-1-20261123-0700"}  # pressed again on a screen not yet updated
    refused(env, driver, 409, "nicht mehr aktuell", **stale)
    assert logged(env, "bbg-1") == ["duty_started", "vehicle_arrived", "passenger_boarded", "vehicle_arrived",
                                    "passenger_dropped_off", "break_started", "break_ended", "duty_ended"]


def test_a_duty_not_begun_shows_its_date_and_cannot_begin_early(any_env_factory: EnvFactory) -> None:
    """When today's early shift is over, the manifest is tomorrow's 05:30 duty labelled with its date; beginning it
    now (a day early) is a German 409 and changes nothing; no break of today's shift is shown."""
    early = T0.replace(hour=3)  # 04:00 Berlin
    shifts = (Shift(early, early + timedelta(hours=3, minutes=30),
                    Break(early + timedelta(hours=1), early + timedelta(hours=2), 900)),
              day_shift(1, start=T0.replace(hour=4, minute=30)))
    env = any_env_factory(fleet=[Vehicle("bbg-1", "Bernburg 1", MINIBUS, BERNBURG, "Bernburg", shifts)])
    driver = env.user("fahrer", "driver", vehicle_id="bbg-1")
    m = manifest(env, driver)
    assert m["duty"]["id"] == "bbg-1-20261124-0530"
    assert m["duty"]["label"] == "Dienstbeginn 05:30, Di 24.11."
    assert m["duty"]["begin_from"] == "2026-11-24T04:30:00+01:00"
    assert m["actions"] == []
    assert [s["kind"] for s in m["stops"]] == ["break"]
    assert days_of(m) == {"2026-11-24"}
    before = logged(env, "bbg-1")
    refused = problem(env.client.post("/api/v1/driver/events", json={"type": "duty_begin"}, headers=driver), 409)
    assert "Di 24.11., 05:30 Uhr" in refused["detail"]
    assert manifest(env, driver) == m
    assert logged(env, "bbg-1") == before


def test_no_break_of_yesterday_is_shown(make_env: EnvFactory) -> None:
    """Yesterday's duty was never driven: its break (and nothing else of it) is not in today's manifest, whose
    first entry is today's ride."""
    env = make_env(fleet=three_days())
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    m = manifest(env, driver)
    assert m["duty"]["day"] == "2026-11-23"
    assert m["stops"][0]["board"][0]["booking_id"] == booking["id"]
    assert days_of(m) == {"2026-11-23"}
    assert sum(s["kind"] == "break" for s in m["stops"]) == 1


def refused(env: Env, driver: dict[str, str], status: int, words: str, **body: str) -> None:
    """The event is refused with ``status`` and a German detail holding ``words``; manifest and log unchanged."""
    m, count = manifest(env, driver), env.scalar("SELECT count(*) FROM events")
    r = env.client.post("/api/v1/driver/events", json=body, headers=driver)
    assert words in problem(r, status)["detail"], r.text
    assert manifest(env, driver) == m
    assert env.scalar("SELECT count(*) FROM events") == count


def test_events_that_cannot_be_true_are_refused_and_change_nothing(any_env_factory: EnvFactory) -> None:
    """Boarding two hours early, dropping off before boarding, ending the duty with rides ahead, ending a break
    not begun, a break with a rider on board, another vehicle's booking: German 4xx, nothing changed."""
    env = any_env_factory(fleet=three_days())
    resident = env.user("erika")
    later = _book(env, resident, BERNBURG_HBF, STASSFURT_BF, 120)
    mine = later["vehicle_id"]
    driver = env.user("fahrer", "driver", vehicle_id=mine)
    refused(env, driver, 409, "erst kurz vor dem Abholfenster", type="boarded", booking_id=later["id"])
    refused(env, driver, 409, "noch nicht eingestiegen", type="dropped_off", booking_id=later["id"])
    refused(env, driver, 409, "noch nicht beendet", type="duty_end")
    refused(env, driver, 409, "keine Pause", type="break_end")
    refused(env, driver, 422, "Dienst", type="duty_begin", booking_id=later["id"])
    other = env.user("fahrer2", "driver", vehicle_id="sft-1" if mine == "bbg-1" else "bbg-1")
    r = env.client.post("/api/v1/driver/events", json={"type": "boarded", "booking_id": later["id"]}, headers=other)
    assert "nicht zu Ihrem Fahrzeug" in problem(r, 403)["detail"]
    assert env.scalar("SELECT state FROM bookings") == "CONFIRMED"

    advance_to(env, at(later["pickup_window"]["earliest"]))
    event(env, driver, "arrived", stop_id=BERNBURG_HBF)
    event(env, driver, "boarded", booking_id=later["id"])
    refused(env, driver, 409, "an Bord", type="break_begin")
    refused(env, driver, 409, "noch nicht beendet", type="duty_end")
    refused(env, driver, 422, "type", type="teleported")


def test_rider_names_and_phones_are_people_never_account_ids(env: Env) -> None:
    """A phone booking shows the caller's name and number, an app booking the account's display name and phone;
    never a customer id."""
    env.parts.services.accounts.add("paula", "geheim-1234", "resident", "Paula Beispiel", phone="03471 12345")
    paula = env.login("paula")
    app = _book(env, paula, BERNBURG_HBF, STASSFURT_BF, 20)
    staff = env.user("leitstelle", "dispatcher")
    body = {"caller_name": "Hans Anrufer", "caller_phone": "03925 987654",
            "request": ride(BERNBURG_HBF, STASSFURT_BF, 25)}
    r = env.client.post("/api/v1/dispatch/bookings", json=body, headers=staff)
    assert r.status_code == 201, r.text
    phone = r.json()["booking"]
    assert phone["vehicle_id"] == app["vehicle_id"]
    driver = env.user("fahrer", "driver", vehicle_id=app["vehicle_id"])
    riders = {p["booking_id"]: p for s in manifest(env, driver)["stops"] for p in s["board"]}
    assert (riders[app["id"]]["name"], riders[app["id"]]["phone"]) == ("Paula Beispiel", "03471 12345")
    assert (riders[phone["id"]]["name"], riders[phone["id"]]["phone"]) == ("Hans Anrufer", "03925 987654")
    ids = {app["customer_id"], phone["customer_id"]}
    assert not ids & {p["name"] for p in riders.values()}


def test_a_stop_whose_time_passed_without_an_event_is_overdue(env: Env) -> None:
    """Five minutes after a stop's planned departure without a driver event it is overdue (and counted); the stop
    after it, still ahead in time, is not."""
    booking = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    first = manifest(env, driver)["stops"][0]
    assert first["overdue"] is False
    advance_to(env, at(first["planned_departure"]) + timedelta(minutes=4))
    assert manifest(env, driver)["overdue"] == 0
    env.clock.advance(2 * 60)
    m = manifest(env, driver)
    assert [s["overdue"] for s in m["stops"]] == [True, False]
    assert m["overdue"] == 1


def test_two_riders_at_one_stop_and_no_show_from_as_the_server_rules(any_env_factory: EnvFactory) -> None:
    """Two parties board at one stop: one entry, one 'arrived'; after the first boards the stop stays arrived for the
    second. The second's no-show is refused a second before the manifest's ``no_show_from`` and taken at it."""
    env = any_env_factory(fleet=three_days())
    first = _book(env, env.user("erika"), BERNBURG_HBF, STASSFURT_BF, 20)
    second = _book(env, env.user("paul"), BERNBURG_HBF, STASSFURT_BF, 20)
    assert first["vehicle_id"] == second["vehicle_id"]
    driver = env.user("fahrer", "driver", vehicle_id=first["vehicle_id"])
    m = manifest(env, driver)
    assert (m["stops"][0]["stop_id"], len(m["stops"][0]["board"])) == (BERNBURG_HBF, 2)
    event(env, driver, "duty_begin")
    advance_to(env, at(first["pickup_window"]["earliest"]))
    event(env, driver, "arrived", stop_id=BERNBURG_HBF)
    m = event(env, driver, "boarded", booking_id=first["id"])["manifest"]
    stop = m["stops"][0]
    assert (stop["stop_id"], stop["status"]) == (BERNBURG_HBF, "arrived")
    assert [r["booking_id"] for r in stop["board"]] == [second["id"]]
    no_show_from = at(stop["board"][0]["no_show_from"])
    advance_to(env, no_show_from - timedelta(seconds=1))
    r = env.client.post("/api/v1/driver/events", json={"type": "no_show", "booking_id": second["id"]}, headers=driver)
    assert "Nichterscheinen kann erst ab" in problem(r, 409)["detail"]
    env.clock.advance(1)
    answer = event(env, driver, "no_show", booking_id=second["id"])
    assert answer["booking"]["state"] == "CANCELLED"
    assert [s["name"] for s in answer["manifest"]["stops"]][:1] == ["Staßfurt"]
