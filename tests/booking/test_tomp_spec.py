"""The TOMP-API 2.0 state machines against the spec's enums and flows, the three corrections of the published
schema (each shown to be needed and no wider), and the packages table against its migration."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from booking.store.engine import include_object, make_engine, upgrade
from booking.store.models import Base
from booking.store.tomp import TompPackageRow
from booking.tomp.errors import TompError
from booking.tomp.states import (
    BOOKING_TO_PACKAGE,
    LEG_TRANSITIONS,
    PACKAGE_TRANSITIONS,
    IllegalTransition,
    LegState,
    PackageState,
    leg_state,
    move,
    package_state,
)
from tests.booking.tomp_spec import CORE, CORRECTIONS, TompSpec, spec

OFFERS = "TOMP-API-2-OFFERS.yaml"
P, L = PackageState, LegState
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def test_the_states_are_exactly_the_spec_enums() -> None:
    """Package and leg states are the enums of the published core module, nothing more, nothing less."""
    docs = TompSpec(corrected=False).docs[CORE]["components"]["schemas"]
    assert [str(s) for s in PackageState] == docs["packageStatus"]["enum"]
    assert [str(s) for s in LegState] == docs["legStatus"]["enum"]
    assert set(PACKAGE_TRANSITIONS) == set(PackageState)
    assert set(LEG_TRANSITIONS) == set(LegState)


def test_the_package_machine_is_the_two_phase_purchase_flow() -> None:
    """Flow 2 of the purchase module (OFFERED → PENDING → CONFIRMED | ROLLBACK | EXPIRED), release from OFFERED,
    cancel from CONFIRMED; the final states have no way out; no shortcut OFFERED → CONFIRMED."""
    assert move(P.OFFERED, P.PENDING) is P.PENDING
    assert move(P.PENDING, P.CONFIRMED) is P.CONFIRMED
    assert {P.CONFIRMED, P.ROLLBACK, P.EXPIRED} == PACKAGE_TRANSITIONS[P.PENDING]
    for final in (P.ROLLBACK, P.RELEASED, P.EXPIRED, P.CANCELLED, P.SETTLED):
        assert PACKAGE_TRANSITIONS[final] == frozenset()
    with pytest.raises(IllegalTransition):
        move(P.OFFERED, P.CONFIRMED)
    with pytest.raises(IllegalTransition):
        move(P.STARTED, P.CANCELLED)
    reachable = {P.OFFERED}
    for _ in PackageState:
        reachable |= {t for s in reachable for t in PACKAGE_TRANSITIONS[s]}
    assert reachable == set(PackageState)


def test_the_package_state_follows_the_booking_and_the_hold() -> None:
    """Booked: the booking's state decides (FINISHED → ENDED, REJECTED → CANCELLED); unbooked OFFERED or PENDING
    past the hold: EXPIRED; ROLLBACK stays ROLLBACK after the hold."""
    later, earlier = NOW + timedelta(minutes=5), NOW - timedelta(seconds=1)
    assert package_state(None, None, later, NOW) is P.OFFERED
    assert package_state(None, None, earlier, NOW) is P.EXPIRED
    assert package_state("PENDING", None, earlier, NOW) is P.EXPIRED
    assert package_state("ROLLBACK", None, earlier, NOW) is P.ROLLBACK
    assert package_state("CONFIRMED", "FINISHED", earlier, NOW) is P.ENDED
    assert package_state("CONFIRMED", "REJECTED", later, NOW) is P.CANCELLED
    assert set(BOOKING_TO_PACKAGE) == {"CONFIRMED", "STARTED", "FINISHED", "CANCELLED", "REJECTED", "EXPIRED"}


@pytest.mark.parametrize(("package", "reason", "arrived", "leg"), [
    (P.OFFERED, None, False, L.NOT_STARTED),
    (P.PENDING, None, False, L.NOT_STARTED),
    (P.CONFIRMED, None, False, L.NOT_STARTED),
    (P.CONFIRMED, None, True, L.READY_TO_USE),
    (P.STARTED, None, True, L.IN_USE),
    (P.ENDED, None, True, L.ENDED),
    (P.CANCELLED, "cancelled_by_customer", False, L.CANCELLED),
    (P.CANCELLED, "cancelled_by_dispatcher", False, L.CANCELLED),
    (P.CANCELLED, "no_show", True, L.ABENDED),
    (P.CANCELLED, "vehicle out of service", False, L.ABENDED),
    (P.ROLLBACK, None, False, L.CANCELLED),
    (P.EXPIRED, None, False, L.CANCELLED),
])
def test_the_leg_follows_the_drivers_events(package: PackageState, reason: str | None, arrived: bool,
                                            leg: LegState) -> None:
    """NOT_STARTED → READY_TO_USE (vehicle waits) → IN_USE (boarded) → ENDED; cancelled before: CANCELLED;
    a no-show or a ride the operator lost: ABENDED. Every move the mapping makes is one the leg machine allows."""
    assert leg_state(package, reason, vehicle_arrived=arrived) is leg
    path = [L.NOT_STARTED, L.READY_TO_USE, L.IN_USE, L.ENDED]
    assert all(b in LEG_TRANSITIONS[a] for a, b in itertools.pairwise(path))
    assert leg is L.NOT_STARTED or leg in LEG_TRANSITIONS[L.NOT_STARTED] | LEG_TRANSITIONS[L.IN_USE]


def _feature(kind: str) -> dict[str, Any]:
    return {"type": kind, "properties": {"type": "offer", "id": "o1"}}


def test_each_correction_is_needed_and_no_wider() -> None:
    """As published: the spec's own GPS example, any offer feature and the error table's codes are all rejected;
    corrected, they pass — and what the spec forbids otherwise stays forbidden."""
    published, corrected = TompSpec(corrected=False), spec()
    assert published.schema_errors(CORE, "placeReference", "GPS:6.169639,52.253279")
    assert corrected.schema_errors(CORE, "placeReference", "GPS:6.169639,52.253279") == []
    assert corrected.schema_errors(CORE, "placeReference", "stop:8010043") == []
    assert corrected.schema_errors(CORE, "placeReference", "XYZ:1") != []
    assert corrected.schema_errors(CORE, "placeReference", "GPS:1 2") != []
    assert published.schema_errors(OFFERS, "offerFeature", _feature("Feature"))
    assert published.schema_errors(OFFERS, "offerFeature", _feature("offer"))
    assert corrected.schema_errors(OFFERS, "offerFeature", _feature("Feature")) == []
    assert corrected.schema_errors(OFFERS, "offerFeature", _feature("offer")) != []
    error = TompError(404, 3, 204, "Paket „x“ wurde nicht gefunden.").body()["errors"][0]
    assert published.schema_errors(CORE, "error", error)
    assert corrected.schema_errors(CORE, "error", error) == []
    assert corrected.schema_errors(CORE, "error", {**error, "errorcode": 42}) != []
    assert corrected.schema_errors(CORE, "error", {**error, "extra": 1}) != []
    assert len(CORRECTIONS) == 3


def test_the_packages_table_matches_its_migration(tmp_path: Any) -> None:
    """Migration 0007 builds exactly the ``tomp_packages`` the model describes."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)

    def ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table == "tomp_packages" and include_object(obj, name, type_, reflected, compare_to)

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False, "include_object": ours})
        assert list(compare_metadata(ctx, Base.metadata)) == []
        assert TompPackageRow.__tablename__ in sa.inspect(conn).get_table_names()
    engine.dispose()
