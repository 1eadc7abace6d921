"""Pool speed: allocating 550 members over 36 months (target < 10 s), and API reads per second on
loopback with 2 workers (target ≥ 500), measured with wrk when it is installed.

Run: python benchmarks/pool.py
Not a test: the figures depend on the machine. The server is started on 127.0.0.1 and stopped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from flopfolio import load_catalog
from flopfolio.pool.demo import demo_portfolio, size_contracts
from flopfolio.pool.engine import allocate
from flopfolio.pool.program import init_database, run_demo


def allocation_time() -> None:
    portfolio = demo_portfolio(550, 36, seed=1)
    contracts = size_contracts(portfolio, load_catalog(None), 36)
    start = time.perf_counter()
    result = allocate(
        contracts, portfolio.members, portfolio.training, portfolio.inference, portfolio.bursts, 36
    )
    seconds = time.perf_counter() - start
    print(f"allocate: 550 members x 36 months, {len(result.allocations):,} allocations, "
          f"{len(result.rejections):,} rejections: {seconds:.2f} s")  # fmt: skip


def read_throughput() -> None:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'pool.db'}"
    run_demo(url, members=100, months=24)
    key = init_database(url)["operator_key"]
    port = 8765
    env = {**os.environ, "DATABASE_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "flopfolio.service.app:app_from_env", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "2", "--log-level", "warning", "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        target = f"http://127.0.0.1:{port}/api/allocations?limit=50"
        if shutil.which("wrk"):
            out = subprocess.run(["wrk", "-t2", "-c16", "-d10s", "-H", f"X-API-Key: {key}", target],
                                 capture_output=True, text=True, check=True).stdout  # fmt: skip
            line = next(ln for ln in out.splitlines() if "Requests/sec" in ln)
            print(
                f"API reads (wrk, 2 threads, 16 connections, 10 s, 2 workers): {line.split()[-1]} requests/s"
            )
        else:
            with httpx.Client(headers={"X-API-Key": key}) as client:
                start, n = time.perf_counter(), 0
                while time.perf_counter() - start < 10:
                    client.get(target).raise_for_status()
                    n += 1
            print(
                f"API reads (one Python client; install wrk for a load tool): {n / 10:.0f} requests/s"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    allocation_time()
    read_throughput()
