"""The operator console (``/console``): server-rendered pages over the core, one stylesheet and
one small script, all served by this server (no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ashby_connector.core.app import Core
from ashby_connector.server.console.routes import router

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, core: Core) -> None:
    app.include_router(router(core))
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")


__all__ = ["install"]
