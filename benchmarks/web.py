"""How long each web page's request takes: the calculators' and the dashboard's endpoints, timed
through a real server (``uvicorn``, one worker, a 12-member demo pool in SQLite) as a browser
calls them.

Run: python benchmarks/web.py [--repeats N]
Prints the median and worst wall-clock per endpoint. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx
import yaml

from flopfolio.service.live import LiveApp

ROOT = Path(__file__).parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    app = LiveApp().start()
    op = {"X-API-Key": app.operator_key}
    member = {"X-API-Key": app.member_key}
    calls = {
        "page /train (HTML)": ("GET", "/train", None, {}),
        "POST /api/calc/train (70B, 2,048 A100)": ("POST", "/api/calc/train",
            {"model": "llama-2-70b", "tokens": "2T", "gpu": "A100-80GB", "gpus": 2048}, {}),
        "POST /api/calc/serve (chat-app example)": ("POST", "/api/calc/serve",
            {"workload": yaml.safe_load((ROOT / "examples" / "chat-app.yaml").read_text())}, {}),
        "GET /api/calc/compare": ("GET", "/api/calc/compare", None, {}),
        "POST /api/calc/plan (roadmap example)": ("POST", "/api/calc/plan",
            {"yaml": (ROOT / "examples" / "roadmap.yaml").read_text()}, {}),
        "GET /api/dashboard (operator)": ("GET", "/api/dashboard", None, op),
        "GET /api/dashboard (member)": ("GET", "/api/dashboard", None, member),
        "GET /api/savings (operator)": ("GET", "/api/savings", None, op),
    }  # fmt: skip
    try:
        with httpx.Client(base_url=app.url, timeout=300) as client:
            print(f"{'endpoint':44} {'median s':>9} {'worst s':>8}")
            for name, (method, path, body, headers) in calls.items():
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    client.request(method, path, json=body, headers=headers).raise_for_status()
                    times.append(time.perf_counter() - start)
                print(f"{name:44} {statistics.median(times):9.3f} {max(times):8.3f}")
    finally:
        app.stop()


if __name__ == "__main__":
    main()
