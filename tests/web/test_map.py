"""The web map in a real browser (Debian's chromium via Playwright): layers drawn, counts
shown, the time slider and filters work, a click on an event explains its finding."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import Served

pytestmark = pytest.mark.slow


def _open(browser: Any, served: Served, token: str | None) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    requested: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requested.append(r.url))
    url = served.url + "/" + (f"#token={token}" if token else "")
    page.goto(url)
    page.wait_for_selector("body[data-ready=yes]", timeout=30_000)
    return page, errors, requested


def _drawn(page: Any) -> int:
    return int(page.locator(".leaflet-events-pane path.event").count())


def test_a_monitor_sees_layers_events_and_findings(
    browser: Any, served: Served, tmp_path: Path
) -> None:
    page, errors, requested = _open(browser, served, served.secrets["monitor"])
    # base layers and zones drew
    assert page.locator(".leaflet-zones-pane path").count() >= 2
    assert page.locator(".leaflet-lines-pane path").count() >= 1
    assert page.locator(".leaflet-places-pane path").count() == 105
    assert page.locator(".label-gov").count() >= 14
    assert page.get_attribute("body", "data-zones") == "2"
    assert page.inner_text("#who") == "monitor · TR"
    # every event drawn, coloured by verdict, and counted
    assert _drawn(page) == served.events
    assert page.inner_text("#count") == f"{served.events} / {served.events}"
    assert page.locator("path.verdict-violation").count() >= 1
    assert page.locator("path.verdict-none").count() == served.events - served.with_verdict
    page.screenshot(path=str(tmp_path / "all-events.png"))

    # the time slider: back to the first day shows only that day's event
    page.focus("#slider")
    page.keyboard.press("Home")
    assert page.inner_text("#day") == "to 2018-11-02"
    assert _drawn(page) == 1
    page.keyboard.press("End")
    assert _drawn(page) == served.events
    page.select_option("#window", "30")
    assert page.inner_text("#day") == "2018-12-17 → 2019-01-15"
    assert _drawn(page) == 2  # 2018-12-20 and 2019-01-15
    page.select_option("#window", "0")

    # filters: verdict, band, actor
    page.locator("#verdicts input[value=none]").uncheck()
    assert _drawn(page) == served.with_verdict
    page.locator("#verdicts input[value=none]").check()
    page.locator("#bands input[value=outside]").uncheck()
    inside = _drawn(page)
    assert 0 < inside < served.events
    page.locator("#bands input[value=outside]").check()
    page.select_option("#actor", "NFL")
    assert _drawn(page) == 2
    page.select_option("#actor", "")

    # a click on a violation shows the finding's explanation
    page.locator("path.verdict-violation").first.click()
    page.wait_for_selector(".leaflet-popup .finding", timeout=15_000)
    popup = page.inner_text(".leaflet-popup")
    assert "violation" in popup and "rule" in popup
    assert page.locator(".leaflet-popup .clause").count() >= 1
    assert page.locator(".leaflet-popup .finding li").count() >= 1
    page.screenshot(path=str(tmp_path / "finding.png"))
    assert (tmp_path / "finding.png").stat().st_size > 10_000

    assert errors == []
    assert all(u.startswith(served.url) for u in requested), "the page fetched from elsewhere"
    page.close()


def test_the_patrol_coverage_layer(browser: Any, served: Served, tmp_path: Path) -> None:
    page, errors, requested = _open(browser, served, served.secrets["monitor"])
    toggle = page.locator("#legend input[data-layer=patrol]")
    assert not toggle.is_checked()  # off by default: nothing asked for, nothing drawn
    assert page.locator(".leaflet-patrol-pane path").count() == 0
    assert not any("/api/patrol/" in u for u in requested)

    toggle.check()
    page.wait_for_selector("body[data-patrol]:not([data-patrol=off])", timeout=30_000)
    sectors = int(page.get_attribute("body", "data-patrol") or 0)
    assert sectors > 10
    expect(page.locator(".leaflet-patrol-pane path.patrol-sector")).to_have_count(sectors)
    fills = page.eval_on_selector_all(
        ".leaflet-patrol-pane path", "ps => [...new Set(ps.map(p => p.getAttribute('fill')))]"
    )
    assert len(fills) >= 2  # shaded by coverage, not one colour
    note = page.inner_text("#patrol-note")
    assert "network: fallback" in note and "not observed patrols" in note
    assert "coverage" in page.inner_text("#patrol-info")  # the legend's ramp

    page.locator(".leaflet-patrol-pane path").first.dispatch_event("mouseover")
    tip = page.locator(".leaflet-tooltip .patrol-tip")
    expect(tip).to_have_count(1)
    text = tip.inner_text()
    assert re.search(r"coverage \d+% · value \d+\.\d\d", text), text
    assert text.split(" · ")[0] in ("TR", "RU")
    page.screenshot(path=str(tmp_path / "patrol.png"))

    toggle.uncheck()
    expect(page.locator(".leaflet-patrol-pane path")).to_have_count(0)
    assert errors == []
    assert all(u.startswith(served.url) for u in requested)
    page.close()


def test_anonymous_visitors_see_the_zones_but_no_events(browser: Any, served: Served) -> None:
    page, errors, requested = _open(browser, served, None)
    assert page.locator(".leaflet-zones-pane path").count() >= 2
    assert _drawn(page) == 0
    assert "token" in page.inner_text("#notice").lower()
    assert page.inner_text("#who") == "not signed in"
    assert all(u.startswith(served.url) for u in requested)
    assert not any("/api/events" in u for u in requested)
    assert page.locator("#legend input[data-layer=patrol]").count() == 0
    assert errors == []
    page.close()


def test_a_token_typed_in_the_page_loads_the_events(browser: Any, served: Served) -> None:
    page, _, _ = _open(browser, served, None)
    page.fill("#token", served.secrets["admin"])
    page.click("#token-form button[type=submit]")
    events = page.locator(".leaflet-events-pane path.event")
    expect(events).to_have_count(served.events)
    assert page.inner_text("#who") == "admin"
    page.click("#sign-out")
    expect(events).to_have_count(0)
    expect(page.locator("#who")).to_have_text("not signed in")
    page.close()
