"""The main flow in real Chromium: a supplier registers and fills its profile, the office
approves it, an anchor posts a need and sees that supplier ranked first with an explanation.
Screenshots go to test-artifacts/screenshots/."""
from __future__ import annotations

from conftest import browser_login, browser_logout as logout

from matchmaker import credit_code
from matchmaker.auth import accounts
from matchmaker.matching import service


def test_supplier_registers_and_ranks_first_for_a_new_need(app, graph, make_company,
                                                           browser_page):
    make_company("星联重工", role="anchor", clusters=["CM"], user="buyer@x.cn")
    other = make_company("宁乡注塑有限公司", region="430182")
    service.save_capabilities(graph, app.config["EMBEDDING_MODEL"], other["credit_code"], [{
        "products": "家电注塑外壳", "processes": "注塑成型", "categories": []}])
    accounts.create_user(graph, "office@c.cn", "办公室", "organizer", "correct-horse-1")
    page = browser_page

    page.goto("/auth/register")
    page.fill("input[name=company_name]", "浏阳恒力液压有限公司")
    page.fill("input[name=credit_code]", credit_code.make("430181", 4242))
    page.select_option("select[name=role]", "supplier")
    page.fill("input[name=region]", "浏阳市")
    page.fill("input[name=address]", "浏阳经开区康天路 8 号")
    page.fill("input[name=contact_name]", "刘经理")
    page.fill("input[name=contact_phone]", "0731-83000000")
    page.fill("input[name=email]", "liu@hengli.cn")
    page.fill("input[name=password]", "correct-horse-1")
    page.fill("input[name=password2]", "correct-horse-1")
    page.shot("flow-1-register")
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=注册申请已提交")
    browser_login(page, "liu@hengli.cn")
    assert page.locator("text=正在由产业链办公室审核").is_visible()

    page.goto("/suppliers/capabilities/new")
    page.fill("textarea[name=products]", "工程机械液压油缸、液压缸总成")
    page.fill("textarea[name=processes]", "精密深孔加工、焊接、镀铬")
    page.select_option("select[name=category]", "HYD-CYL")
    page.shot("flow-2-capability")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("text=工程机械液压油缸").first.is_visible()
    logout(page)

    browser_login(page, "office@c.cn")
    page.goto("/companies")
    page.locator("tr", has_text="浏阳恒力液压有限公司").locator("text=审核通过").click()
    page.wait_for_load_state()
    logout(page)

    browser_login(page, "buyer@x.cn")
    page.goto("/needs/new")
    page.fill("input[name=title]", "挖掘机斗杆液压油缸采购")
    page.select_option("select[name=category]", "HYD-CYL")
    page.fill("textarea[name=description]", "斗杆油缸，缸径 140mm，年需求 2000 件")
    page.click("main form button[type=submit]")
    page.wait_for_selector("table.matches")
    first = page.locator("table.matches tr").nth(1)
    assert "浏阳恒力液压有限公司" in first.inner_text()
    assert "匹配：" in first.inner_text() and "本地" in first.inner_text()
    page.shot("flow-3-ranked")
