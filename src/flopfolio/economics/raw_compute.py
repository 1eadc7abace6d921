"""The seeds' raw-compute cost: FLOPs at the chip's full peak, priced by the hour.

``cost = 2·N·tokens / peak × price / 3600`` — no memory bound, no batching, no idle time. It is the
floor the seeds reason from ("a raw compute cost between $0.0002 and $0.0014 for 1,000 tokens").
"""

from __future__ import annotations

from flopfolio.units import check_positive
from flopfolio.workload.flops import napkin_inference_flops


def raw_inference_cost_usd(
    params: float, tokens: float, peak_flop_per_s: float, usd_per_hour: float
) -> float:
    seconds = napkin_inference_flops(params, tokens) / check_positive(
        peak_flop_per_s, "peak FLOP/s"
    )
    return seconds * check_positive(usd_per_hour, "price") / 3600.0
