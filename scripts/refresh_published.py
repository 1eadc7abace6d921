"""Refresh the repository's copy of the team's reference data:
``python scripts/refresh_published.py DIR``, where DIR is the reference-data folder (it holds
``calibration/*.csv``, ``accelerators.csv``, ``skypilot-samples/`` and ``hosted-api-prices/``).

The published runs and benchmarks go into the package (``validation/data/published/``, where
``flopfolio validate --published`` reads them); the rest are test fixtures (``tests/data/``).
Prints what changed; run the tests afterwards (the shipped fit is checked against the data).
"""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "src" / "flopfolio" / "validation" / "data" / "published"
FIXTURES = ROOT / "tests" / "data"


def _copies(source: Path, published: Path, fixtures: Path) -> list[tuple[Path, Path]]:
    pairs = [(p, published / p.name) for p in sorted((source / "calibration").glob("*.csv"))]
    pairs.append((source / "accelerators.csv", fixtures / "accelerators.csv"))
    for folder in ("skypilot-samples", "hosted-api-prices"):
        pairs += [
            (p, fixtures / p.relative_to(source))
            for p in sorted((source / folder).rglob("*"))
            if p.is_file()
        ]
    return pairs


def main(source: Path, published: Path = PUBLISHED, fixtures: Path = FIXTURES) -> int:
    if not (source / "calibration").is_dir():
        print(
            f"error: {source} has no calibration/ folder. To fix: pass the reference-data folder."
        )
        return 2
    for origin, target in _copies(source, published, fixtures):
        if target.exists() and filecmp.cmp(origin, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"{'updated' if target.exists() else 'added'} {target}")
        shutil.copyfile(origin, target)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[1])
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
