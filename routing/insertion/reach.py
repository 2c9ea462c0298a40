"""Which positions of which routes can reach a pickup in time: one numpy pass over every node of the plan.

The generator (:func:`routing.insertion.search.candidates`) walks every route whose shift overlaps the pickup
window, and in a large area most of them cannot reach the pickup by its latest begin from any position. This index
keeps, per node ``i`` of every route, the numbers that decide whether ``candidates`` tries a pickup after it — when
the vehicle can leave there (``ready`` at node 0, else the planned departure), the planned departure that tells
whether it has left already (none at the last node), the latest begin of the next node (none before ``pinned``) and
the node's stop. A query keeps exactly the nodes the generator passes to its per-position step, in one vectorised
pass, so only the routes with such a node are walked at all.

For the cheapest insertion the index also bounds the cost of every candidate from a position from below
(:meth:`ReachIndex.bounded`): the pickup's own detour there, the new rider's weighted wait (both exact) and the
least a drop-off detour at ``d`` can add anywhere (``min over a, b of tt[a][d] + tt[d][b] - tt[a][b]``: 0 on a
matrix that keeps the triangle inequality, negative otherwise; computed once per stop). The search
(:func:`routing.insertion.search.best_bounded`) walks positions by that bound and stops once the cheapest
candidate found is below the bound of every position left.

Each route owns a slot (a run of cells with room to grow); a route that outgrows it moves to a new slot at the end,
and the arrays are compacted when the cells of abandoned slots outnumber the others. Routes are only added or
replaced, never removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routing.insertion.model import RequestSpec, Route
from routing.insertion.schedule import Durations, Schedule

NEVER = -(2**60)  # a latest begin no window reaches: the cell is unused, or its node is pinned
ALWAYS = 2**60  # a departure no clock reaches: the last node (nothing to leave for)
# rows of the cell table: TO is the next node's stop, ROOM the free capacity after the node (seats, wheelchairs,
# strollers; ALWAYS for load vectors of another length, which the generator checks itself)
START, LEAVE, NEXT, LOC, TO, OWNER, NODE, ROOM = range(8)
ROWS = ROOM + 3
WORTH_BOUNDING = 256  # positions from which the drop-off's least detour is worth a pass over the matrix (~1 ms)
Bounded = tuple[int, str, int, int]  # (bound, route key, i, base), see :meth:`ReachIndex.bounded`


@dataclass(frozen=True, slots=True)
class Reach:
    """Positions of one route from which its pickup can begin in time: ``(i, base)`` pairs by ``i``, ``base``
    being when the vehicle can leave node ``i`` at the earliest (as the generator computes it)."""

    key: str
    nodes: tuple[tuple[int, int], ...]


@dataclass(slots=True)
class _Slot:
    number: int
    offset: int
    room: int
    size: int = 0


class ReachIndex:
    """The nodes of every route in one table of cells (see the module docstring)."""

    def __init__(self, tt: Durations, *, worth_bounding: int = WORTH_BOUNDING) -> None:
        table = np.asarray(tt)
        small = table.size and table.max() < 2**31
        self._tt: NDArray[np.signedinteger[Any]] = table.astype(np.int32 if small else np.int64)
        self._cells = self._empty(64)
        self._slots: dict[str, _Slot] = {}
        self._keys: list[str] = []  # slot number -> route key (a key keeps its number when its slot moves)
        self._end = 0  # cells in use or abandoned
        self._slack: dict[int, int] = {}  # drop-off stop -> least detour of a drop-off there (<= 0)
        self._worth_bounding = worth_bounding

    @staticmethod
    def _empty(capacity: int) -> NDArray[np.int64]:
        cells = np.zeros((ROWS, capacity), dtype=np.int64)
        cells[NEXT] = NEVER
        return cells

    def put(self, route: Route, sched: Schedule) -> None:
        """Store (or replace) the nodes of ``route``; routes come back from :meth:`query` in the order first put."""
        size = len(route.tasks) + 1
        slot = self._slots.get(route.key)
        if slot is None or slot.room < size:
            slot = self._allocate(route.key, size, slot)
        cells, at = self._cells, slot.offset
        departure, latest = sched.departure, sched.latest
        cells[START, at] = route.ready
        cells[START, at + 1 : at + size] = departure[1:size]
        cells[LEAVE, at : at + size - 1] = departure[: size - 1]
        cells[LEAVE, at + size - 1] = ALWAYS
        cells[NEXT, at : at + size] = latest[1 : size + 1]
        cells[NEXT, at : at + min(route.pinned, size)] = NEVER
        cells[NEXT, at + size : at + slot.room] = NEVER
        cells[LOC, at : at + size] = sched.locs[:size]
        cells[TO, at : at + size] = sched.locs[1 : size + 1]
        cap = route.capacity
        if len(cap) == 3 and all(len(load) == 3 for load in sched.load_after[:size]):
            cells[ROOM : ROOM + 3, at : at + size] = [
                [c - load[k] for load in sched.load_after[:size]] for k, c in enumerate(cap)
            ]
        else:
            cells[ROOM : ROOM + 3, at : at + size] = ALWAYS
        slot.size = size

    def query(self, request: RequestSpec, now: int) -> list[Reach]:
        """Routes with a node from which ``candidates`` tries the pickup, in the order they were first put.

        Node ``i`` qualifies when ``i >= pinned`` and ``latest[i + 1] >= pickup_earliest``, the vehicle has not
        left it before ``now`` (unless it is the last node), and ``max(leave time, now) + travel to the pickup <=
        pickup_due``."""
        hit, base, _ = self._hits(request, now)
        if not len(hit):
            return []
        owners = self._cells[OWNER, hit]
        order = np.lexsort((self._cells[NODE, hit], owners))
        owners, nodes, bases = owners[order], self._cells[NODE, hit][order].tolist(), base[order].tolist()
        cuts = [0, *(np.flatnonzero(owners[1:] != owners[:-1]) + 1).tolist(), len(nodes)]
        keys = [self._keys[k] for k in owners[cuts[:-1]].tolist()]
        return [
            Reach(key, tuple(zip(nodes[a:b], bases[a:b], strict=True)))
            for key, a, b in zip(keys, cuts, cuts[1:], strict=False)
        ]

    def bounded(self, request: RequestSpec, now: int, wait_weight_pct: int) -> list[Bounded]:
        """The positions of :meth:`query` with a lower bound of the cost of every candidate from them, by bound.

        The bound is the pickup's detour after node ``i``, plus ``wait_weight_pct`` % of the wait beyond the
        earliest pickup (as in :func:`routing.insertion.search.candidates`), plus the least any drop-off detour at
        the request's drop-off stop can add (``<= 0``). That last term costs one pass over the matrix the first
        time a stop is the drop-off; while it is not known and the positions are fewer than ``worth_bounding``
        (walking them all costs less), every bound is :data:`NEVER` and the search walks them all."""
        hit, base, reach = self._hits(request, now)
        if not len(hit):
            return []
        if request.dropoff in self._slack or len(hit) >= self._worth_bounding:
            tt, pickup, earliest = self._tt, request.pickup, request.pickup_earliest
            here, there = self._cells[LOC, hit], self._cells[TO, hit]
            detour = tt[here, pickup].astype(np.int64) + tt[pickup, there] - tt[here, there]
            wait = (np.maximum(reach, earliest) - earliest) * wait_weight_pct // 100
            bound = detour + wait + self._drop_slack(request.dropoff)
        else:
            bound = np.full(len(hit), NEVER, dtype=np.int64)
        order = np.argsort(bound, kind="stable")
        keys = self._keys
        return list(
            zip(
                bound[order].tolist(),
                [keys[k] for k in self._cells[OWNER, hit[order]].tolist()],
                self._cells[NODE, hit[order]].tolist(),
                base[order].tolist(),
                strict=True,
            )
        )

    def _hits(self, request: RequestSpec, now: int) -> tuple[NDArray[np.int64], ...]:
        """Cells of the qualifying nodes, when the vehicle can leave each and when it could be at the pickup.

        Beyond reaching the pickup in time, the first steps of the generator's per-position walk are made here for
        all positions at once: the party fits after node ``i``, and either the drop-off right after the pickup
        keeps the ride limit, the latest arrival and the next node's latest begin, or the next node can still be
        reached in time after the pickup (otherwise the position yields no candidate)."""
        pickup, dropoff, earliest, due = request.pickup, request.dropoff, request.pickup_earliest, request.pickup_due
        none = np.zeros(0, dtype=np.int64)
        if now > due or self._end == 0:
            return none, none, none
        cells, tt = self._cells, self._tt
        start, leave, nxt = cells[START : NEXT + 1, : self._end]
        hit = np.flatnonzero((nxt >= earliest) & (start <= due) & (leave >= now))
        base = np.maximum(cells[START, hit], now)
        reach = base + tt[cells[LOC, hit], pickup]
        keep = reach <= due
        hit, base, reach = hit[keep], base[keep], reach[keep]
        if len(request.load) == 3:
            room = cells[ROOM : ROOM + 3, hit]
            keep = (room[0] >= request.load[0]) & (room[1] >= request.load[1]) & (room[2] >= request.load[2])
        else:
            keep = np.ones(len(hit), dtype=bool)
        to, nxt = cells[TO, hit], cells[NEXT, hit]
        leave_p = np.maximum(reach, earliest) + request.pickup_service_s
        direct = int(tt[pickup, dropoff])
        arrive_d = leave_p + direct
        same = (arrive_d + request.dropoff_service_s + tt[dropoff, to] <= nxt) & (arrive_d <= request.dropoff_latest)
        if direct > request.max_ride_s:
            same[:] = False
        later = (cells[LEAVE, hit] != ALWAYS) & (leave_p + tt[pickup, to] <= nxt)
        keep &= same | later
        return hit[keep], base[keep], reach[keep]

    def _drop_slack(self, dropoff: int) -> int:
        """The least ``tt[a][d] + tt[d][b] - tt[a][b]`` over all stops ``a, b`` (capped at 0), once per stop."""
        known = self._slack.get(dropoff)
        if known is None:
            tt = self._tt
            into, out = tt[:, dropoff].astype(np.int64), tt[dropoff].astype(np.int64)
            least = 0
            for lo in range(0, len(tt), 256):  # rows in blocks: a large matrix needs no n x n temporary
                block = into[lo : lo + 256, None] + out[None, :] - tt[lo : lo + 256]
                least = min(least, int(block.min()))
            known = self._slack[dropoff] = least
        return known

    # -- slots ----------------------------------------------------------------------------------------------------
    def _allocate(self, key: str, size: int, old: _Slot | None) -> _Slot:
        """A slot for ``size`` nodes of ``key`` (room for twice as many) at the end of the table."""
        if old is not None:
            self._cells[NEXT, old.offset : old.offset + old.room] = NEVER
            number = old.number
        else:
            number = len(self._keys)
            self._keys.append(key)
        room = max(8, 2 * size)
        if self._end + room > self._cells.shape[1]:
            self._make_room(room, key)
        slot = _Slot(number, self._end, room)
        self._slots[key] = slot
        self._cells[OWNER, slot.offset : slot.offset + room] = number
        self._cells[NODE, slot.offset : slot.offset + room] = np.arange(room)
        self._end += room
        return slot

    def _make_room(self, room: int, moving: str) -> None:
        """Compact the table when abandoned cells outnumber the others, and grow it if it is still too small."""
        live = {k: s for k, s in self._slots.items() if k != moving}
        held = sum(s.room for s in live.values())
        capacity = self._cells.shape[1]
        while capacity < 2 * (held + room):
            capacity *= 2
        cells = self._empty(capacity)
        end = 0
        for slot in sorted(live.values(), key=lambda s: s.number):
            cells[:, end : end + slot.room] = self._cells[:, slot.offset : slot.offset + slot.room]
            slot.offset = end
            end += slot.room
        self._cells, self._end = cells, end
