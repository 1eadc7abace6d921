"""The web pages: one HTML shell (title, navigation, scripts) around each page's body, plus the
static files. No build step and no CDN: the pages are plain HTML and JavaScript shipped in the
package, and Plotly's JavaScript is served from the installed ``plotly`` package, so the app works
offline. Every number on a page comes from the JSON API (``calc_routes``, the pool's routes)."""

from __future__ import annotations

from functools import cache
from html import escape
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse, Response

router = APIRouter(include_in_schema=False)

# path, file stem, navigation label, page title
PAGES = (
    ("/", "index", "Home", "Plan, price and pool AI compute"),
    ("/train", "train", "Training", "Training estimate"),
    ("/serve", "serve", "Serving", "Serving capacity"),
    ("/compare", "compare", "Compare", "Compare accelerators and offers"),
    ("/plan", "plan", "Plan", "Procurement plan"),
    ("/fleet", "fleet", "Fleet", "Serving fleet"),
    ("/pool", "pool", "Pool", "Pool dashboard"),
)
# roadmap-example.yaml is examples/roadmap.yaml and fleet-example.yaml is examples/fleet.yaml (tests
# keep each pair equal), loaded by the Plan and Fleet pages.
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".yaml": "text/yaml"}


def _web() -> resources.abc.Traversable:
    return resources.files("flopfolio.service") / "web"


@cache
def _page_html(stem: str) -> str:
    path, _, _, title = next(p for p in PAGES if p[1] == stem)
    current = ' aria-current="page"'
    nav = "".join(
        f'<a href="{href}"{current if href == path else ""}>{label}</a>'
        for href, _, label, _ in PAGES
    )
    body = (_web() / f"{stem}.html").read_text(encoding="utf-8")
    script = f'<script src="/static/{stem}.js" defer></script>' if stem != "index" else ""
    ready = ' data-ready="true"' if stem == "index" else ""  # a page with a script sets it itself
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — flopfolio</title>
<link rel="stylesheet" href="/static/app.css">
<script src="/static/plotly.min.js" defer></script>
<script src="/static/app.js" defer></script>
{script}
</head>
<body{ready}>
<a class="skip" href="#main">Skip to content</a>
<header><span class="brand">flopfolio</span><nav aria-label="Pages">{nav}</nav></header>
<main id="main">
<h1>{escape(title)}</h1>
{body}
</main>
<footer>Every figure comes from the same library as the <code>flopfolio</code> command line;
the API is documented at <a href="/docs">/docs</a>.</footer>
</body>
</html>
"""


def _add_page(path: str, stem: str) -> None:
    async def page() -> HTMLResponse:
        return HTMLResponse(_page_html(stem))

    router.add_api_route(path, page, methods=["GET"], name=f"page_{stem}")


for _path, _stem, _, _ in PAGES:
    _add_page(_path, _stem)


@router.get("/static/plotly.min.js")
async def plotly_js() -> FileResponse:
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return FileResponse(
        path, media_type="text/javascript", headers={"Cache-Control": "max-age=86400"}
    )


@router.get("/static/{name}")
async def static(name: str) -> Response:
    suffix = Path(name).suffix
    if "/" in name or suffix not in STATIC_TYPES:
        raise HTTPException(status_code=404, detail="no such file")
    file = _web() / name
    if not file.is_file():
        raise HTTPException(status_code=404, detail="no such file")
    return Response(file.read_text(encoding="utf-8"), media_type=STATIC_TYPES[suffix])
