"""A whole fair in real Chromium: the organizer sets it up, both sides register, the anchor asks
for a must-meet, the supplier accepts, the organizer schedules and publishes, the supplier reads
the agenda. Screenshots go to test-artifacts/screenshots/."""
from __future__ import annotations

from conftest import browser_login, browser_logout as logout
from test_fairs import fair_form, people  # noqa: F401  (fixture)


def test_fair_in_the_browser(browser_page, people):  # noqa: F811
    page = browser_page
    browser_login(page, "office@c.cn")
    page.goto("/fairs/new")
    form = fair_form()
    for name in ("name", "venue", "days", "day_start", "day_end", "slot_minutes", "breaks",
                 "tables", "registration_opens", "registration_closes"):
        page.fill(f"input[name={name}]", form[name])
    page.select_option("select[name=cluster]", "CM")
    page.shot("fair-new")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=洽谈会已创建")
    fair_url = page.url
    logout(page)

    for email in ("sales@pump.cn", "buyer@x.cn"):
        browser_login(page, email)
        page.goto(fair_url)
        page.click("#register button[type=submit]")
        page.wait_for_selector("text=报名成功")
        if email == "sales@pump.cn":
            logout(page)

    row = page.locator("#pairs tr", has_text="浏阳液压有限公司")
    row.locator("button[value=must]").click()
    page.wait_for_load_state()
    row = page.locator("#pairs tr", has_text="浏阳液压有限公司")
    row.locator("text=发出邀约").click()
    page.wait_for_selector("text=邀约已发出")
    page.shot("fair-anchor-pairs")
    logout(page)

    browser_login(page, "sales@pump.cn")
    page.goto(fair_url)
    row = page.locator("#pairs tr", has_text="星联重工")
    row.locator("button[value=must]").click()
    page.wait_for_load_state()
    page.locator("#pairs tr", has_text="星联重工").locator("text=接受").click()
    page.wait_for_load_state()
    assert page.locator("#pairs tr", has_text="星联重工").locator("text=已确认").is_visible()
    logout(page)

    browser_login(page, "office@c.cn")
    page.goto(fair_url)
    page.click("text=运行排程")
    page.wait_for_selector("text=排程完成：1 / 1 场会谈已安排")
    page.click("text=发布日程")
    page.wait_for_selector("text=日程已发布")
    page.shot("fair-organizer")
    page.click("text=桌位安排表")
    page.wait_for_selector("text=浏阳液压有限公司")
    page.shot("fair-table-plan")
    logout(page)

    browser_login(page, "sales@pump.cn")
    page.goto(fair_url)
    agenda = page.locator("#agenda")
    assert agenda.locator("text=星联重工").is_visible()
    page.shot("fair-supplier-agenda")
