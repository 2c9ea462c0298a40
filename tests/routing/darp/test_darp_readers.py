"""Reading the Cordeau DARP and Li & Lim PDPTW benchmark formats (real instances under tests/data/darp)."""

from __future__ import annotations

from pathlib import Path

import pytest

from routing.darp import ProblemError
from routing.darp.readers import read_cordeau, read_lilim
from tests.routing.darp.darp_builders import DATA


def test_cordeau_without_end_depot() -> None:
    """a2-16 has 16 requests, 2 vehicles of capacity 3 returning to node 0, ride limit 30 min (scaled)."""
    inst = read_cordeau(DATA / "a2-16.txt", scale=1000)
    p = inst.problem
    assert (len(p.requests), len(p.vehicles)) == (16, 2)
    assert {(v.capacity, v.start, v.end, v.max_duration_s) for v in p.vehicles} == {((3,), 0, 0, 480_000)}
    first = p.requests[0]
    assert (first.pickup, first.dropoff, first.load, first.max_ride_s) == (1, 17, (1,), 30_000)
    assert first.pickup_service_s == 3000
    assert inst.travel.exact(0, 1) == pytest.approx((1.198**2 + 5.164**2) ** 0.5)


def test_cordeau_with_end_depot() -> None:
    """a2-20 lists the end depot as node 41; vehicles end there and its window closes the shift."""
    p = read_cordeau(DATA / "a2-20.txt").problem
    assert len(p.requests) == 20
    assert {(v.start, v.end, v.shift.latest) for v in p.vehicles} == {(0, 41, 600_000)}


def test_lilim_pairs_and_fleet() -> None:
    """lc101 has 53 pickup/delivery pairs, 25 vehicles of capacity 200 and depot window [0, 1236]."""
    p = read_lilim(DATA / "lc101.txt", scale=1).problem
    assert (len(p.requests), len(p.vehicles)) == (53, 25)
    assert {v.capacity for v in p.vehicles} == {(200,)}
    assert p.vehicles[0].shift.latest == 1236
    by_pickup = {r.pickup: r for r in p.requests}
    assert (by_pickup[3].dropoff, by_pickup[3].load) == (75, (10,))
    assert by_pickup[3].pickup_window.earliest == 65


def test_broken_line_names_file_and_line(tmp_path: Path) -> None:
    """A non-numeric field is reported with the file name and line number."""
    bad = tmp_path / "bad.txt"
    text = (DATA / "a2-16.txt").read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace("3", "x", 1)
    bad.write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(ProblemError, match=r"bad\.txt:4: not a number"):
        read_cordeau(bad)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    """A missing instance file raises ProblemError naming the path."""
    with pytest.raises(ProblemError, match=r"nothing\.txt: cannot read"):
        read_lilim(tmp_path / "nothing.txt")
