"""Riders are told: a lost or delayed ride gives a notice in plain German (reason, what to do, the Leitstelle's number)
on the page and by the channel the rider chose — e-mail to a real local SMTP server, SMS to the log — sent off the
request path and retried until accepted."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from booking.notify.email import SmtpMailer
from booking.notify.sms import LoggingSms
from booking.service.notice_worker import NoticeWorker, retry_after
from booking.store.notices import RiderNoticeRow
from tests.booking.conftest import (
    BERNBURG_HBF,
    BERNBURG_KALISTR,
    PASSWORD,
    T0,
    Env,
    EnvFactory,
    ride,
    two_minibuses,
)
from tests.booking.test_offers import problem
from tests.mailbox import Mailbox

PHONE = "03471 684 0"
ISO = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"


@dataclasses.dataclass
class Riders:
    env: Env
    worker: NoticeWorker
    sms: LoggingSms
    mailbox: Mailbox

    def rows(self, customer_id: str | None = None) -> list[RiderNoticeRow]:
        with self.env.parts.services.sessions() as session:
            stmt = sa.select(RiderNoticeRow).order_by(RiderNoticeRow.id)
            if customer_id is not None:
                stmt = stmt.where(RiderNoticeRow.customer_id == customer_id)
            return list(session.scalars(stmt))


def riders_of(env: Env, mailbox: Mailbox) -> Riders:
    """The app's notice worker on ``env``, stopped and driven by hand (e-mail to ``mailbox``, SMS to the log)."""
    worker: NoticeWorker = env.app.state.notice_worker
    worker.stop()
    sms = LoggingSms()
    worker.channels = {"email": SmtpMailer("127.0.0.1", mailbox.port, timeout_s=5), "sms": sms}
    env.app.state.notice_channels = tuple(worker.channels)
    return Riders(env, worker, sms, mailbox)


def notices_env(factory: EnvFactory, **kwargs: Any) -> Env:
    return factory(control_room_phone=PHONE, **kwargs)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with Mailbox() as box:
        yield box


def one_bus() -> list[Any]:
    return two_minibuses()[:1]


def book(env: Env, headers: dict[str, str], **extra: object) -> dict[str, Any]:
    offer = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, BERNBURG_KALISTR, 30, **extra), headers=headers)
    assert offer.status_code == 201, offer.text
    booking = env.client.post("/api/v1/bookings", json={"offer_id": offer.json()["id"]}, headers=headers)
    assert booking.status_code == 201, booking.text
    result: dict[str, Any] = booking.json()
    return result


def test_a_lost_ride_is_told_by_email_with_reason_what_to_do_and_the_phone(any_env_factory: EnvFactory,
                                                                          mailbox: Mailbox) -> None:
    """Out of service with no other bus: the rider's notice names reason, next step and the Leitstelle's number;
    it reaches the SMTP server once, is marked sent, and the page lists it."""
    env = notices_env(any_env_factory, fleet=one_bus())
    r = riders_of(env, mailbox)
    rider = env.user("erna")
    me = env.client.put("/api/v1/me/notifications", json={"channel": "email", "email": "erna@example.org"},
                        headers=rider)
    assert me.status_code == 200, me.text
    assert me.json()["channel"] == "email"
    booking = book(env, rider)
    staff = env.user("disponent", "dispatcher")
    assert env.client.post("/api/v1/dispatch/vehicles/bbg-1/out-of-service", headers=staff).status_code == 200

    [notice] = r.rows()
    assert (notice.kind, notice.booking_id, notice.channel, notice.status) == ("lost", booking["id"], "email",
                                                                               "pending")
    assert "Grund: Das Fahrzeug, das Sie abholen sollte, ist ausgefallen" in notice.body
    assert "neue Fahrt" in notice.body
    assert PHONE in notice.body
    assert "Bernburg Hbf" in notice.body
    assert "Mo 23.11." in notice.subject  # German dates, never ISO
    assert not re.search(ISO, notice.body + notice.subject)

    assert r.worker.send_due() == 1
    [(to, message)] = mailbox.wait_for(1)
    assert to == ["erna@example.org"]
    assert message["Subject"] == notice.subject
    assert PHONE in message.get_content()
    assert r.worker.send_due() == 0  # sent once, not again
    [sent] = r.rows()
    assert sent.status == "sent"
    assert sent.sent_at == T0

    inbox = env.client.get("/api/v1/me/notices", headers=rider).json()
    assert [n["kind"] for n in inbox] == ["lost"]
    assert inbox[0]["created_label"] == "Mo 23.11., 08:00 Uhr"
    assert env.client.post(f"/api/v1/me/notices/{inbox[0]['id']}/seen", headers=rider).status_code == 204
    assert env.client.get("/api/v1/me/notices", headers=rider).json()[0]["seen"] is True
    other = env.user("fritz")
    assert env.client.get("/api/v1/me/notices", headers=other).json() == []
    problem(env.client.post(f"/api/v1/me/notices/{inbox[0]['id']}/seen", headers=other), 404)


def test_a_notice_is_kept_and_retried_until_the_mail_server_takes_it(any_env_factory: EnvFactory) -> None:
    """The SMTP server is down: the notice stays pending with the error and a later attempt; once the server is up
    and the time has come, it is sent — nothing is lost."""
    env = notices_env(any_env_factory, fleet=one_bus())
    down = Mailbox()  # not started yet
    r = riders_of(env, down)
    rider = env.user("erna")
    env.client.put("/api/v1/me/notifications", json={"channel": "email", "email": "erna@example.org"}, headers=rider)
    book(env, rider)
    env.client.post("/api/v1/dispatch/vehicles/bbg-1/out-of-service", headers=env.user("d", "dispatcher"))

    assert r.worker.send_due() == 0
    [notice] = r.rows()
    assert (notice.status, notice.attempts) == ("pending", 1)
    assert notice.last_error
    assert "Connection" in notice.last_error
    assert notice.next_attempt_at == T0 + retry_after(1)
    assert r.worker.send_due() == 0  # not before its time
    assert r.rows()[0].attempts == 1

    with down:
        env.clock.advance(retry_after(1).total_seconds())
        assert r.worker.send_due() == 1
        down.wait_for(1)
    assert r.rows()[0].status == "sent"
    assert r.rows()[0].attempts == 2
    assert retry_after(20) == timedelta(hours=1)


def test_sms_goes_to_the_phone_given_and_page_only_sends_nothing(any_env_factory: EnvFactory, mailbox: Mailbox,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """SMS reaches the SMS port (logged) at the rider's number; a rider who chose the page only gets no message
    but the notice on the page."""
    env = notices_env(any_env_factory, fleet=one_bus())
    r = riders_of(env, mailbox)
    texter = env.user("karl")
    reader = env.user("lotte")
    assert env.client.put("/api/v1/me/notifications", json={"channel": "sms", "phone": "0171 234567"},
                          headers=texter).status_code == 200
    book(env, texter)
    book(env, reader, passengers=2)
    with caplog.at_level(logging.INFO, logger="booking.notify.sms"):
        env.client.post("/api/v1/dispatch/vehicles/bbg-1/out-of-service", headers=env.user("d", "dispatcher"))
        assert r.worker.send_due() == 1
    assert [n.status for n in r.rows()] == ["sent", "page_only"] or [n.status for n in r.rows()] == ["page_only",
                                                                                                      "sent"]
    [(number, text)] = r.sms.sent
    assert number == "0171 234567"
    assert PHONE in text
    assert any(rec.getMessage().startswith("SMS an …67") for rec in caplog.records)  # the log: no number, no text
    assert not any("234567" in rec.getMessage() or PHONE in rec.getMessage() for rec in caplog.records)
    assert mailbox.messages == []
    assert len(env.client.get("/api/v1/me/notices", headers=reader).json()) == 1


def test_the_rider_chooses_the_channel_and_is_told_what_is_missing(any_env_factory: EnvFactory,
                                                                   mailbox: Mailbox) -> None:
    """E-mail needs an address, SMS a phone number: 422 problems in German naming the field; the choice is stored
    and a new phone number reaches the account (and so the driver's manifest)."""
    env = notices_env(any_env_factory)
    riders_of(env, mailbox)
    env.parts.services.accounts.add("anna", PASSWORD, "resident", "Anna")
    rider = env.login("anna")
    start = env.client.get("/api/v1/me/notifications", headers=rider).json()
    assert start["channel"] == "none"
    assert set(start["channels"]) == {"email", "sms", "none"}
    assert start["control_room_phone"] == PHONE
    no_mail = problem(env.client.put("/api/v1/me/notifications", json={"channel": "email"}, headers=rider), 422)
    assert no_mail["field"] == "email"
    assert "E-Mail-Adresse" in no_mail["detail"]
    bad = problem(env.client.put("/api/v1/me/notifications", json={"channel": "email", "email": "anna-at-home"},
                                 headers=rider), 422)
    assert "keine E-Mail-Adresse" in bad["detail"]
    no_phone = problem(env.client.put("/api/v1/me/notifications", json={"channel": "sms"}, headers=rider), 422)
    assert no_phone["field"] == "phone"
    ok = env.client.put("/api/v1/me/notifications", json={"channel": "sms", "phone": "0171 99 88 77"}, headers=rider)
    assert ok.json()["channel"] == "sms"
    assert env.client.get("/api/v1/me/notifications", headers=rider).json()["phone"] == "0171 99 88 77"
    problem(env.client.get("/api/v1/me/notifications"), 401)
    driver = env.user("fahrer", "driver", vehicle_id="bbg-1")
    problem(env.client.get("/api/v1/me/notifications", headers=driver), 403)


def test_a_vehicle_far_behind_its_window_tells_the_rider_once(any_env_factory: EnvFactory, mailbox: Mailbox) -> None:
    """The duty is under way and the bus reports a position half an hour away just before the window closes: the
    rider is told the expected time; looking again tells nothing new."""
    env = notices_env(any_env_factory, fleet=one_bus())
    r = riders_of(env, mailbox)
    rider = env.user("erna")
    booking = book(env, rider)
    driver = env.user("fahrer", "driver", vehicle_id="bbg-1")
    begun = env.client.post("/api/v1/driver/events", json={"type": "duty_begin"}, headers=driver)
    assert begun.status_code == 200, begun.text
    assert r.worker.check_delays() == 0  # on time
    latest = datetime.fromisoformat(booking["pickup_window"]["latest"])
    env.clock.advance((latest - timedelta(minutes=5) - env.clock.now()).total_seconds())
    far = env.client.post("/api/v1/driver/position", json={"lon": 11.58508, "lat": 51.85186}, headers=driver)
    assert far.status_code == 202, far.text
    assert r.worker.check_delays() == 1
    assert r.worker.check_delays() == 0
    [notice] = r.rows()
    assert notice.kind == "delayed"
    assert "Rufbus verspätet sich: Abholung gegen" in notice.subject
    assert PHONE in notice.body


def test_phone_given_at_registration_reaches_the_driver(any_env_factory: EnvFactory) -> None:
    """A resident registers with a phone number and books: the driver's manifest lists the rider with that number."""
    env = any_env_factory()
    made = env.client.post("/api/v1/auth/register", json={"username": "berta", "password": PASSWORD,
                                                           "display_name": "Berta Beispiel", "phone": "0151 1234567"})
    assert made.status_code == 201, made.text
    booking = book(env, env.login("berta"))
    driver = env.user("fahrer", "driver", vehicle_id=booking["vehicle_id"])
    manifest = env.client.get("/api/v1/driver/manifest", headers=driver).json()
    riders = [p for stop in manifest["stops"] for p in stop["board"]]
    assert [(p["name"], p["phone"]) for p in riders] == [("Berta Beispiel", "0151 1234567")]
