"""The web UI of the coordination service: Jinja2 pages, htmx, Plotly charts, zh/en labels.

``mount(app)`` adds the pages (:mod:`.routes`), the static files of this package
(``/static``: CSS, page JavaScript, vendored htmx 2 with its licence), Plotly's
``plotly.min.js`` served from the installed ``plotly`` package (never a CDN) and the
security middleware of the web paths (:mod:`.security`). The dashboard's disparity
indicators are computed once per process, in a background thread started here.
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from regcoord.errors import NotFound
from regcoord.service.usecases.indicators import national_disparity
from regcoord.service.web import maps
from regcoord.service.web.routes import router
from regcoord.service.web.security import WebSecurity

STATIC = Path(__file__).parent / "static"
PLOTLY_PATH = "/static/vendor/plotly.min.js"


def plotly_js() -> Path:
    """``plotly.min.js`` of the installed ``plotly`` package (the ``service`` extra)."""
    try:
        path = Path(str(resources.files("plotly").joinpath("package_data", "plotly.min.js")))
    except ModuleNotFoundError:
        raise NotFound("the plotly package is not installed (pip install 'regcoord[service]')") from None
    if not path.is_file():
        raise NotFound(f"{path} is missing from the plotly package")
    return path


def mount(app: FastAPI) -> None:
    """Add the web UI to the service application."""

    @app.get(PLOTLY_PATH, include_in_schema=False)
    def _plotly() -> Response:
        return FileResponse(
            plotly_js(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(router)
    app.include_router(maps.router)  # /geo/provinces.geojson: boundaries of the dashboard map
    app.add_middleware(WebSecurity)
    # compute the dashboard's indicators (cached per process) off the request path
    threading.Thread(target=national_disparity, name="regcoord-web-warmup", daemon=True).start()


__all__ = ["mount", "plotly_js", "router"]
