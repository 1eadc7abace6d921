"""Library errors as HTTP answers: 4xx with a JSON body naming the problem, never a 500."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from flopfolio.errors import FlopfolioError, InfeasiblePlanError, InvalidSpecError


def install(app: FastAPI) -> None:
    @app.exception_handler(FlopfolioError)
    async def _flopfolio_error(_request: Request, exc: FlopfolioError) -> JSONResponse:
        status = 400
        if isinstance(exc, LookupError):
            status = 404
        elif isinstance(exc, InfeasiblePlanError):
            status = 409
        elif isinstance(exc, InvalidSpecError):
            status = 422
        return JSONResponse(
            {"error": type(exc).__name__, "detail": " ".join(str(exc).split())}, status_code=status
        )
