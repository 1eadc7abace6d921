"""Hardware purchase prices: what an accelerator, and the server built around it, costs to buy.

One row per accelerator in ``catalog/data/hardware_prices.csv``, with the columns
``accelerator_id,usd_per_accelerator,usd_per_server,gpus_per_server,server_tdp_w,source,as_of,
note``.

- ``usd_per_accelerator``: the price of one accelerator (USD). Required.
- ``usd_per_server``: the price of the usual whole system (e.g. a DGX with its CPUs, NICs, switches
  and storage), USD; empty when no figure could be sourced.
- ``gpus_per_server``: accelerators in that system; required with ``usd_per_server`` or
  ``server_tdp_w``.
- ``server_tdp_w``: the system's published maximum power (W), CPUs and NICs included.
- ``note`` says whether a figure is a vendor *list* price or a *reported* (analyst, press,
  reseller) one; most data-center prices are reported, as vendors do not publish them.

Derived figures, used by :mod:`flopfolio.economics.tco`::

    server_share_usd_per_gpu  = max(0, usd_per_server / gpus_per_server - usd_per_accelerator)
    server_overhead_w_per_gpu = max(0, server_tdp_w / gpus_per_server - accelerator_tdp_w)

A user catalog file of the same name overrides shipped rows by ``accelerator_id``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flopfolio.catalog._rows import Row, all_rows, parse_as_of
from flopfolio.errors import CatalogError, did_you_mean

HARDWARE_PRICES_FILE = "hardware_prices.csv"

# Typo guards, far outside anything sold: a rack-scale system costs a few million dollars.
_MAX_USD_PER_ACCELERATOR = 1e6
_MAX_USD_PER_SERVER = 1e8
_MAX_GPUS_PER_SERVER = 1024
_MAX_SERVER_TDP_W = 1e6


@dataclass(frozen=True, slots=True)
class HardwarePrice:
    """What it costs to buy one accelerator, and (where known) the server it usually ships in."""

    accelerator_id: str
    usd_per_accelerator: float
    usd_per_server: float | None
    gpus_per_server: int | None
    server_tdp_w: float | None
    source: str
    as_of: dt.date
    note: str = ""
    origin: str = "shipped"

    def __post_init__(self) -> None:
        fix = f"To fix: correct the {self.accelerator_id!r} row of {HARDWARE_PRICES_FILE}."
        if not self.accelerator_id:
            raise CatalogError(f"accelerator_id is required. {fix}")
        _check_range(self.usd_per_accelerator, "usd_per_accelerator", _MAX_USD_PER_ACCELERATOR, fix)
        if self.usd_per_server is not None:
            _check_range(self.usd_per_server, "usd_per_server", _MAX_USD_PER_SERVER, fix)
        if self.server_tdp_w is not None:
            _check_range(self.server_tdp_w, "server_tdp_w", _MAX_SERVER_TDP_W, fix)
        if self.gpus_per_server is not None and not (
            1 <= self.gpus_per_server <= _MAX_GPUS_PER_SERVER
        ):
            raise CatalogError(
                f"gpus_per_server must be a whole number from 1 to {_MAX_GPUS_PER_SERVER}, "
                f"got {self.gpus_per_server}. {fix}"
            )
        needs_count = self.usd_per_server is not None or self.server_tdp_w is not None
        if needs_count and self.gpus_per_server is None:
            raise CatalogError(
                f"usd_per_server and server_tdp_w need gpus_per_server to be split per GPU. {fix}"
            )

    @property
    def usd_per_gpu_in_server(self) -> float | None:
        """The whole server's price divided by its accelerators (USD), or None when unknown."""
        if self.usd_per_server is None or self.gpus_per_server is None:
            return None
        return self.usd_per_server / self.gpus_per_server

    @property
    def server_share_usd_per_gpu(self) -> float:
        """The non-accelerator part of the server per GPU (USD); 0 when the server is unknown."""
        per_gpu = self.usd_per_gpu_in_server
        if per_gpu is None:
            return 0.0
        return max(0.0, per_gpu - self.usd_per_accelerator)

    def server_overhead_w_per_gpu(self, accelerator_tdp_w: float) -> float:
        """Server power beyond the accelerators, per GPU (W); 0 when the server is unknown."""
        if self.server_tdp_w is None or self.gpus_per_server is None:
            return 0.0
        return max(0.0, self.server_tdp_w / self.gpus_per_server - accelerator_tdp_w)


def _check_range(value: float, what: str, upper: float, fix: str) -> None:
    if math.isnan(value) or not 0 < value <= upper:
        raise CatalogError(f"{what} must be in (0, {upper:g}], got {value!r}. {fix}")


def _whole(row: Row, column: str) -> int | None:
    value = row.number(column)
    if value is None:
        return None
    if value != int(value):
        raise CatalogError(f"{row.where}: {column} must be a whole number, got {value!r}.")
    return int(value)


def hardware_price_from_row(row: Row) -> HardwarePrice:
    """One validated :class:`HardwarePrice`; a bad row raises :class:`CatalogError` naming
    file:line."""
    accelerator_id = row.text("accelerator_id")
    price = row.number("usd_per_accelerator")
    if not accelerator_id or price is None:
        raise CatalogError(
            f"{row.where}: accelerator_id and usd_per_accelerator are required. "
            f"To fix: fill both columns in {HARDWARE_PRICES_FILE}."
        )
    try:
        return HardwarePrice(
            accelerator_id=accelerator_id,
            usd_per_accelerator=price,
            usd_per_server=row.number("usd_per_server"),
            gpus_per_server=_whole(row, "gpus_per_server"),
            server_tdp_w=row.number("server_tdp_w"),
            source=row.text("source"),
            as_of=parse_as_of(row.text("as_of"), row.where),
            note=row.text("note"),
            origin=row.origin,
        )
    except CatalogError as exc:
        message = str(exc)
        if message.startswith(row.where):
            raise
        raise CatalogError(f"{row.where}: {message}") from None


def load_hardware_prices(
    user_dir: Path | None = None, accelerator_ids: Iterable[str] | None = None
) -> dict[str, HardwarePrice]:
    """Purchase prices by accelerator ID: shipped rows, then ``user_dir/hardware_prices.csv``.

    A user row replaces the shipped one for its ID; a duplicate within the shipped file is an
    error. When ``accelerator_ids`` is given, a row for an unknown ID is an error too.
    """
    known = set(accelerator_ids) if accelerator_ids is not None else None
    table: dict[str, HardwarePrice] = {}
    for row in all_rows(HARDWARE_PRICES_FILE, user_dir):
        price = hardware_price_from_row(row)
        key = price.accelerator_id
        if known is not None and key not in known:
            raise CatalogError(
                f"{row.where}: unknown accelerator_id {key!r}.{did_you_mean(key, known)} "
                "To fix: use an id from accelerators.csv (`flopfolio gpus`)."
            )
        if key in table and row.origin == "shipped":
            raise CatalogError(
                f"{row.where}: duplicate accelerator_id {key!r} in {HARDWARE_PRICES_FILE}."
            )
        table[key] = price
    return table
