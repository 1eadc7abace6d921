"""Reading catalog CSV files: shipped package data, then the user's catalog directory on top.

Every row keeps its ``origin`` (``shipped``, ``user:<path>``, ...). Rows missing ``source`` or
``as_of``, or dated in the future, are rejected with the file and line named.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flopfolio.errors import CatalogError

USER_CATALOG_ENV = "FLOPFOLIO_CATALOG"


@dataclass(frozen=True, slots=True)
class Row:
    """One CSV row as text, with where it came from."""

    values: dict[str, str]
    origin: str
    where: str  # "file:line", for error messages

    def text(self, column: str) -> str:
        return (self.values.get(column) or "").strip()

    def number(self, column: str) -> float | None:
        raw = self.text(column)
        if not raw:
            return None
        try:
            return float(raw)
        except ValueError:
            raise CatalogError(
                f"{self.where}: column {column!r} is not a number: {raw!r}."
            ) from None

    def integer(self, column: str) -> int:
        value = self.number(column)
        return int(value) if value is not None else 0

    def flag(self, column: str) -> bool:
        raw = self.text(column).lower()
        if raw in ("", "false", "0", "no"):
            return False
        if raw in ("true", "1", "yes"):
            return True
        raise CatalogError(f"{self.where}: column {column!r} must be true or false, got {raw!r}.")


def parse_as_of(raw: str, where: str) -> dt.date:
    try:
        date = dt.date.fromisoformat(raw)
    except ValueError:
        raise CatalogError(f"{where}: as_of {raw!r} is not an ISO date (YYYY-MM-DD).") from None
    if date > dt.date.today():
        raise CatalogError(f"{where}: as_of {raw} is in the future.")
    return date


def read_csv(path: Path | str, origin: str, *, require_provenance: bool = True) -> list[Row]:
    """Rows of one CSV file; checks ``source``/``as_of`` on every row."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"Cannot read catalog file {path}: {exc.strerror}.") from None
    with handle:
        return _rows(csv.DictReader(handle), str(path), origin, require_provenance)


def _rows(
    reader: csv.DictReader[str], name: str, origin: str, require_provenance: bool
) -> list[Row]:
    rows: list[Row] = []
    for line, values in enumerate(reader, start=2):
        row = Row({k: v for k, v in values.items() if k is not None}, origin, f"{name}:{line}")
        if require_provenance:
            if not row.text("source"):
                raise CatalogError(f"{row.where}: row has no source.")
            parse_as_of(row.text("as_of"), row.where)
        rows.append(row)
    return rows


def shipped_rows(filename: str) -> list[Row]:
    """Rows of a data file shipped inside the package."""
    resource = resources.files("flopfolio.catalog").joinpath("data", filename)
    text = resource.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return _rows(reader, f"catalog/data/{filename}", "shipped", True)


def user_catalog_dir(explicit: Path | str | None = None) -> Path | None:
    """The user catalog directory: the explicit argument, else ``$FLOPFOLIO_CATALOG``, else none."""
    chosen = explicit if explicit is not None else os.environ.get(USER_CATALOG_ENV)
    if not chosen:
        return None
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise CatalogError(
            f"User catalog {path} is not a directory. To fix: point {USER_CATALOG_ENV} or --catalog "
            "at a directory holding accelerators.csv, offers.csv, models.csv or api_prices.csv."
        )
    return path


def all_rows(filename: str, user_dir: Path | None) -> Iterator[Row]:
    """Shipped rows first, then the user's (later rows override earlier ones with the same key)."""
    yield from shipped_rows(filename)
    if user_dir is not None and (user_dir / filename).is_file():
        yield from read_csv(user_dir / filename, f"user:{user_dir / filename}")
