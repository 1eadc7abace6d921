"""Chargeback (pure): who pays what for the pool's contracts, month by month.

The ledger covers months ``[0, H)``. A contract's cost is accrued over the months it supplies
(``gpus · 730 h · usd_per_gpu_hour`` a month, an upfront one included — when cash leaves is
:meth:`Contract.monthly_cost_usd`'s concern), so ``C`` = the contracts' cost inside the horizon
(their full ``cost_usd`` when they end by ``H``).

Internal price (one blended price for the pool, all accelerators alike)

  ``p = C / contracted GPU-hours``  in the horizon.

Per member ``i`` and month ``m``, with ``q`` its quota hours (guaranteed + inference allocations,
its nominal quota), ``b`` its borrowed hours, ``Q_m, B_m`` their sums and ``K_m`` the contracted
hours:

* quota charge ``p·q``; borrowed charge ``(1 − d)·p·b``, ``d`` = ``borrowed_discount``;
* idle: the capacity outside every quota, ``K_m − Q_m`` hours (lent to borrowers or unused), costs
  ``p·(K_m − Q_m)``. Rule ``"pro_rata_guaranteed"`` (default): members share it pro rata to their
  quota hours ``q`` that month ("guaranteed" meaning held by right: guaranteed + inference); a
  month in which nobody holds quota falls back to quota hours over the whole horizon; with no
  quota anywhere the sponsor covers it. Rule ``"sponsor"``: the sponsor covers it as a subsidy.
* batch work (``batch`` allocations) is lent capacity too: charged ``(1 − d)·p`` per hour like
  borrowing, and counted in ``B_m``.
* credits for lent quota: the idle capacity belongs to whoever pays for it, so borrowing it is
  borrowing their share. The borrowers' charges that month, ``(1 − d)·p·B_m``, are credited back to
  the members who carried that month's idle cost, by the same shares (under ``"sponsor"`` they
  reduce the sponsor's subsidy instead). A member is credited only in months it had quota whose
  idle share was lent, and never more than its idle share, since ``B_m ≤ K_m − Q_m``.
* resale: with ``resale_usd_per_gpu_hour`` (per accelerator, what the market pays the pool), the
  GPUs of each contract still idle in a month after quota, borrowing and batch are sublet in whole
  nodes of ``node_gpus``: ``R_{c,m} = ⌊idle_{c,m}/n⌋·n·730·r_acc``. The market's payment is a
  ``resale`` entry; it is credited back to the members by the idle shares (under ``"sponsor"`` it
  reduces the subsidy). The GPUs left after that are the *unsold idle*.
* subsidy share ``s``: the sponsor pays ``s`` of every member's charges net of its credits; the
  member is charged and credited ``(1 − s)`` of each.

The identity the ledger keeps over the horizon (to float rounding, ≤ 1e-6 USD):

  ``Σ charges − Σ credits + Σ subsidies + Σ resale = Σ contract costs``

because each month recovers ``p·Q_m + (1 − d)·p·B_m + p·(K_m − Q_m) − (1 − d)·p·B_m − R_m + R_m
= p·K_m``
and ``Σ_m p·K_m = C``. (A single month recovers ``p·K_m``, which is that month's contract cost
only when its contract mix is the horizon's: the blended price smooths cost over months.)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flopfolio.errors import InvalidSpecError, did_you_mean
from flopfolio.pool.domain import (
    HOURS_PER_MONTH,
    Allocation,
    AllocationKind,
    Contract,
    LedgerEntry,
    LedgerKind,
    Member,
)
from flopfolio.pool.idle import sublet_gpus

IDLE_RULES = ("pro_rata_guaranteed", "sponsor")


@dataclass(frozen=True, slots=True)
class MemberBill:
    """One member's bill over the horizon, before the subsidy share unless named."""

    member_id: str
    quota_gpu_hours: float
    borrowed_gpu_hours: float
    quota_usd: float
    borrowed_usd: float
    idle_usd: float
    credit_usd: float
    subsidy_usd: float  # what the sponsor pays on the member's behalf
    batch_gpu_hours: float = 0.0
    batch_usd: float = 0.0
    resale_credit_usd: float = 0.0  # its share of what the market paid for sublet idle capacity

    @property
    def net_usd(self) -> float:
        """What the member pays: charges − credits − subsidy."""
        return (
            self.quota_usd + self.borrowed_usd + self.batch_usd + self.idle_usd
            - self.credit_usd - self.resale_credit_usd - self.subsidy_usd
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Ledger:
    entries: tuple[LedgerEntry, ...]
    bills: dict[str, MemberBill]
    internal_usd_per_gpu_hour: float
    contracted_gpu_hours: float
    quota_gpu_hours: float
    borrowed_gpu_hours: float
    unused_gpu_hours: float  # contracted, in nobody's quota and not borrowed
    contract_cost_usd: float
    charges_usd: float
    credits_usd: float
    subsidy_usd: float
    idle_rule: str
    borrowed_discount: float
    subsidy_share: float
    usd_per_gpu_hour_by_accelerator: dict[str, float] = field(default_factory=dict)
    resale_usd: float = 0.0  # what the market paid for sublet idle capacity
    resold_gpu_hours: float = 0.0
    resold_by_month: tuple[dict[str, float], ...] = ()  # per month: accelerator -> GPU-hours sold
    unsold_idle_gpu_hours: float = 0.0  # contracted, in no quota, not lent, not resold

    @property
    def imbalance_usd(self) -> float:
        """``Σ charges − Σ credits + Σ subsidies + Σ resale − Σ contract costs``: zero up to
        rounding."""
        return math.fsum(
            (self.charges_usd, -self.credits_usd, self.subsidy_usd, self.resale_usd,
             -self.contract_cost_usd)
        )  # fmt: skip

    def total_usd(self, kind: LedgerKind, member_id: str | None = None) -> float:
        return math.fsum(
            e.usd
            for e in self.entries
            if e.kind is kind and (member_id is None or e.member_id == member_id)
        )


def _shares(weights: dict[str, float], amount: float) -> dict[str, float]:
    """``amount`` split pro rata to ``weights``; the last share takes the rounding remainder."""
    total = math.fsum(weights.values())
    keys = sorted(k for k, w in weights.items() if w > 0)
    out = {k: amount * weights[k] / total for k in keys[:-1]}
    out[keys[-1]] = amount - math.fsum(out.values())
    return out


def chargeback(
    contracts: Sequence[Contract],
    allocations: Sequence[Allocation],
    members: Sequence[Member],
    horizon_months: int,
    *,
    borrowed_discount: float = 0.5,
    idle_rule: str = "pro_rata_guaranteed",
    subsidy_share: float = 0.0,
    resale_usd_per_gpu_hour: Mapping[str, float] | None = None,
    node_gpus: int = 8,
) -> Ledger:
    """The ledger of contract costs, member charges, credits and subsidies (see the module
    docstring for the rules and the identity it keeps)."""
    if horizon_months < 1:
        raise InvalidSpecError(f"horizon_months must be at least 1, got {horizon_months}.")
    if not 0 <= borrowed_discount <= 1 or not 0 <= subsidy_share <= 1:
        raise InvalidSpecError(
            f"borrowed_discount ({borrowed_discount}) and subsidy_share ({subsidy_share}) must be in "
            "[0, 1]. To fix: pass shares, e.g. 0.5 for half."
        )
    if idle_rule not in IDLE_RULES:
        raise InvalidSpecError(
            f"unknown idle_rule {idle_rule!r}.{did_you_mean(idle_rule, IDLE_RULES)} "
            f"To fix: use one of {', '.join(IDLE_RULES)}."
        )
    by_contract = {c.id: c for c in contracts}
    known = {m.id for m in members}
    horizon, h = horizon_months, HOURS_PER_MONTH
    entries: list[LedgerEntry] = []

    contracted: dict[tuple[int, str], float] = defaultdict(float)
    cost: dict[str, float] = defaultdict(float)
    hours_of: dict[str, float] = defaultdict(float)
    for c in sorted(contracts, key=lambda c: c.id):
        for m in range(c.start_month, min(c.end_month, horizon)):
            contracted[m, c.accelerator_id] += c.gpus * h
            usd = c.gpus * h * c.usd_per_gpu_hour
            cost[c.accelerator_id] += usd
            hours_of[c.accelerator_id] += c.gpus * h
            entries.append(LedgerEntry(m, LedgerKind.CONTRACT, usd, None, c.id))
    quota: dict[tuple[int, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    borrowed: dict[tuple[int, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    batch: dict[tuple[int, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    used = {c.id: [0] * horizon for c in contracts}
    for a in allocations:
        if a.contract_id not in by_contract:
            raise InvalidSpecError(
                f"allocation {a.id!r} is on contract {a.contract_id!r}, not among the contracts."
                f"{did_you_mean(a.contract_id, by_contract)}"
            )
        if a.member_id not in known:
            raise InvalidSpecError(
                f"allocation {a.id!r} is for member {a.member_id!r}, not among the members."
                f"{did_you_mean(a.member_id, known)}"
            )
        table = (
            borrowed if a.kind is AllocationKind.BORROWED
            else batch if a.kind is AllocationKind.BATCH
            else quota
        )  # fmt: skip
        acc, row = by_contract[a.contract_id].accelerator_id, used[a.contract_id]
        for m in range(a.start_month, min(a.end_month, horizon)):
            table[m, acc][a.member_id] += a.gpus * h
            row[m] += a.gpus
    resale_prices = dict(resale_usd_per_gpu_hour or {})
    resold: list[dict[str, float]] = [defaultdict(float) for _ in range(horizon)]
    resale: dict[tuple[int, str], float] = defaultdict(float)
    for c in sorted(contracts, key=lambda c: c.id):
        price_r = resale_prices.get(c.accelerator_id)
        if not price_r:
            continue
        for m in range(c.start_month, min(c.end_month, horizon)):
            sold = sublet_gpus(c.gpus - used[c.id][m], node_gpus)
            if sold > 0:
                resold[m][c.accelerator_id] += sold * h
                usd = sold * h * price_r
                resale[m, c.accelerator_id] += usd
                entries.append(LedgerEntry(m, LedgerKind.RESALE, usd, None, c.id))
    contract_cost = math.fsum(cost.values())
    total_hours = math.fsum(contracted.values())
    prices = {acc: cost[acc] / hours_of[acc] for acc in cost if hours_of[acc]}
    horizon_quota: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (_, acc), month in quota.items():
        for member_id, hours in month.items():
            horizon_quota[acc][member_id] += hours
    bill: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    keep = 1.0 - subsidy_share
    for m, acc in sorted(contracted):
        price = prices[acc]
        q_m = math.fsum(quota[m, acc].values())
        b_m = math.fsum(borrowed[m, acc].values()) + math.fsum(batch[m, acc].values())
        outside = contracted[m, acc] - q_m
        sold_usd = resale[m, acc]
        if outside < -1e-9 or b_m > outside + 1e-9:
            raise InvalidSpecError(
                f"month {m}, {acc}: {q_m + b_m:,.0f} GPU-hours allocated but "
                f"{contracted[m, acc]:,.0f} contracted. To fix: allocate with the engine, which "
                "never overbooks."
            )
        idle_usd, fees_usd = price * outside, (1 - borrowed_discount) * price * b_m
        gross: dict[str, float] = defaultdict(float)  # charges − credits, before the subsidy share
        for member_id, hours in sorted(quota[m, acc].items()):
            _charge(entries, bill, m, member_id, "quota", price * hours, keep)
            bill[member_id]["quota_h"] += hours
            gross[member_id] += price * hours
        for what, table in (("borrowed", borrowed), ("batch", batch)):
            for member_id, hours in sorted(table[m, acc].items()):
                _charge(entries, bill, m, member_id, what, (1 - borrowed_discount) * price * hours, keep)  # fmt: skip
                bill[member_id][f"{what}_h"] += hours
                gross[member_id] += (1 - borrowed_discount) * price * hours
        weights = dict(quota[m, acc]) if q_m > 0 else dict(horizon_quota.get(acc, {}))
        if idle_rule == "sponsor" or not any(w > 0 for w in weights.values()):
            sponsor = idle_usd - fees_usd - sold_usd
            if sponsor:
                entries.append(LedgerEntry(m, LedgerKind.SUBSIDY, sponsor, None,
                                           f"idle {acc} less borrowers' charges and resale"))  # fmt: skip
        else:
            idle_shares, credits = _shares(weights, idle_usd), _shares(weights, fees_usd)
            resale_shares = _shares(weights, sold_usd)
            for member_id in sorted(idle_shares):
                _charge(entries, bill, m, member_id, "idle", idle_shares[member_id], keep)
                credit = credits[member_id]
                if credit:
                    entries.append(LedgerEntry(m, LedgerKind.CREDIT, keep * credit, member_id,
                                               "idle share lent to borrowers"))  # fmt: skip
                    bill[member_id]["credit"] += credit
                back = resale_shares[member_id]
                if back:
                    entries.append(LedgerEntry(m, LedgerKind.CREDIT, keep * back, member_id,
                                               "idle share resold to the market"))  # fmt: skip
                    bill[member_id]["resale"] += back
                gross[member_id] += idle_shares[member_id] - credit - back
        if subsidy_share:
            for member_id, net in sorted(gross.items()):
                if net:
                    entries.append(LedgerEntry(m, LedgerKind.SUBSIDY, subsidy_share * net,
                                               member_id, "sponsor's share of the bill"))  # fmt: skip
                    bill[member_id]["subsidy"] += subsidy_share * net
    total = {kind: math.fsum(e.usd for e in entries if e.kind is kind) for kind in LedgerKind}
    bills = {
        member_id: MemberBill(
            member_id,
            b["quota_h"],
            b["borrowed_h"],
            b["quota"],
            b["borrowed"],
            b["idle"],
            b["credit"],
            b["subsidy"],
            b["batch_h"],
            b["batch"],
            b["resale"],
        )
        for member_id, b in sorted(bill.items())
    }
    quota_hours = math.fsum(sum(month.values()) for month in quota.values())
    borrowed_hours = math.fsum(sum(month.values()) for month in borrowed.values())
    borrowed_hours += math.fsum(sum(month.values()) for month in batch.values())
    resold_hours = math.fsum(sum(month.values()) for month in resold)
    return Ledger(
        entries=tuple(entries),
        bills=bills,
        internal_usd_per_gpu_hour=contract_cost / total_hours if total_hours else 0.0,
        usd_per_gpu_hour_by_accelerator=prices,
        contracted_gpu_hours=total_hours,
        quota_gpu_hours=quota_hours,
        borrowed_gpu_hours=borrowed_hours,
        unused_gpu_hours=total_hours - quota_hours - borrowed_hours,
        contract_cost_usd=contract_cost,
        charges_usd=total[LedgerKind.CHARGE],
        credits_usd=total[LedgerKind.CREDIT],
        subsidy_usd=total[LedgerKind.SUBSIDY],
        idle_rule=idle_rule,
        borrowed_discount=borrowed_discount,
        subsidy_share=subsidy_share,
        resale_usd=total[LedgerKind.RESALE],
        resold_gpu_hours=resold_hours,
        resold_by_month=tuple(dict(r) for r in resold),
        unsold_idle_gpu_hours=total_hours - quota_hours - borrowed_hours - resold_hours,
    )


def _charge(
    entries: list[LedgerEntry],
    bill: dict[str, dict[str, float]],
    month: int,
    member_id: str,
    what: str,
    usd: float,
    keep: float,
) -> None:
    """A charge of ``usd`` (gross), of which the member is charged ``keep``."""
    if usd:
        entries.append(LedgerEntry(month, LedgerKind.CHARGE, keep * usd, member_id, what))
        bill[member_id][what] += usd
