"""The user's calibration profile: utilization measured on their own runs, per accelerator.

``flopfolio calibrate`` writes it; training estimates on that accelerator then scale the
utilization model by ``measured / predicted`` and say so. The file is JSON at
``$FLOPFOLIO_PROFILE`` or, by default, ``calibration.json`` in the user's config directory.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from flopfolio.errors import CatalogError

PROFILE_ENV = "FLOPFOLIO_PROFILE"


@dataclass(frozen=True, slots=True)
class ProfileEntry:
    accelerator_id: str
    measured_mfu: float
    predicted_mfu: float
    setup: str  # model, GPUs, precision the measurement was taken with
    source: str  # what was measured (throughput, step time, a log file)
    date: str

    @property
    def mfu_scale(self) -> float:
        return self.measured_mfu / self.predicted_mfu


def profile_path(explicit: Path | str | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(PROFILE_ENV):
        return Path(os.environ[PROFILE_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("flopfolio")) / "calibration.json"


def _read(target: Path) -> dict[str, Any]:
    if not target.is_file():
        return {}
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data
    except (OSError, ValueError) as exc:
        raise CatalogError(
            f"Calibration profile {target} is unreadable ({exc}). To fix: delete it and run "
            "`flopfolio calibrate` again."
        ) from None


def _write(target: Path, data: dict[str, Any]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".calibration.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, target)
    return target


def load_profile(path: Path | str | None = None) -> dict[str, ProfileEntry]:
    """Calibration entries by accelerator ID; empty if there is no profile yet."""
    target = profile_path(path)
    try:
        return {
            key: ProfileEntry(**value)
            for key, value in _read(target).get("accelerators", {}).items()
        }
    except TypeError as exc:
        raise CatalogError(f"Calibration profile {target} has a malformed entry ({exc}).") from None


def save_entry(entry: ProfileEntry, path: Path | str | None = None) -> Path:
    """Add or replace the entry for its accelerator; written atomically, other data kept."""
    target = profile_path(path)
    data = _read(target)
    data.setdefault("accelerators", {})[entry.accelerator_id] = asdict(entry)
    return _write(target, data)


def save_benchmark(key: str, result: dict[str, Any], path: Path | str | None = None) -> Path:
    """Keep a ``flopfolio bench`` result under ``benchmarks[key]`` in the same profile file."""
    target = profile_path(path)
    data = _read(target)
    data.setdefault("benchmarks", {})[key] = result
    return _write(target, data)


def load_benchmarks(path: Path | str | None = None) -> dict[str, Any]:
    benchmarks: dict[str, Any] = _read(profile_path(path)).get("benchmarks", {})
    return benchmarks
