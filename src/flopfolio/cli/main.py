"""The ``flopfolio`` command line: parse, call one library function, render.

Commands live in ``*_cmds.py`` beside this file and register on the apps in ``app.py``. Library
errors are caught once, in :func:`run`: a user's mistake prints one red line on stderr and exits
with status 2, never a traceback.
"""

from __future__ import annotations

import sys

from flopfolio.cli import (  # noqa: F401
    calibration_cmds,
    estimate_cmds,
    fleet_cmds,
    import_cmds,
    money_cmds,
    pool_cmds,
    posttrain_cmds,
    web_cmds,
)
from flopfolio.cli.app import app
from flopfolio.errors import FlopfolioError


def run() -> None:
    """Console entry point: library errors become one red line and exit status 2."""
    try:
        app()
    except FlopfolioError as exc:
        message = " ".join(str(exc).split())
        sys.stderr.write(
            f"\x1b[31merror: {message}\x1b[0m\n" if sys.stderr.isatty() else f"error: {message}\n"
        )
        raise SystemExit(2) from None
