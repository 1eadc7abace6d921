"""Which accelerator trains Llama 3 8B on 15T tokens cheapest? Library use, no CLI.

Run: python examples/compare_accelerators.py
"""

from __future__ import annotations

import flopfolio


def main() -> None:
    rows = []
    for gpu in ("A100-80GB", "H100", "H200", "B200", "MI300X"):
        result = flopfolio.estimate_training_run(
            model="llama-3-8b", tokens="15T", gpu=gpu, gpus=1024
        )
        d = result.to_dict()
        if d["cost_usd"] is not None:
            rows.append((d["cost_usd"], gpu, d["gpu_hours"], d["wall_days"]))
    print(f"{'accelerator':<12} {'GPU-hours':>12} {'days on 1024':>13} {'cost (median price)':>20}")
    for cost, gpu, hours, days in sorted(rows):
        print(f"{gpu:<12} {hours:>12,.0f} {days:>13.1f} {cost:>20,.0f}")


if __name__ == "__main__":
    main()
