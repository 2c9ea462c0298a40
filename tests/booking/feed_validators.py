"""Third-party validators of the published feeds, run in process on files in a temporary folder.

* ``gtfs-validator`` (PyPI): a pure-Python port of MobilityData's canonical GTFS Schedule validator (v8.0.1 rules,
  its ``report.json``); GTFS-Flex included.
* ``gtfs-guru`` (PyPI): an independent GTFS Schedule validator written in Rust (its own implementation of the rules).
* ``gtfs-rt-validator`` (PyPI): a pure-Python GTFS-Realtime validator (MobilityData's rule ids E…/W…) that reads
  the static feed too, so its cross checks (trip, route and stop ids) run against our GTFS-Flex feed.

Each function returns the notices as ``{code: (severity, total, samples)}``; an empty dict is a clean report.
"""

from __future__ import annotations

import contextlib
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

Notices = dict[str, tuple[str, int, list[dict[str, Any]]]]


def _notices(report: dict[str, Any]) -> Notices:
    return {n["code"]: (n["severity"], n["totalNotices"], n.get("sampleNotices", [])) for n in report["notices"]}


def mobilitydata_notices(feed: Path, day: date, out: Path) -> Notices:
    """``gtfs-validator`` on the zip ``feed`` as of ``day`` (country DE for phone numbers); system errors fail."""
    from gtfs_validator.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["-i", str(feed), "-o", str(out), "-d", day.isoformat(), "-c", "DE"])
    assert code == 0, f"gtfs-validator exited {code}"
    system = json.loads((out / "system_errors.json").read_text())
    assert system["notices"] == [], system
    return _notices(json.loads((out / "report.json").read_text()))


def guru_notices(feed: Path, day: date) -> Notices:
    """``gtfs-guru`` on the zip ``feed`` as of ``day`` (country DE)."""
    import gtfs_guru  # type: ignore[import-not-found,unused-ignore]

    result = gtfs_guru.validate(str(feed), country_code="DE", date=day.isoformat())
    return _notices(result.to_dict())


def realtime_notices(feed: Path, at: datetime, out: Path, *, trip_updates: bytes,
                     vehicle_positions: bytes) -> Notices:
    """``gtfs-rt-validator`` (current specification, not the 2015 compatibility mode) on one TripUpdates and one
    VehiclePositions message against the static ``feed``, with its clock at ``at``."""
    from gtfs_rt_validator.api import Mode, Request, resolve_roles, validate

    tu, vp = out / "TripUpdates.pb", out / "VehiclePositions.pb"
    tu.write_bytes(trip_updates)
    vp.write_bytes(vehicle_positions)
    result = validate(Request(mode=Mode.MODERN, gtfs=feed, inputs=resolve_roles({"tu": str(tu), "vp": str(vp)}),
                              at=at))
    reports = result.write(out / "report")
    report = json.loads(reports.report.read_text())
    system = json.loads(reports.system_errors.read_text())
    assert system["notices"] == [], system
    return _notices(report)
