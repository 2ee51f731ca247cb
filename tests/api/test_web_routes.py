"""The web map's files: the page, its scripts, the npm library; nothing else."""

from __future__ import annotations

import pytest

from dmzwatch.api.routes.web import WEB_DIR, vendor_dir

from .conftest import Api


def test_the_page_and_its_files_are_served_with_a_strict_policy(api: Api) -> None:
    page = api.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    for path in ["/static/map.js", "/static/map.css", "/vendor/leaflet/dist/leaflet.js"]:
        r = api.client.get(path)
        assert r.status_code == 200, path
    assert api.client.get("/static/map.js").headers["content-type"].startswith("text/javascript")


def test_the_page_names_no_other_origin() -> None:
    for name in ["index.html", "static/map.js", "static/map.css"]:
        text = (WEB_DIR / name).read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, name


def test_the_map_library_comes_from_npm() -> None:
    leaflet = vendor_dir() / "leaflet" / "dist" / "leaflet.js"
    assert leaflet.is_file(), "run `make web` (npm ci) first"
    assert "Leaflet" in leaflet.read_text(encoding="utf-8")[:2000]


@pytest.mark.parametrize(
    "path",
    [
        "/static/../index.html",
        "/static/%2e%2e/%2e%2e/api/app.py",
        "/vendor/../../../pyproject.toml",
        "/static/nothing.js",
        "/vendor/leaflet/package.json",
    ],
)
def test_nothing_outside_is_served(api: Api, path: str) -> None:
    r = api.client.get(path)
    assert r.status_code == 404
    assert r.json()["error"]["status"] == 404
