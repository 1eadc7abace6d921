"""Pool commands: init, demo, serve, plan, allocate, report, export-kueue."""

from __future__ import annotations

from flopfolio.cli.app import pool_app  # noqa: F401
