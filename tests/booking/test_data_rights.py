"""Riders' data rights (DSGVO Art. 15, 16, 17, 20), retention and the access log, on SQLite and PostGIS."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from typer.testing import CliRunner

from booking.store.events import replay_log
from mobility.cli import app as cli
from tests.booking.conftest import BERNBURG_HBF, PASSWORD, STASSFURT_BF, Env, EnvFactory, ride

PHONE, NAME = "+49 3471 998877", "Erika Mustermann"
POINT = [11.7421, 51.7952]  # a front door near Bernburg Hbf, not a stop


def _rider(env: Env) -> tuple[dict[str, str], str]:
    user = env.parts.services.accounts.add("erika.m", PASSWORD, "resident", NAME, phone=PHONE)
    return env.login("erika.m"), user.id


def _book_from_home(env: Env, headers: dict[str, str], minutes: int = 20) -> dict[str, Any]:
    body = {"origin": {"coordinates": POINT}, "destination": {"stop_id": STASSFURT_BF},
            "departure": ride(BERNBURG_HBF, STASSFURT_BF, minutes)["departure"]}
    offer = env.client.post("/api/v1/offers", json=body, headers=headers)
    assert offer.status_code == 201, offer.text
    booked = env.client.post("/api/v1/bookings", json={"offer_id": offer.json()["id"]}, headers=headers)
    assert booked.status_code == 201, booked.text
    result: dict[str, Any] = booked.json()
    return result


def _everything(env: Env, only: tuple[str, ...] = ()) -> str:
    """Every row of every table of the service (or of ``only``), as text."""
    engine = env.parts.engine
    inspector = sa.inspect(engine)  # before the connection: SQLite has one
    tables = {name: [c["name"] for c in inspector.get_columns(name) if not c["name"].endswith("geom")]
              for name in inspector.get_table_names()
              if name not in ("spatial_ref_sys", "alembic_version", "stops") and (not only or name in only)}
    out = []
    with engine.connect() as conn:
        for name, cols in tables.items():
            quoted = ", ".join(f'"{c}"' for c in cols)
            out += [repr(tuple(row)) for row in conn.execute(sa.text(f'SELECT {quoted} FROM "{name}"'))]
    return "\n".join(out)


def test_a_rider_sees_corrects_and_exports_their_data(any_env_factory: EnvFactory) -> None:
    """GET /me shows what is stored, PATCH corrects name and phone (null removes it); the export is JSON with the
    account, the bookings with the exact points asked for, the log entries and when staff read the data."""
    env = any_env_factory()
    me, user_id = _rider(env)
    booking = _book_from_home(env, me)
    profile = env.client.get("/api/v1/me", headers=me).json()
    assert (profile["display_name"], profile["phone"]) == (NAME, PHONE)
    fixed = env.client.patch("/api/v1/me", json={"display_name": "Erika M."}, headers=me).json()
    assert (fixed["display_name"], fixed["phone"]) == ("Erika M.", PHONE)
    assert env.client.patch("/api/v1/me", json={"phone": None}, headers=me).json()["phone"] is None
    staff = env.user("leitstelle", "dispatcher")
    assert env.client.get(f"/api/v1/bookings/{booking['id']}", headers=staff).status_code == 200
    r = env.client.get("/api/v1/me/export?download=true", headers=me)
    assert r.status_code == 200
    assert "attachment" in r.headers["Content-Disposition"]
    data = r.json()
    assert data["account"]["id"] == user_id
    assert [b["id"] for b in data["bookings"]] == [booking["id"]]
    assert data["bookings"][0]["requested_origin"] == POINT
    assert {e["type"] for e in data["events"]} >= {"booking_created", "booking_confirmed"}
    assert data["accessed_by_staff"][0]["role"] == "dispatcher"
    assert data["accessed_by_staff"][0]["booking_id"] == booking["id"]
    assert data["sign_ins"]


def test_staff_access_to_rider_data_is_logged(any_env_factory: EnvFactory) -> None:
    """A dispatcher listing bookings or reading one leaves one access-log row per rider; a rider reading their own
    leaves none; admins read the log."""
    env = any_env_factory()
    me, user_id = _rider(env)
    booking = _book_from_home(env, me)
    assert env.client.get(f"/api/v1/bookings/{booking['id']}", headers=me).status_code == 200
    assert env.scalar("SELECT count(*) FROM access_log") == 0
    staff = env.user("leitstelle", "dispatcher")
    env.client.get("/api/v1/bookings", headers=staff)
    env.client.get(f"/api/v1/bookings/{booking['id']}", headers=staff)
    assert env.scalar(f"SELECT count(*) FROM access_log WHERE subject = '{user_id}'") == 2
    assert env.client.get("/api/v1/dispatch/access-log", headers=staff).status_code == 403
    log = env.client.get("/api/v1/dispatch/access-log", headers=env.user("chefin", "admin")).json()
    assert {(e["action"], e["actor_role"]) for e in log} == {("bookings.list", "dispatcher"),
                                                            ("booking.read", "dispatcher")}


def test_deleting_the_account_pseudonymises_everything(any_env_factory: EnvFactory) -> None:
    """DELETE /me (with the password): the future ride is cancelled, the account and its sign-ins are gone, no row
    of any table holds the rider's id, name, phone or the exact point; the log keeps its entries (pseudonymised,
    marked) and still rebuilds the bookings; the tombstone is recorded."""
    env = any_env_factory()
    me, user_id = _rider(env)
    booking = _book_from_home(env, me)
    env.flush()
    assert env.client.request("DELETE", "/api/v1/me", json={"password": "falsch-falsch"}, headers=me).status_code \
        == 403
    entries = env.scalar("SELECT count(*) FROM events")
    r = env.client.request("DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=me)
    assert r.status_code == 204, r.text
    assert env.client.get("/api/v1/me", headers=me).status_code == 401
    everything = _everything(env)
    for secret in (user_id, NAME, PHONE, "erika.m", str(POINT[0]), str(POINT[1])):
        assert secret not in everything, secret
    assert env.scalar("SELECT count(*) FROM events") >= entries  # nothing deleted from the log
    tomb = str(env.scalar(f"SELECT customer_id FROM bookings WHERE id = '{booking['id']}'"))
    assert tomb.startswith("erased-")
    assert env.scalar(f"SELECT state FROM bookings WHERE id = '{booking['id']}'") == "CANCELLED"
    assert env.scalar(f"SELECT reason FROM erasures WHERE id = '{tomb}'") == "request"
    assert env.scalar("SELECT count(*) FROM events WHERE erased_at IS NOT NULL") >= 3
    with env.parts.services.sessions() as session:
        state = replay_log(session, env.parts.services.ctx.resolve_stop)
    assert state.bookings[booking["id"]].customer_id == tomb
    assert not state.anomalies


def test_the_log_refuses_any_change_but_one_pseudonymisation(any_env_factory: EnvFactory) -> None:
    """The event log stays append-only: DELETE and an ordinary UPDATE are refused by the database; a pseudonymised
    entry cannot be changed again."""
    env = any_env_factory()
    me, _ = _rider(env)
    _book_from_home(env, me)
    env.flush()
    for sql in ("DELETE FROM events", "UPDATE events SET actor = 'x'",
                "UPDATE events SET type = 'x', erased_at = at"):
        try:
            with env.parts.engine.begin() as conn:
                conn.execute(sa.text(sql))
        except sa.exc.DBAPIError:
            continue
        raise AssertionError(f"not refused: {sql}")
    with env.parts.engine.begin() as conn:
        conn.execute(sa.text("UPDATE events SET actor = 'anon', erased_at = at"))
    try:
        with env.parts.engine.begin() as conn:
            conn.execute(sa.text("UPDATE events SET actor = 'again', erased_at = at"))
    except sa.exc.DBAPIError:
        return
    raise AssertionError("a pseudonymised entry was changed again")


def test_retention_removes_quotes_and_pseudonymises_old_trips(any_env_factory: EnvFactory) -> None:
    """After 24 h an offer never booked is gone (booked ones stay); after 90 days a trip's rider data is
    pseudonymised (tombstone per booking, log entries marked, exact point gone); newer trips are untouched."""
    env = any_env_factory()
    me, user_id = _rider(env)
    old = _book_from_home(env, me)
    unbooked = env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 60), headers=me).json()
    env.flush()
    privacy = env.parts.services.privacy
    assert privacy.purge().offers_deleted == 0
    later = env.clock.now() + timedelta(hours=25)
    report = privacy.purge(later)
    assert report.offers_deleted == 1
    assert env.scalar(f"SELECT count(*) FROM offers WHERE id = '{unbooked['id']}'") == 0
    assert env.scalar(f"SELECT count(*) FROM offers WHERE id = '{old['offer_id']}'") == 1
    assert report.bookings_pseudonymised == 0
    report = privacy.purge(env.clock.now() + timedelta(days=91))
    assert report.bookings_pseudonymised == 1
    assert report.events_pseudonymised >= 2
    row = env.scalar(f"SELECT customer_id FROM bookings WHERE id = '{old['id']}'")
    assert str(row).startswith("anon-")
    payload = env.scalar(f"SELECT payload FROM bookings WHERE id = '{old['id']}'")
    request = (json.loads(payload) if isinstance(payload, str) else payload)["request"]
    assert request["origin"] != POINT
    assert user_id not in _everything(env, ("bookings", "offers", "events"))
    assert privacy.purge(env.clock.now() + timedelta(days=92)).bookings_pseudonymised == 0  # once


def test_purge_command_and_background_loop(make_env: EnvFactory, monkeypatch: Any) -> None:
    """``mobility privacy purge`` runs the retention on the configured store; the background loop runs it too."""
    env = make_env()
    me, _ = _rider(env)
    env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 60), headers=me)
    env.flush()
    with env.parts.engine.begin() as conn:
        conn.execute(sa.text("UPDATE offers SET created_at = '2000-01-01 00:00:00'"))
    monkeypatch.setenv("MOBILITY_DATABASE_URL", env.settings.database_url)
    result = CliRunner().invoke(cli, ["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "Angebote gelöscht: 1" in result.output
    assert env.scalar("SELECT count(*) FROM offers") == 0
    from booking.service.background import Reoptimiser

    loop = Reoptimiser(env.parts.services.operations, 300, 1.0)
    loop.privacy = env.parts.services.privacy
    env.client.post("/api/v1/offers", json=ride(BERNBURG_HBF, STASSFURT_BF, 70), headers=me)
    env.flush()
    env.clock.advance(25 * 3600)
    report = loop.purge_personal_data()
    assert report is not None
    assert report.offers_deleted == 1
    assert loop.purge_personal_data() is None  # hourly, not every round


def test_a_control_room_search_is_logged_and_erasure_reaches_notices(any_env_factory: EnvFactory) -> None:
    """Searching bookings by name in the control room is logged per rider found; erasing the account also removes
    the rider's notices and notice settings."""
    env = any_env_factory()
    me, user_id = _rider(env)
    _book_from_home(env, me)
    staff = env.user("leitstelle", "dispatcher")
    assert env.client.get("/api/v1/dispatch/bookings?q=Mustermann", headers=staff).json()["total"] == 1
    assert env.scalar(f"SELECT action FROM access_log WHERE subject = '{user_id}'") == "bookings.search"
    env.flush()
    r = env.client.request("DELETE", "/api/v1/me", json={"password": PASSWORD}, headers=me)
    assert r.status_code == 204, r.text
    assert env.scalar(f"SELECT count(*) FROM rider_notices WHERE customer_id = '{user_id}'") == 0
    assert env.scalar(f"SELECT count(*) FROM rider_preferences WHERE user_id = '{user_id}'") == 0
    assert env.scalar(f"SELECT count(*) FROM access_log WHERE subject = '{user_id}'") == 0
