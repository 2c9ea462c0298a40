"""No personal data or secret in any log line of a run — sign-up, sign-in (wrong passwords too), refresh, profile,
export, offers, bookings, a phone booking, staff reads, bad input, database errors forced by a missing table,
retention and erasure — with SQLAlchemy's own logging at DEBUG; a 5xx answer's reference is in the log."""

from __future__ import annotations

import sqlalchemy as sa

from tests.booking.conftest import BERNBURG_HBF, STASSFURT_BF, Env, EnvFactory, ride
from tests.booking.logscan import Capture, capture_logs

NAME, CALLER = "Erika Mustermann", "Otto Normalverbraucher"
PHONES = ("+49 3471 123456", "03471 654321", "+49 171 2345678")
SECRET_PASSWORD = "Sicheres-Passwort-7"


def _rename(env: Env, old: str, new: str) -> None:
    with env.parts.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {old} RENAME TO {new}"))


def test_the_scanner_finds_what_it_looks_for() -> None:
    """The scanner itself: a hash, a token and a phone number are found; ordinary lines are not."""
    lines = ["x $argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA", "Bearer eyJhbGciOiJI.eyJzdWIiOiIx.sig",
             "caller +49 3471 123456", "call 03471 654321", "2026-11-23 07:00:00,123 INFO booking 8010043 ok"]
    assert len(Capture(lines).findings()) == 4


def test_no_secret_or_personal_data_in_the_logs(any_env_factory: EnvFactory) -> None:
    """Every record of the run, formatted with its traceback, holds no argon2 hash, JWT, refresh token, password,
    phone number or name."""
    env = any_env_factory()
    c = env.client
    tokens: list[str] = []
    with capture_logs() as cap:
        r = c.post("/api/v1/auth/register", json={"username": "erika.m", "password": SECRET_PASSWORD,
                                                  "display_name": NAME, "phone": PHONES[0]})
        assert r.status_code == 201, r.text
        for wrong in ("falsches-passwort-1", "falsches-passwort-2"):
            assert c.post("/api/v1/auth/token", data={"username": "erika.m", "password": wrong}).status_code == 401
        grant = c.post("/api/v1/auth/token", data={"username": "erika.m", "password": SECRET_PASSWORD}).json()
        grant = c.post("/api/v1/auth/refresh", json={"refresh_token": grant["refresh_token"]}).json()
        tokens += [grant["access_token"], grant["refresh_token"]]
        me = {"Authorization": f"Bearer {grant['access_token']}"}
        assert c.patch("/api/v1/me", json={"phone": PHONES[1]}, headers=me).status_code == 200
        assert c.get("/api/v1/me/export", headers=me).status_code == 200
        offer = c.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF), headers=me).json()
        booked = c.post("/api/v1/bookings", json={"offer_id": offer["id"]}, headers={**me, "Idempotency-Key": "k1"})
        assert booked.status_code == 201, booked.text
        staff = env.user("leitstelle", "dispatcher")
        phone = c.post("/api/v1/dispatch/bookings", headers=staff, json={
            "caller_name": CALLER, "caller_phone": PHONES[2], "request": ride(STASSFURT_BF, BERNBURG_HBF, 40)})
        assert phone.status_code == 201, phone.text
        assert c.get("/api/v1/bookings", headers=staff).status_code == 200
        assert c.post("/api/v1/auth/register", json={"username": "x.y", "password": SECRET_PASSWORD,
                                                     "display_name": "Max\x00Muster"}).status_code == 422
        _rename(env, "users", "users_away")  # the database refuses: the failures are logged, values never
        broken = c.post("/api/v1/auth/register", json={"username": "otto.n", "password": SECRET_PASSWORD,
                                                       "display_name": CALLER, "phone": PHONES[2]})
        refused = c.post("/api/v1/auth/token", data={"username": "erika.m", "password": SECRET_PASSWORD})
        _rename(env, "users_away", "users")
        env.flush()
        env.parts.services.privacy.purge()
        assert c.post("/api/v1/bookings/" + booked.json()["id"] + "/cancel", headers=me).status_code == 200
        assert c.request("DELETE", "/api/v1/me", json={"password": SECRET_PASSWORD}, headers=me).status_code == 204
    for answer in (broken, refused):
        assert answer.status_code in (500, 503), answer.text
        reference = answer.json()["reference"]
        assert any(reference in line for line in cap.lines)  # the answer's id leads to the log line
    assert any("INSERT INTO users" in line for line in cap.lines)  # SQL logging was on: the scan saw it
    findings = cap.findings([NAME, CALLER, "Mustermann", "Normalverbraucher", SECRET_PASSWORD, *PHONES, *tokens])
    assert findings == [], "\n".join(findings[:10])
