"""The web map in a real browser (Debian's chromium via Playwright): layers drawn, counts
shown, the time slider and filters work, a click on an event explains its finding."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import ARABIC, HOSTILE, Served

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

    # the source record behind it: who posted it, its evidence entry, the row as received
    key = page.get_attribute(".leaflet-popup .popup", "data-event")
    page.click(".leaflet-popup .record summary")
    page.wait_for_selector("body[data-record]", timeout=15_000)
    record = page.inner_text(".leaflet-popup .record")
    assert "posted by TR" in record and "evidence entry " in record
    assert f"source_id\t{key.split(':')[1]}" in record
    assert page.locator(".leaflet-popup .record .original tr").count() >= 6
    page.screenshot(path=str(tmp_path / "record.png"))

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


def _call(served: Served, method: str, path: str, body: Any = None) -> Any:
    """Ask the served API as its admin; the answer's JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(served.url + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {served.secrets['admin']}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def _revocable(served: Served) -> tuple[str, str]:
    """A fresh monitor token (id, secret), made through the API."""
    made = _call(served, "POST", "/api/tokens", {"role": "monitor", "party": "RU"})
    return str(made["id"]), str(made["token"])


def test_a_revoked_token_signs_the_page_out(browser: Any, served: Served) -> None:
    token_id, secret = _revocable(served)
    page, errors, _ = _open(browser, served, secret)
    assert page.inner_text("#who") == "monitor · RU"
    assert _drawn(page) == served.events
    assert _call(served, "DELETE", f"/api/tokens/{token_id}")["revoked_at"]

    # every request now answers 401, open ones too: the page goes on without the token
    page.select_option("#scenario", "idlib-m4-2020")
    page.wait_for_selector("body[data-ready=yes]", timeout=30_000)
    assert page.get_attribute("body", "data-zones") == "1"
    assert "Additional protocol" in page.inner_text("#scenario-title")
    expect(page.locator("#who")).to_have_text("token refused")
    assert _drawn(page) == 0
    assert page.inner_text("#count") == "0 / 0"
    assert "refused" in page.inner_text("#notice")
    assert page.locator("#legend input[data-layer=patrol]").count() == 0
    assert page.is_visible("#token") and not page.is_visible("#sign-out")
    assert not any("revoked" in e for e in errors if "Failed to load resource" not in e)

    # the refused token is gone: a reload is an anonymous visit that says why
    page.reload()
    page.wait_for_selector("body[data-ready=yes]", timeout=30_000)
    assert page.inner_text("#who") == "not signed in"
    page.close()


def test_a_refused_token_says_so(browser: Any, served: Served) -> None:
    page, errors, _ = _open(browser, served, "dmzw_not-a-token")
    assert page.inner_text("#who") == "token refused"
    assert "refused" in page.inner_text("#notice")
    page.fill("#token", "dmzw_still-not-a-token")
    page.click("#token-form button[type=submit]")
    expect(page.locator("#who")).to_have_text("token refused")
    page.fill("#token", served.secrets["monitor"])
    page.click("#token-form button[type=submit]")
    expect(page.locator(".leaflet-events-pane path.event")).to_have_count(served.events)
    assert page.inner_text("#who") == "monitor · TR"
    assert [e for e in errors if "Failed to load resource" not in e] == []
    page.close()


def test_the_legend_lists_only_layers_with_something_drawn(browser: Any, served: Served) -> None:
    page, errors, _ = _open(browser, served, None)
    layers = "#legend input[data-layer]"
    shown = page.eval_on_selector_all(layers, "bs => bs.map(b => b.dataset.layer)")
    assert shown == ["zoneCore", "zoneFringe", "lines", "border", "governorates", "places"]
    page.select_option("#scenario", "minsk-2015")  # no fringe, no places, no territory
    page.wait_for_selector("body[data-ready=yes]", timeout=30_000)
    expect(page.locator(layers)).to_have_count(2)
    shown = page.eval_on_selector_all(layers, "bs => bs.map(b => b.dataset.layer)")
    assert shown == ["zoneCore", "lines"]
    assert errors == []
    page.close()


REFUSED_LIMIT = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


def test_a_server_on_an_agreement_file_with_small_pages(browser: Any, served_file: Served) -> None:
    page, errors, requested = _open(browser, served_file, served_file.secrets["monitor"])
    # the default scenario is known by its agreement's id, and it draws
    assert page.input_value("#scenario") == "idlib-local"
    assert page.get_attribute("body", "data-zones") == "2"
    assert page.locator(".leaflet-places-pane path").count() == 105
    # every event, fetched 2 a page (the server's most), though the page asks for more first
    assert page.get_attribute("body", "data-events") == str(served_file.events)
    assert _drawn(page) == served_file.events
    assert any("limit=2&" in u for u in requested)
    # names from the agreement file are shown as text in the tooltips
    page.locator(".leaflet-lines-pane path").first.dispatch_event("mouseover")
    tip = page.locator(".leaflet-tooltip").last
    expect(tip).to_contain_text("<b>Line</b> &amp; approximate line of contact")
    assert tip.locator("b").count() == 0
    page.locator(".leaflet-zones-pane path").last.dispatch_event("mouseover")
    expect(page.locator(".leaflet-tooltip", has_text="Zone <i>DMZ</i> & co")).to_have_count(1)
    assert page.locator(".leaflet-tooltip i").count() == 0
    assert errors == [REFUSED_LIMIT]  # the one refused limit is the only error
    page.close()


def test_event_texts_are_shown_as_text(browser: Any, served_file: Served) -> None:
    page, errors, _ = _open(browser, served_file, served_file.secrets["monitor"])
    options = page.eval_on_selector_all("#actor option", "os => os.map(o => o.textContent)")
    assert f"{HOSTILE} (1)" in options
    for key, wanted in (("web-1", HOSTILE), ("web-2", ARABIC)):
        page.evaluate(
            """key => {
                const s = window.dmzwatchMap.state;
                const i = s.events.findIndex(f => f.properties.source_id === key);
                const layers = s.eventLayer.getLayers();
                const ll = L.latLng(s.events[i].geometry.coordinates[1],
                                    s.events[i].geometry.coordinates[0]);
                layers.find(m => m.getLatLng().equals(ll)).fire("click");
            }""",
            key,
        )
        popup = page.locator(f".leaflet-popup .popup[data-event='TR-OP-3:{key}']")
        expect(popup).to_have_count(1)
        assert wanted in popup.inner_text()
        page.evaluate("() => document.body.removeAttribute('data-record')")
        popup.locator(".record summary").click()
        page.wait_for_selector("body[data-record]", timeout=15_000)
        assert wanted in popup.locator(".record .original").inner_text()
    assert page.locator(".leaflet-popup img, .leaflet-popup script").count() == 0
    assert page.get_attribute("body", "data-bad") is None
    assert errors == [REFUSED_LIMIT]
    page.close()


def test_the_last_scenario_chosen_wins(browser: Any, served: Served) -> None:
    page, errors, _ = _open(browser, served, served.secrets["monitor"])

    def late(route: Any) -> None:  # the first choice's zones answer after the second's
        answer = route.fetch()
        time.sleep(1.5)
        route.fulfill(response=answer)

    page.route(re.compile(r"/api/zones\?scenario=idlib-m4-2020"), late)
    with page.expect_response(re.compile(r"/api/zones\?scenario=idlib-m4-2020")):
        page.select_option("#scenario", "idlib-m4-2020")
        page.select_option("#scenario", "minsk-2015")
    page.wait_for_selector("body[data-ready=yes]", timeout=30_000)
    page.wait_for_timeout(500)  # let the late answer be handled
    assert page.input_value("#scenario") == "minsk-2015"
    assert "Minsk" in page.inner_text("#scenario-title")
    assert page.get_attribute("body", "data-zones") == "4"
    assert page.locator(".leaflet-zones-pane path").count() == 4
    assert page.locator(".leaflet-govs-pane path").count() == 0
    assert _drawn(page) == served.events
    assert errors == []
    page.close()
