"""The fleet's cover-pattern LP, the heuristic's guide: each hour's demand of each latency workload
met by one *pattern* (whole replicas on at most two cards: ``⌊d/r_a⌋`` or one fewer on card ``a``,
the rest rounded up on ``b``), GPUs held ``n_j`` fractional, batch as in the MILP.

  min ``Σ_j P_j·n_j``  s.t.  ``Σ_p λ_{i,t,p} = 1`` ∀ i,t;
  ``Σ_{i,p} G_{j,p}·λ_{i,t,p} + Σ_b g_{bj}·y_{b,j,t} ≤ n_j`` ∀ j,t;  batch work as in the MILP

(``G_{j,p}``: GPUs of card ``j`` pattern ``p`` takes). Patterns whose GPUs per card are all at
least another's are left out. Its value is close to the MILP's root bound (each hour's integer
rounding is in the patterns, not left to cuts), so its ``n`` says which cards to hold. The dive
rounds ``n`` card by card (the nearest whole number first, re-solving after each); each hour's
patterns of most weight are where the heuristic's hour MIPs start. This LP proves nothing: its
patterns are a subset of the integer covers.
"""

from __future__ import annotations

import math
import time
from typing import Any

from flopfolio.planning.fleet_index import FleetIndex
from flopfolio.planning.fleet_problem import TOL, ceil_replicas
from flopfolio.planning.highs_program import Program


def cover_patterns(index: FleetIndex, i: int, t: int) -> list[tuple[int, ...]]:
    """The undominated patterns (replicas per option) that cover workload ``i`` in period ``t``."""
    import numpy as np

    w, options = index.latency[i]
    demand = w.demand_per_hour[t]
    m = len(options)
    rate = np.array([o.rate for o in options])
    gpus = np.zeros((m, len(index.cards)))  # GPUs per card of one replica of each option
    for o, opt in enumerate(options):
        gpus[o, opt.card] = opt.gpus
    base = np.floor(demand / rate)
    whole = np.concatenate([base, np.maximum(base - 1, 0)])  # on option a, for a twice
    first = np.concatenate([np.arange(m), np.arange(m)])
    rest = demand - whole * rate[first]
    grid = np.zeros((2 * m, m, m))  # [choice of a and its whole replicas, b, option]
    grid[np.arange(2 * m), :, first] += whole[:, None]
    more = np.where(rest[:, None] > TOL, np.ceil(rest[:, None] / rate[None, :] - 1e-9), 0.0)
    grid[:, np.arange(m), np.arange(m)] += more
    counts = grid.reshape(-1, m)
    use, keep = np.unique(counts @ gpus, axis=0, return_index=True)
    counts = counts[keep]
    covered = np.asarray((use[:, None, :] <= use[None, :, :]).all(axis=2))  # [v, u]: v ≤ u
    np.fill_diagonal(covered, False)
    undominated = ~covered.any(axis=0)
    return [tuple(int(k) for k in row) for row in counts[undominated]]


class CoverLp:
    """The LP of the module docstring; ``deadline`` (``time.perf_counter()``) cuts its making and
    its dive short (then :meth:`dive` gives ``None``)."""

    def __init__(self, index: FleetIndex, deadline: float = math.inf) -> None:
        self.index, self.deadline = index, deadline
        n_cards, n_periods, h = len(index.cards), index.periods, index.problem.period_hours
        lp = Program()
        self.n = [lp.var(p) for p in index.price]
        capacity: dict[tuple[int, int], list[tuple[int, float]]] = {
            (j, t): [(self.n[j], -1.0)] for j in range(n_cards) for t in range(n_periods)
        }
        self.patterns: list[tuple[int, int, tuple[int, ...], int]] = []  # (i, t, counts, column)
        self.batch_columns: list[tuple[int, int, int, int]] = []  # (card, t, gpus, column)
        self.complete = True
        for i, (w, options) in enumerate(index.latency):
            if time.perf_counter() > deadline:
                self.complete = False
                break
            for t, demand in enumerate(w.demand_per_hour):
                if demand <= TOL:
                    continue
                choice = []
                for counts in cover_patterns(index, i, t):
                    col = lp.var(0.0)
                    self.patterns.append((i, t, counts, col))
                    choice.append((col, 1.0))
                    for j, g in enumerate(index.gpus(options, counts)):
                        if g:
                            capacity[j, t].append((col, float(g)))
                lp.row(choice, 1.0, 1.0)
        for w, options in index.batch:
            work = []
            for opt in options:
                for t in range((w.deadline_period or 0) + 1):
                    col = lp.var(0.0)
                    capacity[opt.card, t].append((col, float(opt.gpus)))
                    work.append((col, h * opt.rate))
                    self.batch_columns.append((opt.card, t, opt.gpus, col))
            lp.row(work, w.batch_requests, math.inf)
        for entries in capacity.values():
            if len(entries) > 1:
                lp.row(entries, -math.inf, 0.0)
        self.highs: Any = lp.highs() if self.complete else None
        self.x: list[float] = []

    def solve(self) -> bool:
        import highspy

        if math.isfinite(self.deadline):
            self.highs.setOptionValue("time_limit", max(0.01, self.deadline - time.perf_counter()))
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        self.x = list(self.highs.getSolution().col_value)
        return True

    def value(self) -> float:
        return float(self.highs.getInfo().objective_function_value)

    def dive(self) -> list[int] | None:
        """Whole GPUs per card (module docstring), or ``None`` when the LP cannot be solved."""
        if self.highs is None or (not self.x and not self.solve()):
            return None
        n_cards = len(self.index.cards)
        held: dict[int, int] = {}
        above: list[int] = []  # cards left to the LP from their rounded-up value
        while len(held) < n_cards:
            if time.perf_counter() > self.deadline:
                return None
            _frac, j = min(
                (abs(self.x[self.n[j]] - round(self.x[self.n[j]])), j)
                for j in range(n_cards)
                if j not in held
            )
            value = self.x[self.n[j]]
            for whole in dict.fromkeys((round(value), math.ceil(value - TOL))):
                self.highs.changeColBounds(self.n[j], whole, whole)
                if self.solve():
                    held[j] = whole
                    break
            else:  # neither: leave this card to the LP above its rounded-up value
                self.highs.changeColBounds(self.n[j], math.ceil(value - TOL), math.inf)
                if not self.solve():
                    return None
                held[j] = 0
                above.append(j)
        for j in above:
            held[j] = ceil_replicas(self.x[self.n[j]])
        return [held[j] for j in range(n_cards)]

    def batch_gpus(self) -> list[list[float]]:
        """GPUs per period and card that the batch work takes in the last solution."""
        use = [[0.0] * len(self.index.cards) for _ in range(self.index.periods)]
        for j, t, gpus, col in self.batch_columns:
            use[t][j] += gpus * self.x[col]
        return use

    def rounded(self) -> dict[tuple[int, int], tuple[int, ...]]:
        """Each hour's pattern of most weight in the last solution, by ``(workload, period)``."""
        best: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {}
        for i, t, counts, col in self.patterns:
            if (i, t) not in best or self.x[col] > best[i, t][0]:
                best[i, t] = (self.x[col], counts)
        return {key: counts for key, (_, counts) in best.items()}
