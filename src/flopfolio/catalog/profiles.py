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


def load_profile(path: Path | str | None = None) -> dict[str, ProfileEntry]:
    """Entries by accelerator ID; empty if there is no profile yet."""
    target = profile_path(path)
    if not target.is_file():
        return {}
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        return {key: ProfileEntry(**value) for key, value in data["accelerators"].items()}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CatalogError(
            f"Calibration profile {target} is unreadable ({exc}). To fix: delete it and run "
            "`flopfolio calibrate` again."
        ) from None


def save_entry(entry: ProfileEntry, path: Path | str | None = None) -> Path:
    """Add or replace the entry for its accelerator; written atomically."""
    target = profile_path(path)
    entries = load_profile(target)
    entries[entry.accelerator_id] = entry
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {"accelerators": {key: asdict(value) for key, value in sorted(entries.items())}}
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".calibration.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=2)
    os.replace(tmp, target)
    return target
