"""The catalog: accelerators, offers, model presets and hosted-API prices, each row with its
source and date. ``CATALOG_VERSION`` changes whenever a shipped data file does."""

CATALOG_VERSION = "2026.12.07.1"
