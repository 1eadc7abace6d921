"""CLI cold start: wall time of `flopfolio train ... --json` and `flopfolio --help`, new process each.

Run: python benchmarks/cold_start.py [--runs N]
Prints the median and the best of N runs. Not a test: wall time depends on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS = {
    "train --json": [
        "train",
        "--params",
        "175e9",
        "--tokens",
        "300e9",
        "--gpu",
        "A100-SXM4-40GB",
        "--json",
    ],
    "train --model --json": [
        "train",
        "--model",
        "llama-2-70b",
        "--tokens",
        "2T",
        "--gpu",
        "A100-80GB",
        "--gpus",
        "2048",
        "--json",
    ],
    "infer --json": [
        "infer",
        "--model",
        "llama-3.1-8b",
        "--gpu",
        "H100",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "1000",
        "--batch",
        "max",
        "--json",
    ],
    "--help": ["--help"],
}


def command() -> list[str]:
    script = Path(sys.executable).with_name("flopfolio")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flopfolio"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    base = command()
    print(f"{'command':<24} {'median ms':>10} {'best ms':>10}   ({runs} runs, {' '.join(base)})")
    for label, args in COMMANDS.items():
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([*base, *args], check=True, capture_output=True)
            times.append((time.perf_counter() - start) * 1e3)
        print(f"{label:<24} {statistics.median(times):>10.0f} {min(times):>10.0f}")


if __name__ == "__main__":
    main()
