"""``/docs`` (Swagger UI) and ``/redoc`` from files in the installed packages: no CDN, no request
leaves the reader's browser for another host, so both work without internet access.

ReDoc's bundle draws its "API docs by Redocly" logo from ``cdn.redoc.ly``; the copy served here
points it at the local favicon instead.
"""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, Response

DOCS_ASSETS_URL = "/docs-assets"
REDOC_JS_URL = "/docs-assets-redoc/redoc.standalone.js"
_REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.cache
def _redoc_bundle() -> bytes:
    import fastapi_offline

    bundle = Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js"
    return bundle.read_text().replace(_REDOC_LOGO, f"{DOCS_ASSETS_URL}/favicon.png").encode()


def install_redoc(app: FastAPI, redoc_url: str = "/redoc") -> None:
    @app.get(REDOC_JS_URL, include_in_schema=False)
    def redoc_js() -> Response:
        return Response(
            _redoc_bundle(),
            media_type="application/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get(redoc_url, include_in_schema=False)
    def redoc_html(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{REDOC_JS_URL}",
            redoc_favicon_url=f"{root}{DOCS_ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
