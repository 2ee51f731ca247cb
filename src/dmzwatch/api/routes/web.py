"""The web map: the page at ``/``, its scripts and styles, and the npm library files.

The page is static (``dmzwatch/web``); the map library (Leaflet, from npm) is copied into
``dmzwatch/web/vendor`` by ``make web`` (see the Makefile). Nothing is fetched from
elsewhere: the page draws base layers from the API.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from ...errors import NotFound

__all__ = ["WEB_DIR", "router", "vendor_dir"]

WEB_DIR = Path(__file__).resolve().parents[2] / "web"
_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


def vendor_dir() -> Path:
    """Where the npm library files are: ``web/vendor`` (copied by ``make web``), else the
    ``node_modules`` of a source checkout."""
    copied = WEB_DIR / "vendor"
    if copied.is_dir():
        return copied
    return WEB_DIR.parents[2] / "node_modules"


def _file(root: Path, name: str) -> FileResponse:
    base = root.resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base) or not path.is_file() or path.name.startswith("."):
        raise NotFound(f"no file {name!r}")
    media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        media = "text/javascript"
    return FileResponse(path, media_type=media, headers=_HEADERS)


@router.get("/", response_class=HTMLResponse)
def index() -> FileResponse:
    return _file(WEB_DIR, "index.html")


@router.get("/static/{name:path}")
def static(name: str) -> FileResponse:
    return _file(WEB_DIR / "static", name)


@router.get("/vendor/{name:path}")
def vendor(name: str) -> FileResponse:
    root = vendor_dir()
    if root.name == "node_modules":
        # only the files a page needs, not the whole tree
        if not name.startswith("leaflet/dist/"):
            raise NotFound(f"no file {name!r}")
        return _file(root, name)
    return _file(root, name)
