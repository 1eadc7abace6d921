"""Scaling laws: how big a model a budget buys, and how inference demand changes the answer.

Chinchilla parametric loss (Hoffmann et al. 2022, "Training Compute-Optimal Large Language
Models", arXiv:2203.15556, eq. 2)::

    L(N, D) = E + A / N^α + B / D^β        N = parameters (all of them), D = training tokens

Compute-optimal split under ``C = 6·N·D`` (their eq. 4, "efficient frontier")::

    N_opt = G · (C/6)^a,   D_opt = G^-1 · (C/6)^b
    G = (α·A / (β·B))^(1/(α+β)),   a = β/(α+β),   b = α/(α+β)

The same frontier, read at a fixed loss ``ℓ`` instead of a fixed budget: at the optimum
``α·A/N^α = β·B/D^β``, so with ``ℓ' = ℓ - E``::

    N = (A·(α+β) / (β·ℓ'))^(1/α),   D = (B·(α+β) / (α·ℓ'))^(1/β)

Constants (``ScalingLaw`` presets):

``CHINCHILLA_2022``
    Hoffmann et al. 2022, Approach 3 as printed (App. D.2, eq. 10): E = 1.69, A = 406.4,
    B = 410.7, α = 0.34, β = 0.28 (Table 2 reports a = 0.46, b = 0.54 for this approach).
``CHINCHILLA_2022_UNROUNDED``
    The same fit with the TeX-source values Besiroglu et al. 2024 recovered: E = 1.6934,
    α = 0.3392, β = 0.2849 (A and B unchanged).
``BESIROGLU_2024``
    Besiroglu, Erdil, Barnett & You 2024, "Chinchilla Scaling: A replication attempt"
    (arXiv:2404.10102v2), Table 1 refit of Approach 3 on data reconstructed from Hoffmann's
    Fig. 4: E = 1.8172, A = 482.01, B = 2085.43, α = 0.3478, β = 0.3658.

At Chinchilla's own budget, C = 5.76e23 FLOPs (70B parameters, 1.4T tokens): the printed
Approach 3 constants give N = 32B, D = 3.0T (93 tokens/param); the unrounded ones 40B, 2.4T;
the Besiroglu refit 72B, 1.33T (18 tokens/param), consistent with Hoffmann's Approaches 1 and 2.
Besiroglu et al. attribute the gap to rounding and an optimizer that stopped early.

Kaplan et al. 2020 ("Scaling Laws for Neural Language Models", arXiv:2001.08361), ``KAPLAN_2020``
(``N`` = *non-embedding* parameters, loss on WebText2 with GPT-2's tokenizer: not comparable
with the Chinchilla losses)::

    L(N)        = (N_c / N)^α_N,          N_c = 8.8e13, α_N = 0.076           (eq. 1.1)
    L(C_min)    = (C_c / C_min)^α_C,      C_c = 3.1e8 PF-days, α_C = 0.050    (eq. 1.3)
    N_opt(C)    = 1.3e9 · (C / PF-day)^0.73                                    (eq. 6.1, Fig. 14)
    D           = C / (6 · N_opt)          1 PF-day = 1e15 FLOP/s × 86400 s = 8.64e19 FLOPs

Inference-aware sizing (Sardana, Doubov & Frankle 2023, "Beyond Chinchilla-Optimal: Accounting
for Inference in Language Model Scaling Laws", arXiv:2401.00448, computational-optimality
objective)::

    minimise  6·N·D + 2·N·T_inf   subject to  L(N, D) = ℓ

solved here numerically over ``log N`` with ``D(N) = (B / (ℓ - E - A/N^α))^(1/β)``. With
``T_inf = 0`` it is the Chinchilla model of loss ``ℓ``; more inference moves the optimum to a
smaller model trained on more tokens. With ``CHINCHILLA_2022_UNROUNDED`` this reproduces their
Fig. 1: a Chinchilla-optimal 13B model facing 2T inference tokens is beaten by a 7.1B model that
saves 1.6e22 FLOPs (16%; the paper: 7B, 1.7e22, 17%). Test-time compute (reasoning tokens generated before each
answer) multiplies the inference tokens by ``(reasoning + answer) / answer``.

Data limit: the stock of public human-generated text is about 3e14 tokens (90% CI 1e14-1e15;
Villalobos et al. 2024, "Will we run out of data? Limits of LLM scaling based on human-generated
data", arXiv:2211.04325v2). Up to ~4 epochs of repeated data cost little loss (Muennighoff et al.
2023, "Scaling Data-Constrained Language Models", arXiv:2305.16264).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flopfolio.errors import InvalidSpecError
from flopfolio.units import check_positive, parse_fraction

PF_DAY_FLOPS = 1e15 * 86400.0
SECONDS_PER_HOUR = 3600.0
# Villalobos et al. 2024 (arXiv:2211.04325v2): effective stock of public human text, median and 90% CI.
PUBLIC_TEXT_STOCK_TOKENS = 3e14
PUBLIC_TEXT_STOCK_TOKENS_LOW = 1e14
PUBLIC_TEXT_STOCK_TOKENS_HIGH = 1e15
# Muennighoff et al. 2023: up to ~4 epochs of repetition is nearly as good as unique data.
CHEAP_REPEAT_EPOCHS = 4.0


def _positive(value: float, what: str, fix: str, *, allow_zero: bool = False) -> float:
    try:
        return check_positive(value, what, allow_zero=allow_zero)
    except InvalidSpecError as exc:
        raise InvalidSpecError(f"{exc} To fix: {fix}") from None


@dataclass(frozen=True, slots=True)
class ScalingLaw:
    """``L(N, D) = E + A/N^α + B/D^β``; loss in nats per token, ``N`` all parameters."""

    name: str
    e_nats: float
    a: float
    alpha: float
    b: float
    beta: float
    source: str

    def __post_init__(self) -> None:
        for what in ("e_nats", "a", "alpha", "b", "beta"):
            _positive(getattr(self, what), f"scaling law {what}", "use the fitted constants.")

    def loss(self, params: float, tokens: float) -> float:
        """Predicted loss (nats/token) of ``params`` parameters trained on ``tokens`` tokens."""
        n = _positive(params, "parameters", "pass a parameter count such as 7e9.")
        d = _positive(tokens, "tokens", "pass a token count such as 1.4e12.")
        return float(self.e_nats + self.a / n**self.alpha + self.b / d**self.beta)

    @property
    def params_exponent(self) -> float:
        """``a = β/(α+β)`` in ``N_opt ∝ C^a``."""
        return self.beta / (self.alpha + self.beta)

    @property
    def tokens_exponent(self) -> float:
        """``b = α/(α+β)`` in ``D_opt ∝ C^b``."""
        return self.alpha / (self.alpha + self.beta)


@dataclass(frozen=True, slots=True)
class KaplanLaw:
    """Kaplan et al. 2020: ``L(N) = (N_c/N)^α_N`` and the frontier ``N_opt = k·C_pf^0.73``."""

    name: str
    n_c_params: float
    alpha_n: float
    c_c_pf_days: float
    alpha_c: float
    frontier_params_at_1_pf_day: float
    frontier_exponent: float
    source: str

    def __post_init__(self) -> None:
        for what in (
            "n_c_params", "alpha_n", "c_c_pf_days", "alpha_c",
            "frontier_params_at_1_pf_day", "frontier_exponent",
        ):  # fmt: skip
            _positive(getattr(self, what), f"Kaplan law {what}", "use the fitted constants.")

    def loss(self, params: float) -> float:
        """Eq. 1.1: converged loss of ``params`` non-embedding parameters (data not limiting)."""
        n = _positive(params, "parameters", "pass a non-embedding parameter count.")
        return float((self.n_c_params / n) ** self.alpha_n)


CHINCHILLA_2022 = ScalingLaw(
    "Hoffmann et al. 2022 (Approach 3, printed)", 1.69, 406.4, 0.34, 410.7, 0.28,
    "Hoffmann et al. 2022, arXiv:2203.15556, App. D.2 eq. 10",
)  # fmt: skip
CHINCHILLA_2022_UNROUNDED = ScalingLaw(
    "Hoffmann et al. 2022 (Approach 3, TeX-source values)", 1.6934, 406.4, 0.3392, 410.7, 0.2849,
    "Hoffmann et al. 2022 unrounded, as recovered by Besiroglu et al. 2024, arXiv:2404.10102v2",
)  # fmt: skip
BESIROGLU_2024 = ScalingLaw(
    "Besiroglu et al. 2024 (Chinchilla refit)", 1.8172, 482.01, 0.3478, 2085.43, 0.3658,
    "Besiroglu et al. 2024, arXiv:2404.10102v2, Table 1",
)  # fmt: skip
KAPLAN_2020 = KaplanLaw(
    "Kaplan et al. 2020", 8.8e13, 0.076, 3.1e8, 0.050, 1.3e9, 0.73,
    "Kaplan et al. 2020, arXiv:2001.08361, eqs. 1.1, 1.3, 6.1 and Fig. 14",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DataLimit:
    tokens_needed: float
    tokens_available: float
    epochs_needed: float  # tokens_needed / tokens_available
    warning: str | None  # None when the data suffices


@dataclass(frozen=True, slots=True)
class ScalingPoint:
    """A compute-optimal model: ``params`` trained on ``tokens``, ``flops = 6·params·tokens``."""

    params: float
    tokens: float
    flops: float
    loss_nats: float
    tokens_per_param: float
    law: str
    data_limit: DataLimit | None = None


def data_limited(tokens_needed: float, tokens_available: float) -> str | None:
    """A warning when the plan needs more tokens than exist, or ``None`` when it does not."""
    need = _positive(tokens_needed, "tokens needed", "pass the plan's training tokens.")
    have = _positive(tokens_available, "tokens available", "pass the unique tokens you have.")
    if need <= have:
        return None
    epochs = need / have
    advice = (
        f"repeating the data ~{epochs:.1f} times costs little loss (Muennighoff et al. 2023: up "
        f"to ~{CHEAP_REPEAT_EPOCHS:g} epochs)"
        if epochs <= CHEAP_REPEAT_EPOCHS
        else "beyond ~4 epochs repeated tokens lose value fast: train a smaller model, find more "
        "data, or expect a higher loss than the law predicts"
    )
    return (
        f"Data-limited: the plan needs {need:.3g} tokens but only {have:.3g} are available; "
        f"{advice}."
    )


def _data_limit(tokens_needed: float, tokens_available: float) -> DataLimit:
    warning = data_limited(tokens_needed, tokens_available)
    return DataLimit(tokens_needed, tokens_available, tokens_needed / tokens_available, warning)


def _chinchilla_optimal(flops: float, law: ScalingLaw) -> tuple[float, float]:
    g = (law.alpha * law.a / (law.beta * law.b)) ** (1.0 / (law.alpha + law.beta))
    params = g * (flops / 6.0) ** law.params_exponent
    tokens = (flops / 6.0) ** law.tokens_exponent / g
    return params, tokens


def _kaplan_optimal(flops: float, law: KaplanLaw) -> tuple[float, float, float]:
    pf_days = flops / PF_DAY_FLOPS
    params = law.frontier_params_at_1_pf_day * pf_days**law.frontier_exponent
    loss = (law.c_c_pf_days / pf_days) ** law.alpha_c
    return params, flops / (6.0 * params), loss


def compute_optimal(
    flops: float,
    law: ScalingLaw | KaplanLaw = CHINCHILLA_2022,
    *,
    available_tokens: float | None = None,
) -> ScalingPoint:
    """The loss-minimising ``(N, D)`` for a training budget of ``flops`` (``C = 6·N·D``).

    With a ``KaplanLaw``, ``params`` are non-embedding and ``loss_nats`` is ``L(C_min)``.
    ``available_tokens`` (unique tokens you can train on) adds a ``DataLimit``.
    """
    c = _positive(flops, "training FLOPs", "pass a budget such as 5.76e23.")
    if isinstance(law, KaplanLaw):
        params, tokens, loss = _kaplan_optimal(c, law)
    else:
        params, tokens = _chinchilla_optimal(c, law)
        loss = law.loss(params, tokens)
    limit = None if available_tokens is None else _data_limit(tokens, available_tokens)
    return ScalingPoint(params, tokens, c, loss, tokens / params, law.name, limit)


def budget_flops(usd: float, usd_per_gpu_hour: float, peak_flop_per_s: float, mfu: float) -> float:
    """Useful FLOPs a dollar budget buys: ``usd / price × 3600 × peak × mfu``."""
    dollars = _positive(usd, "budget (USD)", "pass the training budget in dollars.")
    price = _positive(usd_per_gpu_hour, "price (USD/GPU-hour)", "pass e.g. 2.5.")
    peak = _positive(peak_flop_per_s, "peak FLOP/s", "pass the chip's dense peak, e.g. 989e12.")
    utilization = parse_fraction(mfu, "MFU")
    return dollars / price * SECONDS_PER_HOUR * peak * utilization


def compute_optimal_for_budget(
    usd: float,
    usd_per_gpu_hour: float,
    peak_flop_per_s: float,
    mfu: float,
    law: ScalingLaw | KaplanLaw = CHINCHILLA_2022,
    *,
    available_tokens: float | None = None,
) -> ScalingPoint:
    """``compute_optimal`` of the FLOPs that ``usd`` buys at that price, peak and MFU."""
    flops = budget_flops(usd, usd_per_gpu_hour, peak_flop_per_s, mfu)
    return compute_optimal(flops, law, available_tokens=available_tokens)


def inference_cost_multiplier(reasoning_tokens_per_answer: float, answer_tokens: float) -> float:
    """``(reasoning + answer) / answer``: how much test-time reasoning multiplies inference FLOPs.

    Each generated token, reasoning or answer, costs ``2·N`` FLOPs, so a model that thinks 4,000
    tokens before a 500-token answer costs 9× the FLOPs of answering directly.
    """
    reasoning = _positive(
        reasoning_tokens_per_answer, "reasoning tokens per answer", "pass 0 or more.",
        allow_zero=True,
    )  # fmt: skip
    answer = _positive(answer_tokens, "answer tokens", "pass the visible answer length, > 0.")
    return (reasoning + answer) / answer


@dataclass(frozen=True, slots=True)
class ModelSizing:
    """One model over its life: training ``6·N·D`` plus inference ``2·N·T_inf``."""

    params: float
    tokens: float
    training_flops: float
    inference_flops: float

    @property
    def total_flops(self) -> float:
        return self.training_flops + self.inference_flops

    @property
    def tokens_per_param(self) -> float:
        return self.tokens / self.params


@dataclass(frozen=True, slots=True)
class InferenceAwarePlan:
    """Sardana et al.'s optimum beside the Chinchilla model of the same loss."""

    target_loss_nats: float
    inference_tokens: float  # effective: lifetime tokens × any test-time multiplier
    optimal: ModelSizing
    chinchilla: ModelSizing
    law: str

    @property
    def flops_saved(self) -> float:
        return self.chinchilla.total_flops - self.optimal.total_flops

    @property
    def saving_fraction(self) -> float:
        return self.flops_saved / self.chinchilla.total_flops


def _reducible_loss(target_loss_nats: float, law: ScalingLaw) -> float:
    ell = _positive(target_loss_nats, "target loss", "pass a loss in nats per token, e.g. 2.0.")
    if ell <= law.e_nats:
        raise InvalidSpecError(
            f"target loss {ell:g} nats is unreachable: {law.name} never goes below its irreducible "
            f"loss E = {law.e_nats:g}. To fix: choose a target above {law.e_nats:g} nats."
        )
    return ell - law.e_nats


def _sizing(params: float, tokens: float, inference_tokens: float) -> ModelSizing:
    return ModelSizing(params, tokens, 6.0 * params * tokens, 2.0 * params * inference_tokens)


def compute_optimal_for_loss(
    target_loss_nats: float, law: ScalingLaw = CHINCHILLA_2022, inference_tokens: float = 0.0
) -> ModelSizing:
    """The Chinchilla-optimal model of loss ``ℓ``: fewest training FLOPs that reach it."""
    excess = _reducible_loss(target_loss_nats, law)
    t_inf = _positive(inference_tokens, "inference tokens", "pass 0 or more.", allow_zero=True)
    total = law.alpha + law.beta
    params = (law.a * total / (law.beta * excess)) ** (1.0 / law.alpha)
    tokens = (law.b * total / (law.alpha * excess)) ** (1.0 / law.beta)
    return _sizing(params, tokens, t_inf)


def inference_aware_optimal(
    target_loss_nats: float,
    inference_tokens: float,
    law: ScalingLaw = CHINCHILLA_2022,
    *,
    cost_multiplier: float = 1.0,
) -> InferenceAwarePlan:
    """Minimise ``6·N·D + 2·N·T_inf`` at ``L(N, D) = ℓ`` (Sardana et al. 2023).

    ``T_inf`` is ``inference_tokens × cost_multiplier`` (see ``inference_cost_multiplier``).
    """
    from scipy.optimize import minimize_scalar

    excess = _reducible_loss(target_loss_nats, law)
    tokens_in = _positive(
        inference_tokens, "inference tokens", "pass lifetime tokens served, 0 or more.",
        allow_zero=True,
    )  # fmt: skip
    multiplier = _positive(cost_multiplier, "inference cost multiplier", "pass 1 or more.")
    t_inf = tokens_in * multiplier
    chinchilla = compute_optimal_for_loss(target_loss_nats, law, t_inf)

    def log_tokens(log_n: float) -> float:
        # D from the loss constraint; > 0 inside the bracket, where A/N^α < ℓ - E.
        data_term = excess - law.a * math.exp(-law.alpha * log_n)
        return (math.log(law.b) - math.log(data_term)) / law.beta

    def log_total(log_n: float) -> float:
        # log(6·N·D + 2·N·T) computed in logs: D explodes near the smallest feasible N.
        log_train = math.log(6.0) + log_tokens(log_n)
        if t_inf == 0.0:
            return log_n + log_train
        log_infer = math.log(2.0 * t_inf)
        high, low = max(log_train, log_infer), min(log_train, log_infer)
        return log_n + high + math.log1p(math.exp(low - high))

    # Feasible N > (A/(ℓ-E))^(1/α); inference only ever pushes N below the Chinchilla size.
    lower = math.log(law.a / excess) / law.alpha + 1e-9
    upper = math.log(chinchilla.params) + 1.0
    result = minimize_scalar(
        log_total, bounds=(lower, upper), method="bounded", options={"xatol": 1e-11}
    )
    params = math.exp(float(result.x))
    optimal = _sizing(params, math.exp(log_tokens(float(result.x))), t_inf)
    return InferenceAwarePlan(target_loss_nats, t_inf, optimal, chinchilla, law.name)
