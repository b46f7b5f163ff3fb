"""The chain map in real Chromium on the demo city (8 anchors, ~150 suppliers, two years of
purchases): layered and readable at 1366 and 390 px, the missing link drawn on the map, a
part opening on a click, the year select changing the data. Screenshots go to
test-artifacts/screenshots/."""
from __future__ import annotations

import json

from conftest import SCREENSHOTS, browser_login

from matchmaker import demo

MISSING = "p:THERM-COMP"   # the demo's missing link: every compressor maker is outside the city

# What the test reads off the drawn map: node boxes on screen (including their labels), the
# smallest label size on screen, and each node's layer.
DRAWN = """() => {
    const box = document.getElementById('chain-map'), cy = box.cy;
    return {width: box.clientWidth, zoom: cy.zoom(),
            nodes: cy.nodes().map(n => ({id: n.id(), kind: n.data('kind'),
                                         classes: n.classes(), x: n.renderedPosition('x'),
                                         box: n.renderedBoundingBox({includeLabels: true}),
                                         font: parseFloat(n.style('font-size')) * cy.zoom()}))};
}"""


def _shot(page, name: str) -> None:
    """The map's card (the tables under it are the other tests' business)."""
    page.locator(".chain-card").screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _drawn(page) -> dict:
    page.wait_for_selector("#chain-map canvas")
    return page.evaluate(DRAWN)


def _check_readable(drawn: dict) -> None:
    """Labels of at least 12 px, no two nodes (with their labels) overlapping, every node inside
    the map's width, and the layers in order from left to right."""
    nodes = drawn["nodes"]
    assert nodes and min(n["font"] for n in nodes) >= 12
    for n in nodes:
        assert -1 <= n["box"]["x1"] and n["box"]["x2"] <= drawn["width"] + 1, n["id"]
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            apart = (a["box"]["x2"] <= b["box"]["x1"] or b["box"]["x2"] <= a["box"]["x1"] or
                     a["box"]["y2"] <= b["box"]["y1"] or b["box"]["y2"] <= a["box"]["y1"])
            assert apart, (a["id"], b["id"])
    layer = {"anchor": 0, "part": 1, "local": 2, "outside": 2, "more": 2}
    for a in nodes:
        for b in nodes:
            if layer[a["kind"]] < layer[b["kind"]]:
                assert a["x"] < b["x"], (a["id"], b["id"])


def _click_node(page, node_id: str) -> None:
    """A click where the node is drawn (Playwright scrolls that point into view)."""
    spot = page.evaluate("""(id) => {
        const p = document.getElementById('chain-map').cy.getElementById(id).renderedPosition();
        return {x: p.x, y: p.y};
    }""", node_id)
    page.locator("#chain-map").click(position=spot)


def _wait_open(page, node_id: str, open_: bool = True) -> None:
    for _ in range(150):
        if (node_id in (page.get_attribute("#chain-map", "data-open") or "").split()) == open_:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{node_id} did not {'open' if open_ else 'close'}")


def _swipe_up(page, x: float, y: float) -> None:
    """A finger dragging up from (x, y), as touch events (what a phone sends)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove",
                                              "touchPoints": [{"x": x, "y": y - 25 * step}]})
        page.wait_for_timeout(16)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(500)


def test_chain_map_reads_on_desktop_and_phone(app, graph, browser_page, chromium, live_server):
    demo.load(graph, app.config)
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    browser_login(page, "office@demo.cn", demo.DEMO_PASSWORD)
    page.goto("/chain/?year=2025")

    drawn = _drawn(page)
    kinds = {n["kind"] for n in drawn["nodes"]}
    assert kinds == {"anchor", "part"}                      # suppliers collapsed into counts
    assert sum(n["kind"] == "anchor" for n in drawn["nodes"]) == len(demo.ANCHORS)
    assert "missing" in next(n for n in drawn["nodes"] if n["id"] == MISSING)["classes"]
    _check_readable(drawn)
    assert page.locator(".chain-legend", has_text="缺失环节").is_visible()
    _shot(page, "chain-map")

    # A click on the missing link opens it: its outside suppliers join the map, the panel
    # names the gap and whom the anchors buy from today.
    before = len(drawn["nodes"])
    _click_node(page, MISSING)
    _wait_open(page, MISSING)
    page.wait_for_selector("#chain-detail h3:has-text('外地供应商')")
    drawn = _drawn(page)
    suppliers = [n for n in drawn["nodes"] if n["kind"] in ("local", "outside")]
    assert len(drawn["nodes"]) > before and suppliers
    assert {n["kind"] for n in suppliers} == {"outside"}
    _check_readable(drawn)
    panel = page.inner_text("#chain-detail")
    assert "缺失环节" in panel and "本地没有能供应该零部件的企业" in panel
    assert "压缩机" in panel and "¥" in panel
    _shot(page, "chain-map-open")
    _click_node(page, MISSING)                               # a second click closes it
    _wait_open(page, MISSING, False)
    assert len(_drawn(page)["nodes"]) == before

    # The year select reloads the page with that year's data.
    data_2025 = json.loads(page.text_content("#chain-map-data"))
    page.select_option("select[name=year]", "2024")
    page.wait_for_url("**year=2024**")
    assert page.get_attribute("#chain-map", "data-year") == "2024"
    data_2024 = json.loads(page.text_content("#chain-map-data"))
    assert data_2024["year"] == 2024 and data_2024["edges"] != data_2025["edges"]
    _check_readable(_drawn(page))

    # A phone: the map fits the width, nothing scrolls sideways, the panel comes under the map.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/chain/?year=2025")
    drawn = _drawn(page)
    _check_readable(drawn)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    map_box = page.locator("#chain-map").bounding_box()
    panel_box = page.locator(".chain-panel").bounding_box()
    assert map_box["x"] >= 0 and map_box["x"] + map_box["width"] <= 390
    assert panel_box["y"] >= map_box["y"] + map_box["height"]
    part = next(n["id"] for n in drawn["nodes"]
                if n["kind"] == "part" and n["id"] != MISSING and "missing" not in n["classes"])
    _click_node(page, part)
    _wait_open(page, part)
    page.wait_for_selector("#chain-detail h3:has-text('本地配套企业')")
    drawn = _drawn(page)
    assert any(n["kind"] == "local" for n in drawn["nodes"])
    _check_readable(drawn)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "chain-map-390")

    # A touch phone: a tap opens a part; a swipe that starts on the map scrolls the page and
    # opens nothing (the map never holds the finger).
    phone = chromium.new_context(base_url=live_server, locale="zh-CN", has_touch=True,
                                 is_mobile=True, viewport={"width": 390, "height": 844})
    try:
        page = phone.new_page()
        browser_login(page, "office@demo.cn", demo.DEMO_PASSWORD)
        page.goto("/chain/?year=2025")
        page.wait_for_selector("#chain-map canvas")
        spot = page.evaluate("""(id) => {
            const p = document.getElementById('chain-map').cy.getElementById(id).renderedPosition();
            return {x: p.x, y: p.y};
        }""", part)
        page.locator("#chain-map").tap(position=spot)
        _wait_open(page, part)
        on_screen = page.evaluate("""(id) => {
            const box = document.getElementById('chain-map');
            const p = box.cy.getElementById(id).renderedPosition();
            window.scrollBy(0, box.getBoundingClientRect().top + p.y - 600);   // room to swipe
            const r = box.getBoundingClientRect();
            return {x: r.left + p.x, y: r.top + p.y};
        }""", part)
        before = page.evaluate("window.scrollY")
        _swipe_up(page, on_screen["x"], on_screen["y"])
        assert page.evaluate("window.scrollY") > before
        assert page.get_attribute("#chain-map", "data-open") == part
    finally:
        phone.close()
