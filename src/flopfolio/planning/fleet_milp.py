"""The fleet MILP of :mod:`flopfolio.planning.fleet` as a HiGHS program: its columns by meaning
(``n``, ``k``, ``s``, ``y``, ``z``), a starting plan written as a solution vector, and the solve —
run in a thread of its own so that plans found meanwhile by the heuristic
(:mod:`flopfolio.planning.fleet_heuristic`) reach it as user solutions while it runs."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flopfolio.planning.fleet_problem import (
    HOURS_PER_MONTH,
    TOL,
    FleetProblem,
    ceil_replicas,
)
from flopfolio.planning.highs_program import Program


@dataclass
class FleetModel(Program):
    n: dict[str, int] = field(default_factory=dict)
    k: dict[tuple[str, str, int], int] = field(default_factory=dict)
    s: dict[tuple[str, str, int], int] = field(default_factory=dict)
    y: dict[tuple[str, str, int], int] = field(default_factory=dict)
    z: dict[tuple[int, int], int] = field(default_factory=dict)  # (packing index, period) → column


def build_model(problem: FleetProblem) -> FleetModel:
    """The program of the module docstring of :mod:`flopfolio.planning.fleet`, tightened as it
    says."""
    m = FleetModel()
    cards = {c.name: c for c in problem.cards}
    c_month, h = problem.cycles_per_month, problem.period_hours
    for option in problem.cards:
        m.n[option.name] = m.var(HOURS_PER_MONTH * option.usd_per_gpu_hour, True)
    on_card: dict[tuple[str, int], list[tuple[int, float]]] = {}
    for w in problem.workloads:
        pairs = [r for r in problem.rates if r.workload == w.name]
        egress = {
            c: c_month * h * cards[c].egress_usd_per_gb * w.egress_gb_per_request for c in cards
        }
        if w.is_batch:
            work = []
            for r in pairs:
                for t in range((w.deadline_period or 0) + 1):
                    col = m.var(egress[r.card] * r.requests_per_replica_hour, False)
                    m.y[w.name, r.card, t] = col
                    on_card.setdefault((r.card, t), []).append((col, r.gpus_per_replica))
                    work.append((col, h * r.requests_per_replica_hour))
            m.row(work, w.batch_requests, math.inf)
            continue
        shared = [(qi, q) for qi, q in enumerate(problem.packings) if w.name in q.workloads]
        for t, demand in enumerate(w.demand_per_hour):
            if demand <= TOL:
                continue
            # (column, requests per hour it serves, card) for every way to serve this hour
            serve: list[tuple[int, float, str]] = []
            for r in pairs:
                k = m.var(0.0, True, ceil_replicas(demand / r.requests_per_replica_hour))
                m.k[w.name, r.card, t] = k
                on_card.setdefault((r.card, t), []).append((k, r.gpus_per_replica))
                serve.append((k, r.requests_per_replica_hour, r.card))
            for qi, q in shared:
                if (qi, t) not in m.z:
                    m.z[qi, t] = m.var(0.0, True)
                    on_card.setdefault((q.card, t), []).append((m.z[qi, t], 1.0))
                serve.append((m.z[qi, t], q.rate(w.name), q.card))
            served: list[tuple[int, float]] = []
            by_card: dict[str, list[tuple[int, float]]] = {}
            for col, rate, card in serve:
                by_card.setdefault(card, []).append((col, rate))
            for card, entries in by_card.items():
                if egress[card] <= 0:  # no per-request bill: the capacity covers demand directly
                    served += entries
                    continue
                s_col = m.var(egress[card], False)
                m.s[w.name, card, t] = s_col
                m.row([(s_col, 1.0), *((c, -r) for c, r in entries)], -math.inf, 0.0)
                served.append((s_col, 1.0))
            m.row(served, demand, math.inf)
            for rate in sorted({rate for _, rate, _ in serve}):  # Chvátal–Gomory roundings
                m.row(
                    [(col, float(ceil_replicas(r / rate))) for col, r, _ in serve],
                    ceil_replicas(demand / rate), math.inf,
                )  # fmt: skip
    for (card, _t), entries in on_card.items():
        m.row([*entries, (m.n[card], -1.0)], -math.inf, 0.0)
    return m


def start_vector(problem: FleetProblem, m: FleetModel, held: Mapping[str, int],
                 replicas: Mapping[tuple[str, str, int], int],
                 batch: Mapping[tuple[str, str, int], float]) -> list[float]:  # fmt: skip
    """A plan (GPUs held, whole replicas per workload, card and period, batch replicas) as a
    solution of ``m``: each hour's requests billed for egress on the cheapest cards first; no GPU is
    shared (``z = 0``)."""
    x = [0.0] * len(m.cost)
    for card, col in m.n.items():
        x[col] = float(held.get(card, 0))
    for key, col in m.k.items():
        x[col] = float(min(replicas.get(key, 0), m.upper[col]))  # more than covers alone: idle
    for key, col in m.y.items():
        x[col] = batch.get(key, 0.0)
    billed: dict[tuple[str, int], list[tuple[float, str, int]]] = {}
    for (name, card, t), col in m.s.items():
        billed.setdefault((name, t), []).append((m.cost[col], card, col))
    for (name, t), cols in billed.items():
        demand = next(w for w in problem.workloads if w.name == name).demand_per_hour[t]
        own = {card for _, card, _ in cols}
        left = demand
        for card in (c.name for c in problem.cards if c.name not in own):  # unbilled capacity
            left -= _capacity(problem, replicas, name, card, t)
        for _cost, card, col in sorted(cols):
            x[col] = max(0.0, min(_capacity(problem, replicas, name, card, t), left))
            left -= x[col]
    return x


def _capacity(problem: FleetProblem, replicas: Mapping[tuple[str, str, int], int], name: str,
              card: str, t: int) -> float:  # fmt: skip
    r = problem.rate(name, card)
    return replicas.get((name, card, t), 0) * r.requests_per_replica_hour if r else 0.0


@dataclass(frozen=True, slots=True)
class MilpOutcome:
    x: tuple[float, ...] | None  # the best solution HiGHS holds, if any
    objective: float
    bound: float  # proven: no plan costs less
    within_gap: bool  # HiGHS stopped because the gap asked was reached
    infeasible: bool
    message: str


class MilpSolve:
    """HiGHS on ``m`` in a thread of its own (:meth:`start`); :meth:`offer` hands it a solution
    vector while it runs (taken at its next user-solution callback); :meth:`result` waits."""

    def __init__(self, m: Program, gap: float, time_limit: float) -> None:
        self._highs = m.highs(mip_rel_gap=gap, time_limit=max(time_limit, 0.01))
        self._lock = threading.Lock()
        self._pending: list[float] | None = None
        self._thread: threading.Thread | None = None
        self._highs.cbMipUserSolution.subscribe(self._callback)

    def _callback(self, event: Any) -> None:
        import numpy as np

        with self._lock:
            pending, self._pending = self._pending, None
        if pending is not None:
            event.data_in.user_has_solution = True
            event.data_in.setSolution(np.array(pending, dtype=np.float64))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._highs.run, daemon=True)
        self._thread.start()

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for HiGHS to finish; whether it has."""
        if self._thread is not None:
            self._thread.join(max(0.0, seconds))
        return not self.running()

    def offer(self, x: Sequence[float]) -> None:
        with self._lock:
            self._pending = list(x)

    def result(self) -> MilpOutcome:
        import highspy

        if self._thread is not None:
            self._thread.join()
        h = self._highs
        status = h.getModelStatus()
        info = h.getInfo()
        has_x = info.primal_solution_status == 2  # kSolutionStatusFeasible
        x = tuple(h.getSolution().col_value) if has_x else None
        objective = float(info.objective_function_value) if has_x else math.inf
        bound = float(info.mip_dual_bound)
        if not math.isfinite(bound):
            bound = 0.0
        return MilpOutcome(
            x, objective, bound, status == highspy.HighsModelStatus.kOptimal,
            status == highspy.HighsModelStatus.kInfeasible, h.modelStatusToString(status),
        )  # fmt: skip
