"""Reinsert removed requests by regret-2: the request that loses most if not put in its best route goes first.

Options per (request, route) are the bound-feasible insertions of :func:`routing.darp.positions.candidates`,
cheapest first; only the chosen one gets the exact schedule check (if it fails, it is dropped and the
choice is made again), so a step costs one exact check in the usual case. Options of a route are
recomputed only after that route changed; those of an empty route are cached for the whole search, and of
vehicles identical when empty (``Compiled.twin``) only the first two empty ones are looked at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from routing.darp.positions import apply, candidates, every_candidate
from routing.darp.schedule import earliest_schedule

if TYPE_CHECKING:
    from routing.darp.state import Plan

_Option = tuple[int, int, int, int]  # cost, vehicle, pickup position, drop-off position


def _options(plan: Plan, ri: int, v: int) -> list[_Option]:
    c = plan.c
    empty = not plan.routes[v]
    if empty:  # the options of an empty route never change
        known = c.empty_options.get((ri, v))
        if known is not None:
            return list(known)
    w = c.problem.objective.distance_weight
    extra = plan.fixed[v] if empty else 0
    out = candidates(c, ri, v, plan.info(v))
    if w != 1 or extra:
        out = [(w * cost + extra, vv, i, j) for cost, vv, i, j in out]
    out.sort(reverse=True)  # cheapest last: pop() removes it
    if empty:
        c.empty_options[ri, v] = list(out)
    return out


def _every_option(plan: Plan, ri: int, v: int, refused: _Option) -> list[_Option]:
    """Every bound-feasible option of ``ri`` in route ``v`` but the ``refused`` one, cheapest last (for pop())."""
    w = plan.c.problem.objective.distance_weight
    extra = 0 if plan.routes[v] else plan.fixed[v]
    out = [(w * cost + extra, vv, i, j) for cost, vv, i, j in every_candidate(plan.c, ri, v, plan.info(v))
           if (i, j) != refused[2:]]
    out.sort(reverse=True)
    return out


def _spare_empty(plan: Plan) -> set[int]:
    """Empty vehicles beyond the first two of their kind: they cannot change a best or second-best option."""
    seen: dict[int, int] = {}
    spare = set()
    for v, seq in enumerate(plan.routes):
        if not seq:
            kind = plan.c.twin[v]
            seen[kind] = seen.get(kind, 0) + 1
            if seen[kind] > 2:
                spare.add(v)
    return spare


def regret_insert(plan: Plan, pending: list[int]) -> None:
    """Insert ``pending`` by regret-2; higher-penalty (confirmed) requests first; misfits stay unplanned."""
    cache: dict[tuple[int, int], list[_Option]] = {}
    expanded: set[tuple[int, int]] = set()  # (request, route) whose options are the full enumeration
    todo = list(pending)
    c = plan.c
    spare = _spare_empty(plan)
    while todo:
        top = max(plan.penalty[ri] for ri in todo)
        chosen: tuple[int, _Option] | None = None
        chosen_rank = (-1.0, 0)
        dead = []
        for ri in todo:
            if plan.penalty[ri] != top:
                continue
            first = second = None
            for v in c.allowed[ri]:
                if v in spare:
                    continue
                opts = cache.get((ri, v))
                if opts is None:
                    opts = cache[ri, v] = _options(plan, ri, v)
                if opts:
                    if first is None or opts[-1][0] < first[0]:
                        first, second = opts[-1], first
                    elif second is None or opts[-1][0] < second[0]:
                        second = opts[-1]
            if first is None:
                dead.append(ri)
                continue
            regret = float(second[0] - first[0]) if second is not None else float("inf")
            rank = (regret, -first[0])
            if chosen is None or rank > chosen_rank:
                chosen, chosen_rank = (ri, first), rank
        for ri in dead:
            todo.remove(ri)
        if chosen is None:
            continue
        ri, (_cost, v, i, j) = chosen
        new = apply(c, ri, plan.routes[v], i, j)
        times = earliest_schedule(c, v, new)
        if times is None:
            refused = cache[ri, v].pop()
            if (ri, v) not in expanded:  # the scan kept one later drop-off per pickup position: now every one
                expanded.add((ri, v))
                cache[ri, v] = _every_option(plan, ri, v, refused)
            continue
        was_empty = not plan.routes[v]
        plan.place(ri, v, new, times)
        todo.remove(ri)
        if was_empty:
            spare = _spare_empty(plan)
        for other in todo:
            cache.pop((other, v), None)
            expanded.discard((other, v))
