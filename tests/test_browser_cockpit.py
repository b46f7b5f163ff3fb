"""The homes in real Chromium: the office's figures and its rates chart (drawn by ECharts with
values on bars and the targets as lines), the anchor's trend, the visitor's landing page, on a
desktop and a 390 px phone. Screenshots go to test-artifacts/screenshots/."""
from __future__ import annotations

from conftest import browser_login, browser_logout as logout

from ledger_data import CODES, load_city
from matchmaker.auth import accounts
from matchmaker import policy as policy_module


def test_homes_show_figures_and_readable_charts(app, graph, browser_page):
    load_city(graph, policy_module.load(app.config["POLICY_FILE"]))
    accounts.create_user(graph, "office@t.cn", "办公室", "organizer", "correct-horse-1")
    accounts.create_user(graph, "a@t.cn", "主机A采购", "anchor", "correct-horse-1", CODES["A"])
    page = browser_page

    page.goto("/")
    assert page.locator("h1", has_text="产业链配套撮合平台").is_visible()
    assert page.locator(".figure-card").count() == 3
    page.shot("home-landing")

    browser_login(page, "office@t.cn")
    page.goto("/")
    assert page.locator(".figure-card").count() == 4
    page.wait_for_selector("figure[data-chart=cluster-rates].drawn canvas")
    # ECharts holds the drawn option: values on bars, both targets as reference lines.
    drawn = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.querySelector('.chart-canvas'));
        const s = chart.getOption().series[0];
        return {label: s.label.show, lines: s.markLine.data.map(d => d.yAxis),
                colors: s.data.map(d => d.itemStyle.color)};
    }""")
    assert drawn["label"] and drawn["lines"] == [40, 50]
    assert len(set(drawn["colors"])) >= 1
    page.shot("home-office")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("figure[data-chart].drawn canvas")
    assert page.evaluate("document.querySelector('.chart-canvas').scrollWidth") <= 390
    page.shot("home-office-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    logout(page)

    browser_login(page, "a@t.cn")
    page.goto("/")
    page.wait_for_selector("figure[data-chart=my-rate].drawn canvas")
    page.shot("home-anchor")
