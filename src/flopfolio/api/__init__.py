"""The public front door: names and strings in, explained results out.

Each module here is thin: it resolves what the user typed (a preset, an accelerator's spelling, a
YAML file, ``$2/h``) through the catalog, calls the pure layers below (workload, perf, economics,
planning), and shapes the answer the CLI, the web service and Python callers all print. A formula
found here belongs lower down. ``flopfolio/__init__.py`` re-exports the names users import.
"""
