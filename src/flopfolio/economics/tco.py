"""Total cost of owning GPUs, against renting them, and the scale at which a data center pays.

Per GPU, at full availability (8,760 hours a year), the owned cost per GPU-hour is::

    capex     = (usd_per_accelerator + server_share_usd_per_gpu) / (depreciation_years · 8760)
    capital   = capex_total · (crf(r, n) − 1/n) / 8760        crf = r / (1 − (1 + r)^−n), the
                                                               annuity that repays capex at rate r
    power     = (tdp_w + server_overhead_w) / 1000 · power_draw_share · pue · usd_per_kwh
    space     = (tdp_w + server_overhead_w) / 1000 · space_and_cooling_usd_per_kw_month · 12 / 8760
    staff     = usd_per_engineer_year / gpus_per_engineer / 8760
    total     = capex + capital + power + space + staff

Space is charged on the nameplate kW (a colocation contract reserves peak power); power on the
average draw. ``power_cost_usd(W, h, $/kWh, pue) = W/1000 · h · $/kWh · pue``.

Rent against own (``rent_vs_own``), for ``gpus`` owned GPUs used a share ``u`` of the hours and
an optional fixed cost ``F`` a year::

    rent_annual = rent · gpus · 8760 · u          (renting pays only for the hours used)
    own_annual  = total · gpus · 8760 + F
    break-even utilization u* = total / rent + F / (rent · gpus · 8760)

Scale (``scale_break_even``): to deliver ``H`` used GPU-hours a year, renting costs ``rent · H``;
owning costs ``F + H · total / u`` where ``F`` is the fixed cost of running a data center at all
(a core team, and any facility commitment). Owning pays once the annual rental spend exceeds::

    S* = F / (1 − total / (u · rent))      (never, when total / u ≥ rent)

Defaults and their sources:

- ``depreciation_years = 4``: the server useful life Microsoft, Alphabet, Amazon and Meta used
  before 2022; they have since moved to 5-6 years (Microsoft FY2023 10-Q: "from four years to six
  years"; Alphabet 10-K 2022: six years; Amazon 10-K 2022: four to five; Meta 10-K 2022: five), as
  summarised in https://shaulkoral.com/useful-life-of-servers-and-network-assets-at-tech-companies/.
  Four years is kept for GPUs because their value falls with each yearly product generation.
- ``pue = 1.3``: Uptime Institute's 2024 survey finds new, large facilities at 1.3 or better while
  the industry average has stayed near 1.58 (2023) for years
  (https://intelligence.uptimeinstitute.com/resource/large-data-centers-are-mostly-more-efficient-analysis-confirms;
  https://cloudnews.tech/uptime-institute-highlights-decline-in-trust-in-ai-and-need-to-improve-sustainability-metrics-in-data-centers).
- ``usd_per_kwh = 0.10``: the seed's "market rates of $0.10/kWh" (seed 002).
- ``power_draw_share = 0.75``: a DGX H100 draws 6.5-8.5 kW typical against 10.2 kW maximum
  (https://www.supercluster.blog/p/6-ai-supercluster-nvidia-dgx-h100); 7.5 / 10.2 ≈ 0.74.
- ``space_and_cooling_usd_per_kw_month = 184.06``: CBRE's North America average asking rate for
  a 250-500 kW wholesale colocation requirement, H2 2024
  (https://www.cbre.com/insights/reports/north-america-data-center-trends-h2-2024). Wholesale
  rates exclude the metered electricity, which ``power`` charges separately.
- ``usd_per_engineer_year = 190,000``: BLS median pay of computer network architects, $129,840
  (May 2023, https://www.bls.gov/ooh/computer-and-information-technology/home.htm), divided by
  0.683, the share of wages in employer compensation cost (BLS ECEC, e.g. Sept 2018 release:
  "accounted for 68.3 percent"): $190,100, rounded. An assumption for a US operations engineer.
- ``gpus_per_engineer = 250``: "sites add one FTE for roughly every 250 processors" (Roskies and
  Zacharia, CTWatch Quarterly 2(2), 2006,
  http://www.ctwatch.org/quarterly/articles/2006/05/designing-and-supporting-high-end-computational-facilities/4/index.html).
  That rule counts CPU-era processors; applying it to GPUs is an assumption.
- ``core_team_engineers = 10`` (scale model): "8-12 FTEs for a single, large, stand-alone HPC
  system to provide systems administration, security, networking, storage, and 24x7 monitoring"
  (same CTWatch article). The core team is a fixed cost on top of the per-GPU staff above.
- ``fixed_facility_usd_per_year = 0`` (scale model): the default assumes colocation, whose per-kW
  rent is already in the per-GPU cost; set it for a self-built facility.
- ``utilization_of_owned = 0.8`` (scale model): an assumption (a buyer at data-center scale owns
  its steady base load and bursts to the cloud); the seeds give no figure.
- ``cost_of_capital_per_year = 0``: off unless given.

Where the seed's rule of thumb lands. Seed 002: owning "typically requires infrastructure spend
of more than $50 million per year". With an H100 DGX priced from ``hardware_prices.csv``
($27,500 GPU, $270,000 server, 10.2 kW), the defaults above and the AWS p5 3-year rate
($2.97216 per GPU-hour, ``offers.csv``) the model puts break-even at about **$5.1 million** of
annual rental spend (about 250 owned GPUs): an order of magnitude below the seed. The gap is
what the model leaves out, not a number it disputes: a self-built facility (construction
capital, years of lead time), the discounts a $50M-a-year customer negotiates below list rent,
multi-site redundancy, and the risk of owning hardware a new generation devalues. At these
inputs each rented dollar saves 37 cents when owned, so a $50M threshold corresponds to about
$18.5M a year of fixed cost (:meth:`ScaleBreakEven.fixed_usd_per_year_for`), or to owned GPUs
costing within about 4% of rent per used hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flopfolio.errors import InvalidSpecError

HOURS_PER_YEAR = 8760.0
MONTHS_PER_YEAR = 12.0

DEFAULT_DEPRECIATION_YEARS = 4.0
DEFAULT_POWER_DRAW_SHARE = 0.75
DEFAULT_PUE = 1.3
DEFAULT_USD_PER_KWH = 0.10
DEFAULT_SPACE_AND_COOLING_USD_PER_KW_MONTH = 184.06
DEFAULT_USD_PER_ENGINEER_YEAR = 190_000.0
DEFAULT_GPUS_PER_ENGINEER = 250.0
DEFAULT_CORE_TEAM_ENGINEERS = 10.0
DEFAULT_UTILIZATION_OF_OWNED = 0.8

SEED_DATA_CENTER_THRESHOLD_USD_PER_YEAR = 50e6
"""Seed 002: running your own data center "typically requires infrastructure spend of more than
$50 million per year"."""


def _check(
    value: float,
    what: str,
    *,
    low: float = 0.0,
    high: float,
    allow_low: bool = False,
    fix: str,
) -> float:
    """``value`` as a float if it is a finite number in (low, high] (or [low, high])."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidSpecError(f"{what} must be a number, got {value!r}. To fix: {fix}")
    number = float(value)
    lower_ok = number >= low if allow_low else number > low
    if math.isnan(number) or not lower_ok or number > high:
        bracket = "[" if allow_low else "("
        raise InvalidSpecError(
            f"{what} must be in {bracket}{low:g}, {high:g}], got {value!r}. To fix: {fix}"
        )
    return number


# field, low, high, low allowed, how to fix: bounds are typo guards, far outside real values.
_INPUT_LIMITS: tuple[tuple[str, float, float, bool, str], ...] = (
    ("usd_per_accelerator", 0, 1e7, False, "give the price of one accelerator in USD, e.g. 27500."),
    ("accelerator_tdp_w", 0, 1e5, False, "give the board power in watts, e.g. 700 for H100 SXM."),
    ("server_share_usd_per_gpu", 0, 1e7, True, "give the non-GPU server cost per GPU, or 0."),
    ("server_overhead_w_per_gpu", 0, 1e5, True, "give the CPU/NIC/fan watts per GPU, or 0."),
    ("depreciation_years", 0, 30, False, "use a useful life in years, e.g. 4."),
    ("power_draw_share", 0, 1, False, "give average draw as a share of nameplate, e.g. 0.75."),
    ("pue", 1, 5, True, "use a power usage effectiveness of 1.0 or more, e.g. 1.3."),
    ("usd_per_kwh", 0, 10, True, "give the electricity price in USD per kWh, e.g. 0.10."),
    ("space_and_cooling_usd_per_kw_month", 0, 1e4, True, "give a rate per kW-month, or 0."),
    ("usd_per_engineer_year", 0, 1e7, True, "give the loaded cost of an engineer-year, or 0."),
    ("gpus_per_engineer", 0, 1e7, False, "give how many GPUs one engineer runs, e.g. 250."),
    ("cost_of_capital_per_year", 0, 0.99, True, "give an annual rate as a fraction, e.g. 0.08."),
)


@dataclass(frozen=True, slots=True)
class OwnershipInputs:
    """What owning one GPU costs: purchase, power, space, people, money. Defaults are sourced in
    the module docstring."""

    usd_per_accelerator: float
    accelerator_tdp_w: float
    server_share_usd_per_gpu: float = 0.0
    server_overhead_w_per_gpu: float = 0.0
    depreciation_years: float = DEFAULT_DEPRECIATION_YEARS
    power_draw_share: float = DEFAULT_POWER_DRAW_SHARE
    pue: float = DEFAULT_PUE
    usd_per_kwh: float = DEFAULT_USD_PER_KWH
    space_and_cooling_usd_per_kw_month: float = DEFAULT_SPACE_AND_COOLING_USD_PER_KW_MONTH
    usd_per_engineer_year: float = DEFAULT_USD_PER_ENGINEER_YEAR
    gpus_per_engineer: float = DEFAULT_GPUS_PER_ENGINEER
    cost_of_capital_per_year: float = 0.0

    def __post_init__(self) -> None:
        for name, low, high, allow_low, fix in _INPUT_LIMITS:
            _check(getattr(self, name), name, low=low, high=high, allow_low=allow_low, fix=fix)

    @property
    def capex_usd_per_gpu(self) -> float:
        """Purchase price per GPU: the accelerator plus its share of the server (USD)."""
        return self.usd_per_accelerator + self.server_share_usd_per_gpu

    @property
    def nameplate_kw_per_gpu(self) -> float:
        """Peak IT power per GPU, server overhead included (kW)."""
        return (self.accelerator_tdp_w + self.server_overhead_w_per_gpu) / 1000.0


@dataclass(frozen=True, slots=True)
class OwnedCost:
    """Owned cost per GPU-hour at full availability (every hour of the year), by component."""

    capex_usd_per_gpu_hour: float
    capital_usd_per_gpu_hour: float
    power_usd_per_gpu_hour: float
    space_and_cooling_usd_per_gpu_hour: float
    staff_usd_per_gpu_hour: float
    inputs: OwnershipInputs

    @property
    def total_usd_per_gpu_hour(self) -> float:
        return (
            self.capex_usd_per_gpu_hour
            + self.capital_usd_per_gpu_hour
            + self.power_usd_per_gpu_hour
            + self.space_and_cooling_usd_per_gpu_hour
            + self.staff_usd_per_gpu_hour
        )

    @property
    def annual_usd_per_gpu(self) -> float:
        return self.total_usd_per_gpu_hour * HOURS_PER_YEAR

    def usd_per_used_gpu_hour(self, utilization: float) -> float:
        """The owned cost spread over the hours actually used (``utilization`` in (0, 1])."""
        u = _check(utilization, "utilization", high=1, fix="give a share of hours, e.g. 0.8.")
        return self.total_usd_per_gpu_hour / u


def power_cost_usd(watts: float, hours: float, usd_per_kwh: float, pue: float = 1.0) -> float:
    """Electricity cost of drawing ``watts`` for ``hours``: W/1000 · h · $/kWh · PUE."""
    w = _check(watts, "watts", high=1e9, allow_low=True, fix="give a power draw in watts.")
    h = _check(hours, "hours", high=1e7, allow_low=True, fix="give a duration in hours.")
    price = _check(
        usd_per_kwh,
        "usd_per_kwh",
        high=10,
        allow_low=True,
        fix="give the electricity price in USD per kWh, e.g. 0.10.",
    )
    p = _check(
        pue,
        "pue",
        low=1,
        high=5,
        allow_low=True,
        fix="use a power usage effectiveness of 1.0 or more.",
    )
    return w / 1000.0 * h * price * p


def _capital_recovery_factor(rate: float, years: float) -> float:
    """The annual payment that repays 1 USD over ``years`` at ``rate`` (1/years when rate is 0)."""
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - math.pow(1.0 + rate, -years))


def owned_cost_per_gpu_hour(inputs: OwnershipInputs) -> OwnedCost:
    """The formulas of the module docstring, per GPU-hour over all 8,760 hours of a year."""
    capex = inputs.capex_usd_per_gpu
    straight_line = capex / inputs.depreciation_years
    annuity = capex * _capital_recovery_factor(
        inputs.cost_of_capital_per_year, inputs.depreciation_years
    )
    kw = inputs.nameplate_kw_per_gpu
    power = power_cost_usd(
        kw * 1000.0 * inputs.power_draw_share, 1.0, inputs.usd_per_kwh, inputs.pue
    )
    space = kw * inputs.space_and_cooling_usd_per_kw_month * MONTHS_PER_YEAR / HOURS_PER_YEAR
    staff = inputs.usd_per_engineer_year / inputs.gpus_per_engineer / HOURS_PER_YEAR
    return OwnedCost(
        capex_usd_per_gpu_hour=straight_line / HOURS_PER_YEAR,
        capital_usd_per_gpu_hour=(annuity - straight_line) / HOURS_PER_YEAR,
        power_usd_per_gpu_hour=power,
        space_and_cooling_usd_per_gpu_hour=space,
        staff_usd_per_gpu_hour=staff,
        inputs=inputs,
    )


@dataclass(frozen=True, slots=True)
class RentVsOwn:
    """Annual cost of renting the used hours against owning the fleet, and where they cross."""

    gpus: float
    utilization_of_owned: float
    rent_usd_per_gpu_hour: float
    fixed_usd_per_year: float
    rent_annual_usd: float
    own_annual_usd: float
    break_even_utilization: float
    """The share of hours the owned GPUs must be used for owning to cost what renting does; above
    1 means owning cannot win at this rent."""
    break_even_annual_rent_usd: float | None
    """The annual rental spend above which owning (at this utilization) is cheaper, given the
    fixed cost; None when owning never wins at this utilization."""
    owned: OwnedCost

    @property
    def owning_is_cheaper(self) -> bool:
        return self.own_annual_usd < self.rent_annual_usd

    @property
    def owning_can_win(self) -> bool:
        return self.break_even_utilization <= 1.0

    @property
    def savings_usd_per_year(self) -> float:
        """Renting's annual cost minus owning's (negative when renting is cheaper)."""
        return self.rent_annual_usd - self.own_annual_usd


def _break_even_spend(
    fixed_usd_per_year: float, owned_usd_per_used_hour: float, rent: float
) -> float | None:
    margin = 1.0 - owned_usd_per_used_hour / rent
    if margin <= 0:
        return None
    return fixed_usd_per_year / margin


def rent_vs_own(
    inputs: OwnershipInputs,
    rent_usd_per_gpu_hour: float,
    gpus: float,
    utilization_of_owned: float,
    fixed_usd_per_year: float = 0.0,
) -> RentVsOwn:
    """Renting the used hours at ``rent_usd_per_gpu_hour`` against owning ``gpus`` GPUs."""
    rent = _check(
        rent_usd_per_gpu_hour,
        "rent_usd_per_gpu_hour",
        high=1e4,
        fix="give a rental price per GPU-hour, e.g. 2.5.",
    )
    n = _check(gpus, "gpus", high=1e8, fix="give how many GPUs you would own, e.g. 64.")
    u = _check(
        utilization_of_owned,
        "utilization_of_owned",
        high=1,
        fix="give the share of hours the owned GPUs would be used, e.g. 0.8.",
    )
    fixed = _check(
        fixed_usd_per_year,
        "fixed_usd_per_year",
        high=1e12,
        allow_low=True,
        fix="give a fixed annual cost in USD, or 0.",
    )
    owned = owned_cost_per_gpu_hour(inputs)
    total = owned.total_usd_per_gpu_hour
    fleet_hours = n * HOURS_PER_YEAR
    return RentVsOwn(
        gpus=n,
        utilization_of_owned=u,
        rent_usd_per_gpu_hour=rent,
        fixed_usd_per_year=fixed,
        rent_annual_usd=rent * fleet_hours * u,
        own_annual_usd=total * fleet_hours + fixed,
        break_even_utilization=total / rent + fixed / (rent * fleet_hours),
        break_even_annual_rent_usd=_break_even_spend(fixed, total / u, rent),
        owned=owned,
    )


@dataclass(frozen=True, slots=True)
class ScaleBreakEven:
    """When owning a data center pays: the annual rental spend above which it is cheaper."""

    rent_usd_per_gpu_hour: float
    utilization_of_owned: float
    fixed_usd_per_year: float
    owned_usd_per_used_gpu_hour: float
    margin: float
    """Share of each rented dollar saved by owning, before fixed costs: 1 − owned / rent."""
    break_even_annual_rent_usd: float | None
    """None when owning never pays (the margin is zero or negative)."""
    owned: OwnedCost

    @property
    def break_even_used_gpu_hours(self) -> float | None:
        spend = self.break_even_annual_rent_usd
        return None if spend is None else spend / self.rent_usd_per_gpu_hour

    @property
    def break_even_gpus(self) -> float | None:
        """Owned GPUs that deliver the break-even hours at the given utilization."""
        hours = self.break_even_used_gpu_hours
        return None if hours is None else hours / (HOURS_PER_YEAR * self.utilization_of_owned)

    def fixed_usd_per_year_for(self, annual_rent_usd: float) -> float:
        """The fixed cost that would put break-even at ``annual_rent_usd`` (0 if owning never
        pays): how big a facility and team the seed's $50M threshold implies."""
        spend = _check(
            annual_rent_usd,
            "annual_rent_usd",
            high=1e13,
            fix="give an annual rental spend in USD, e.g. 50e6.",
        )
        return max(0.0, spend * self.margin)

    def owning_pays_at(self, annual_rent_usd: float) -> bool:
        spend = self.break_even_annual_rent_usd
        return spend is not None and annual_rent_usd > spend


def scale_break_even(
    inputs: OwnershipInputs,
    rent_usd_per_gpu_hour: float,
    utilization_of_owned: float = DEFAULT_UTILIZATION_OF_OWNED,
    core_team_engineers: float = DEFAULT_CORE_TEAM_ENGINEERS,
    fixed_facility_usd_per_year: float = 0.0,
) -> ScaleBreakEven:
    """The annual rental spend above which owning beats renting, with a fixed cost
    ``F = core_team_engineers · usd_per_engineer_year + fixed_facility_usd_per_year``::

        S* = F / (1 − owned_total / (utilization · rent))
    """
    rent = _check(
        rent_usd_per_gpu_hour,
        "rent_usd_per_gpu_hour",
        high=1e4,
        fix="give a rental price per GPU-hour, e.g. 2.5.",
    )
    u = _check(
        utilization_of_owned,
        "utilization_of_owned",
        high=1,
        fix="give the share of hours the owned GPUs would be used, e.g. 0.8.",
    )
    team = _check(
        core_team_engineers,
        "core_team_engineers",
        high=1e5,
        allow_low=True,
        fix="give the engineers any data center needs, e.g. 10.",
    )
    facility = _check(
        fixed_facility_usd_per_year,
        "fixed_facility_usd_per_year",
        high=1e12,
        allow_low=True,
        fix="give a fixed annual facility cost in USD, or 0.",
    )
    owned = owned_cost_per_gpu_hour(inputs)
    per_used_hour = owned.total_usd_per_gpu_hour / u
    fixed = team * inputs.usd_per_engineer_year + facility
    return ScaleBreakEven(
        rent_usd_per_gpu_hour=rent,
        utilization_of_owned=u,
        fixed_usd_per_year=fixed,
        owned_usd_per_used_gpu_hour=per_used_hour,
        margin=1.0 - per_used_hour / rent,
        break_even_annual_rent_usd=_break_even_spend(fixed, per_used_hour, rent),
        owned=owned,
    )
