"""Report files: listed for readers, served by name, nothing outside the directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dmzwatch.api.reports import list_reports, report_path
from dmzwatch.errors import NotFound

from .conftest import Api


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    root = tmp_path / "reports"
    (root / "2018-11-24").mkdir(parents=True)
    (root / "2018-11-24" / "daily.html").write_text("<!doctype html><p>report</p>")
    (root / "2018-11-24" / "daily.pdf").write_bytes(b"%PDF-1.7\n")
    (root / "old.html").write_text("<p>old</p>")
    os.utime(root / "old.html", (1_500_000_000, 1_500_000_000))
    (root / ".hidden.html").write_text("secret")
    (root / "notes.txt").write_text("not a report")
    (tmp_path / "outside.html").write_text("outside")
    return root


def test_listing_shows_report_files_newest_first(reports: Path) -> None:
    listed = list_reports(reports)
    names = [r["name"] for r in listed]
    assert set(names) == {"2018-11-24/daily.html", "2018-11-24/daily.pdf", "old.html"}
    assert names[-1] == "old.html"
    pdf = next(r for r in listed if r["name"].endswith(".pdf"))
    assert pdf["media_type"] == "application/pdf" and pdf["size"] == 9
    assert pdf["url"] == "/api/reports/2018-11-24/daily.pdf"


def test_a_missing_directory_lists_nothing(tmp_path: Path) -> None:
    assert list_reports(tmp_path / "none") == []


@pytest.mark.parametrize(
    "name", ["../outside.html", ".hidden.html", "notes.txt", "missing.html", "/etc/passwd"]
)
def test_only_report_files_inside_the_directory_are_served(reports: Path, name: str) -> None:
    with pytest.raises(NotFound):
        report_path(reports, name)


def test_reports_over_http(api: Api, reports: Path) -> None:
    h = api.headers("analyst")
    listed = api.client.get("/api/reports", headers=h).json()
    assert len(listed) == 3
    r = api.client.get("/api/reports/2018-11-24/daily.pdf", headers=h)
    assert r.status_code == 200 and r.content == b"%PDF-1.7\n"
    assert r.headers["content-type"] == "application/pdf"
    assert api.client.get("/api/reports/..%2Foutside.html", headers=h).status_code == 404
