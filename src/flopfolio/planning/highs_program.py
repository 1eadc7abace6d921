"""A linear or mixed-integer program built column by column and row by row, handed to HiGHS
(``highspy``, imported only when a program is solved) in one piece."""

from __future__ import annotations

import math
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

Entries = list[tuple[int, float]]  # (column, coefficient)
_banner = threading.Lock()  # held while HiGHS' first instance prints its banner to a closed stdout
_bannered: list[bool] = []  # one entry once that first instance is made


def new_highs() -> Any:
    """A quiet ``highspy.Highs`` on one thread. HiGHS prints a banner on the process' standard
    output when its first instance is made, before any option can silence it; that one line would
    break the CLI's ``--json`` output, so file descriptor 1 points at ``/dev/null`` while it is
    made. One thread each: the fleet runs its MILP and its heuristic's small MIPs side by side,
    and HiGHS' worker pool is shared by every instance in the process (its size is fixed by the
    first solve, so every instance here asks for the same)."""
    import highspy

    with _banner:
        try:
            saved = -1 if _bannered else os.dup(1)
        except OSError:  # no standard output to silence
            saved = -1
        if saved < 0:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        else:
            sys.stdout.flush()
            try:
                with open(os.devnull, "w") as devnull:
                    os.dup2(devnull.fileno(), 1)
                    h = highspy.Highs()  # type: ignore[no-untyped-call]
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _bannered.append(True)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    return h


@dataclass
class Program:
    cost: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    rows: list[tuple[Entries, float, float]] = field(default_factory=list)

    def var(self, cost: float, integer: bool = False, upper: float = math.inf) -> int:
        self.cost.append(cost)
        self.integer.append(integer)
        self.lower.append(0.0)
        self.upper.append(upper)
        return len(self.cost) - 1

    def row(self, entries: Entries, lower: float, upper: float) -> int:
        self.rows.append((entries, lower, upper))
        return len(self.rows) - 1

    def highs(self, *, relax: bool = False, **options: float | str | bool) -> Any:
        """A ``highspy.Highs`` holding this program, quiet, with ``options`` set."""
        import highspy
        import numpy as np

        columns: list[list[tuple[int, float]]] = [[] for _ in self.cost]
        for i, (entries, _lo, _hi) in enumerate(self.rows):
            merged: dict[int, float] = {}
            for col, val in entries:
                merged[col] = merged.get(col, 0.0) + val
            for col, val in merged.items():
                columns[col].append((i, val))
        starts, index, value = [0], [], []
        for entries in columns:
            for row, val in entries:
                index.append(row)
                value.append(val)
            starts.append(len(index))
        inf = highspy.kHighsInf

        def clip(x: float) -> float:
            return inf if x == math.inf else -inf if x == -math.inf else x

        h = new_highs()
        for name, setting in options.items():
            h.setOptionValue(name, setting)
        integrality = [0 if relax else int(i) for i in self.integer]
        h.passModel(
            len(self.cost), len(self.rows), len(index), 1, 1, 0.0,  # column-wise, minimise
            np.array(self.cost, dtype=np.float64),
            np.array([clip(x) for x in self.lower], dtype=np.float64),
            np.array([clip(x) for x in self.upper], dtype=np.float64),
            np.array([clip(lo) for _, lo, _ in self.rows], dtype=np.float64),
            np.array([clip(hi) for _, _, hi in self.rows], dtype=np.float64),
            np.array(starts, dtype=np.int32), np.array(index, dtype=np.int32),
            np.array(value, dtype=np.float64), np.array(integrality, dtype=np.int32),
        )  # fmt: skip
        return h

    def feasible(self, x: list[float], tol: float = 1e-6) -> bool:
        """Whether ``x`` meets every bound, row and integrality of the program (relative
        tolerance)."""
        if len(x) != len(self.cost):
            return False
        for v, lo, hi, integer in zip(x, self.lower, self.upper, self.integer, strict=True):
            if (
                v < lo - tol
                or v > hi + tol * max(1.0, abs(hi))
                or (integer and abs(v - round(v)) > tol)
            ):
                return False
        for entries, lo, hi in self.rows:
            activity = sum(x[col] * val for col, val in entries)
            if activity < lo - tol * max(1.0, abs(lo)) or activity > hi + tol * max(1.0, abs(hi)):
                return False
        return True

    def objective(self, x: list[float]) -> float:
        return sum(c * v for c, v in zip(self.cost, x, strict=True))
