"""Walls that import-linter cannot express: only routing.darp may import OR-Tools' routing solver."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROUTING_SOLVER = re.compile(r"^\s*(from|import)\s+ortools\.constraint_solver\b", re.MULTILINE)


def test_only_darp_imports_the_ortools_routing_solver() -> None:
    """No module outside routing/darp imports ortools.constraint_solver; routing/darp does."""
    users = sorted(
        str(path.relative_to(ROOT))
        for package in ("mobility", "routing", "booking")
        for path in (ROOT / package).rglob("*.py")
        if ROUTING_SOLVER.search(path.read_text(encoding="utf-8"))
    )
    outside = [p for p in users if not p.startswith("routing/darp/")]
    assert outside == []
    assert users, "routing/darp is expected to build the OR-Tools routing model"
