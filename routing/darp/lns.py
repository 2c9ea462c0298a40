"""Large-neighbourhood search (ruin and recreate) with simulated-annealing acceptance.

Each iteration removes some requests (random, related by place and time, most expensive, or one whole
route; a small or a large number of them) and reinserts them by regret-2 or greedily in a random or
time-sorted order. The destroy move is drawn by adaptive weights that follow each move's recent success
(Ropke & Pisinger 2006). Worse plans are accepted with probability ``exp(-delta / T)``, ``T`` cooling
geometrically from ``start_temperature`` (a fraction of the start cost) over the budget. Removals that
would leave an infeasible route are skipped. Deterministic for a given seed when bounded by iterations only.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from routing.darp.model import MUST_SERVE_PENALTY
from routing.darp.recreate import regret_insert

if TYPE_CHECKING:
    from collections.abc import Callable

    from routing.darp.compiled import Compiled
    from routing.darp.pool import RoutePool
    from routing.darp.state import Plan

    Polisher = Callable[[Plan], Plan | None]


@dataclass(frozen=True, slots=True)
class LnsParams:
    """Search parameters (see module docstring)."""

    max_removed: int = 12
    min_removed: int = 2
    large_removed: int = 30  # large moves remove max_removed..min(large_removed, 40 % of the requests)
    segment: int = 100  # iterations between two updates of the adaptive operator weights
    reaction: float = 0.1  # how fast the weights follow the recent scores
    start_temperature: float = 0.03  # as a fraction of the start cost
    end_temperature: float = 0.0003
    regret: float = 1.0
    polish_every: int = 300  # iterations between two polishes of the best plan
    patience: int = 5000  # stop after max(patience, 100 x requests) iterations without a new best
    restart_after: int = 0  # iterations without a new best after which the search returns to the best (0: never)
    bank_penalty: float = 3.0  # soft penalty of a left-out confirmed request for acceptance (x mean dist/request)
    bank_patience: int = 500  # iterations a current plan may keep a left-out confirmed request before a restart
    recombine_period: float = 0.2  # share of the budget between two set-partitioning recombinations of the pool

    def __post_init__(self) -> None:
        if not 1 <= self.min_removed <= self.max_removed:
            msg = f"need 1 <= min_removed <= max_removed, got {self.min_removed}, {self.max_removed}"
            raise ValueError(msg)


def _random(plan: Plan, rng: random.Random, q: int) -> list[int]:
    planned = plan.planned()
    return rng.sample(planned, min(q, len(planned)))


def _related(plan: Plan, rng: random.Random, q: int) -> list[int]:
    planned = plan.planned()
    if not planned:
        return []
    seed = rng.choice(planned)
    order = plan.c.related.get(seed)
    if order is None:
        order = plan.c.related[seed] = _relatedness_order(plan.c, seed)
    where, pinned = plan.where, plan.pinned
    ranked = [ri for ri in order if where[ri] >= 0 and ri not in pinned]
    picked: list[int] = []
    while ranked and len(picked) < q:
        k = int(len(ranked) * rng.random() ** 4)
        picked.append(ranked.pop(k))
    return picked


def _relatedness_order(c: Compiled, seed: int) -> list[int]:
    """Every request, most related to ``seed`` first (close in place and time; ties by index)."""

    def stops(ri: int) -> tuple[int, int]:
        p = c.pickup_node[ri]
        return (p if p >= 0 else c.dropoff_node[ri]), c.dropoff_node[ri]

    sp, sd = stops(seed)
    scale = max(1, c.dist[sp][sd])

    def relatedness(ri: int) -> float:
        p, d = stops(ri)
        gap = abs(c.earliest[p] - c.earliest[sp]) + abs(c.latest[d] - c.latest[sd])
        return (c.dist[p][sp] + c.dist[d][sd]) / scale + gap / max(1, c.dur[sp][sd] * 4)

    return sorted(range(len(c.pickup_node)), key=relatedness)


def _worst(plan: Plan, rng: random.Random, q: int) -> list[int]:
    ranked = sorted(plan.planned(), key=plan.removal_gain, reverse=True)
    picked: list[int] = []
    while ranked and len(picked) < q:
        k = int(len(ranked) * rng.random() ** 5)
        picked.append(ranked.pop(k))
    return picked


def _route(plan: Plan, rng: random.Random, q: int) -> list[int]:
    used = [v for v, seq in enumerate(plan.routes) if seq]
    if not used:
        return []
    v = min(used, key=lambda u: (len(plan.routes[u]) + rng.random() * 6))
    c = plan.c
    taken = {c.request_of[n] for n in plan.routes[v]} - plan.pinned
    extra = _related(plan, rng, q // 2)
    return sorted(taken | set(extra))


_REMOVALS: tuple[Callable[[Plan, random.Random, int], list[int]], ...] = (
    _random, _related, _related, _worst, _route,
)


def _recreate(plan: Plan, removed: list[int], rng: random.Random, regret: float) -> None:
    c = plan.c
    mode = rng.random()
    order = [*removed, *(ri for ri in plan.unplanned() if ri not in removed)]
    if mode < 0.4:
        rng.shuffle(order)
    elif mode < 0.7:
        order.sort(key=lambda ri: c.earliest[c.dropoff_node[ri]])
    else:
        order.sort(key=lambda ri: -c.dist[c.start_node(0)][c.dropoff_node[ri]])
    order.sort(key=lambda ri: plan.penalty[ri], reverse=True)  # stable: confirmed requests first
    if rng.random() < regret:
        regret_insert(plan, order)
        return
    for ri in order:
        plan.insert_best(ri)


class _Arms:
    """Adaptive choice of the destroy move (Ropke & Pisinger 2006): roulette wheel over weights that follow
    each move's recent scores (33 new best, 9 better than the current plan, 13 accepted though worse)."""

    def __init__(self, n: int, segment: int, reaction: float) -> None:
        self.weights = [1.0] * n
        self.scores = [0.0] * n
        self.uses = [0] * n
        self.segment, self.reaction = segment, reaction

    def pick(self, rng: random.Random) -> int:
        """An arm drawn with probability proportional to its weight."""
        x = rng.random() * sum(self.weights)
        for arm, w in enumerate(self.weights):
            x -= w
            if x < 0:
                return arm
        return len(self.weights) - 1

    def score(self, arm: int, points: float) -> None:
        """Credit ``arm`` with ``points``."""
        self.scores[arm] += points

    def used(self, arm: int, it: int) -> None:
        """Count a use of ``arm``; at the end of a segment, move the weights towards the mean scores."""
        self.uses[arm] += 1
        if it % self.segment:
            return
        r = self.reaction
        for k, n in enumerate(self.uses):
            if n:
                self.weights[k] = max(0.05, (1 - r) * self.weights[k] + r * self.scores[k] / n)
        self.scores = [0.0] * len(self.scores)
        self.uses = [0] * len(self.uses)


def improve(plan: Plan, *, seed: int, time_limit_s: float | None, iterations: int | None,
            params: LnsParams | None = None, polish: Polisher | None = None,
            pool: RoutePool | None = None, recombine: Polisher | None = None,
            clock: Callable[[], float] = time.perf_counter) -> Plan:
    """The best plan found from ``plan`` within the time limit and/or iteration budget.

    ``polish`` (e.g. OR-Tools local search) is applied to a new best plan at most every
    ``params.polish_every`` iterations; if it returns a cheaper plan, the search continues from there.
    Every route built goes into ``pool``; ``recombine`` (set partitioning over the pool) runs every
    ``params.recombine_period`` of the budget and likewise replaces the best and current plans if cheaper.
    """
    if time_limit_s is None and iterations is None:
        msg = "improve needs a time limit or an iteration budget"
        raise ValueError(msg)
    run = _Run(plan, params or LnsParams(), random.Random(seed))
    began = clock()
    while True:
        elapsed = clock() - began
        if (iterations is not None and run.it >= iterations) or (time_limit_s is not None and elapsed >= time_limit_s):
            break
        if run.n_req == 0 or run.it - run.improved_at >= max(run.params.patience, 100 * run.n_req):
            break  # nothing to move, or no new best for long: the rest of the budget would be wasted
        frac = run.it / iterations if iterations is not None else elapsed / (time_limit_s or 1.0)
        run.step(min(1.0, frac), pool)
        p = run.params
        if recombine is not None and frac >= run.recombine_at:
            run.recombine_at = frac + p.recombine_period
            run.offer(recombine(run.best))
        if polish is not None and run.dirty and run.it - run.polished_at >= p.polish_every:
            run.polished_at, run.dirty = run.it, False
            run.offer(polish(run.best))
    return run.best


class _Run:
    """State of one search: current and best plans, adaptive weights, counters.

    The current plan is judged with a *soft* penalty for left-out confirmed requests (``bank_penalty`` x
    the mean distance and fixed cost per request), so the search may pass through plans that leave some
    out (a request bank: a route emptied but for a few requests can then lose its vehicle); the best plan
    is judged by the true cost, so it never loses a request it had.
    """

    def __init__(self, plan: Plan, params: LnsParams, rng: random.Random) -> None:
        self.params, self.rng = params, rng
        self.current, self.best = plan, plan.copy()
        self.n_req = len(plan.planned()) + len(plan.unplanned())
        base = max(1, plan.c.problem.objective.distance_weight * sum(plan.dist))
        fixed = sum(f for f, seq in zip(plan.fixed, plan.routes, strict=True) if seq)
        self.soft = max(1, round(params.bank_penalty * (base + fixed) / max(1, self.n_req)))
        self.current_cost, self.best_cost = self.judge(plan), plan.cost()
        self.t0, self.t1 = params.start_temperature * base, params.end_temperature * base
        # emptying a whole route only pays when vehicles cost something; else it just loses flexibility
        self.removals = _REMOVALS if any(plan.fixed) else _REMOVALS[:-1]
        self.arms = _Arms(2 * len(self.removals), params.segment, params.reaction)  # (removal, small|large)
        self.it = self.polished_at = self.improved_at = 0
        self.recombine_at = params.recombine_period
        self.dirty = False
        self.banked_at = -1  # iteration since which the current plan leaves a confirmed request out (-1: none)

    def judge(self, plan: Plan) -> int:
        """Cost with the soft penalty instead of the must-serve penalty for left-out confirmed requests."""
        cost = plan.cost()
        if self.params.bank_penalty <= 0:
            return cost
        for ri in plan.unplanned():
            if plan.penalty[ri] == MUST_SERVE_PENALTY:
                cost -= MUST_SERVE_PENALTY - self.soft
        return cost

    def step(self, frac: float, pool: RoutePool | None) -> None:
        """One ruin-and-recreate iteration at progress ``frac`` (0..1) of the budget."""
        p, rng, n = self.params, self.rng, self.n_req
        temperature = self.t0 * (self.t1 / self.t0) ** frac
        arm = self.arms.pick(rng)
        if arm % 2:
            q = rng.randint(p.max_removed, max(p.max_removed, min(p.large_removed, 2 * n // 5)))
        else:
            q = rng.randint(p.min_removed, max(p.min_removed, min(p.max_removed, n // 3)))
        candidate = self.current.copy()
        removed = [ri for ri in self.removals[arm // 2](candidate, rng, q) if candidate.remove(ri)]
        _recreate(candidate, removed, rng, p.regret)
        if pool is not None:
            pool.add_plan(candidate, changed_from=self.current)
        cost, now = self.judge(candidate), self.current_cost
        if cost <= now or rng.random() < math.exp((now - cost) / temperature):
            self.arms.score(arm, 9 if cost < now else 13 if cost > now else 0)
            self.current, self.current_cost = candidate, cost
            true = candidate.cost()
            self.banked_at = -1 if true == cost else self.banked_at if self.banked_at >= 0 else self.it
            if true < self.best_cost:
                self.arms.score(arm, 33 - 9)
                self.best, self.best_cost = candidate.copy(), true
                self.dirty, self.improved_at = True, self.it
        self.it += 1
        self.arms.used(arm, self.it)
        if p.restart_after and self.it - self.improved_at >= p.restart_after:
            self.current, self.current_cost, self.improved_at = self.best.copy(), self.judge(self.best), self.it
        if self.banked_at >= 0 and self.it - self.banked_at >= p.bank_patience:
            # the bank did not empty: back to the best plan (it had every request it could serve)
            self.current, self.current_cost, self.banked_at = self.best.copy(), self.judge(self.best), -1

    def offer(self, better: Plan | None) -> None:
        """Take ``better`` (from polishing or recombination) as best and current plan if it is cheaper."""
        if better is not None and better.cost() < self.best_cost:
            self.best, self.best_cost = better, better.cost()
            self.current, self.current_cost = better.copy(), self.judge(better)
            self.dirty, self.improved_at, self.banked_at = True, self.it, -1
