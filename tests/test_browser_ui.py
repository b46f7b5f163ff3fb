"""The look and the manners of every role's main pages, in real Chromium at 1366 px and on a
390×844 phone, in Chinese and English: no serious or critical axe-core violations, no page wider
than the screen, the menu collapsed on the phone, a label on every input, validation messages in
the page's language, a confirmation dialog before award approval, schedule publication, token
revocation and a company's rejection (cancel leaves everything as it was), progress on a slow
save, and marks that bring the page back to their row with a message.
Screenshots go to test-artifacts/screenshots/ui-*.png."""
from __future__ import annotations

import json
import threading
import uuid
from urllib.parse import unquote
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from conftest import MODEL, SCREENSHOTS, browser_login
from ledger_data import CODES, load_city
from test_fairs import As, fair_form

from graph import server
from matchmaker import credit_code
from matchmaker.auth import accounts
from matchmaker.auth import tokens as api_tokens
from matchmaker.fairs import meetings, proposals, setup, timetable
from matchmaker.incentives import service as awards
from matchmaker.matching import service as matching

AXE = Path(__file__).resolve().parent.parent / "matchmaker" / "static" / "vendor" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
YEAR = 2025


@pytest.fixture(scope="module")
def city(data_dir):
    """A small city for the whole module: anchors and suppliers with two years of purchases,
    award proposals, a need with a ranking, a scheduled fair, a token, a company to review."""
    from matchmaker import create_app, policy
    from matchmaker.reference.seeds import seed

    database = f"t{uuid.uuid4().hex[:10]}"
    app = create_app({"DATA_DIR": data_dir, "NEO4J_DATABASE": database, "TESTING": True,
                      "EMBEDDING_MODEL": MODEL, "SECRET_KEY": "test-secret"})
    graph = app.extensions["graph"]
    seed(graph)
    rules = policy.load(app.config["POLICY_FILE"])
    load_city(graph, rules)
    model = app.config["EMBEDDING_MODEL"]
    for code, products, processes in [
            ("local1", "工程机械液压油缸、伸缩油缸", "缸筒珩磨、活塞杆镀铬、焊接"),
            ("local2", "液压油缸总成及缸筒", "深孔加工、焊接、试验台测试"),
            ("parkH", "挖掘机斗杆焊接结构件", "机器人焊接、整体加工")]:
        matching.save_capabilities(graph, model, CODES[code], [{
            "products": products, "processes": processes, "categories": ["HYD-CYL"],
            "certifications": ["ISO9001"]}])
    need = matching.save_need(graph, model, CODES["A"], {
        "title": "挖掘机斗杆液压油缸", "category": "HYD-CYL", "status": "open",
        "description": "斗杆油缸，缸径 140mm，年需求 2000 件，需 ISO9001"})
    pending = accounts.company_row({"credit_code": credit_code.make("430181", 777),
                                    "name": "浏阳待审配套有限公司", "role": "supplier",
                                    "region": "430181", "clusters": []}, "pending", "430100")
    from graph import companies
    graph.write(companies.upsert_companies, [pending])
    accounts.create_user(graph, "office@t.cn", "市产业链办公室 王主任", "organizer", "correct-horse-1")
    accounts.create_user(graph, "a@t.cn", "主机A 采购部 李经理", "anchor", "correct-horse-1", CODES["A"])
    accounts.create_user(graph, "s@t.cn", "浏阳配套 张总", "supplier", "correct-horse-1",
                         CODES["local1"])
    awards.compute(graph, rules, YEAR, "t")
    fair = setup.create(graph, fair_form(), {"CM"}, "office@t.cn")
    anchor, supplier = As(CODES["A"], "anchor"), As(CODES["local1"], "supplier")
    proposals.register(graph, fair, anchor, [0, 1, 2])
    proposals.register(graph, fair, supplier, [0, 1, 2])
    key = f"{fair}|{anchor.company}|{supplier.company}"
    meetings.send_request(graph, key, anchor)
    meetings.answer_request(graph, key, supplier, True)
    timetable.run_scheduler(graph, fair, time_limit=2)
    api_tokens.issue(graph, "office@t.cn", "ERP 对接", ["companies:read"])

    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(app=app, graph=graph, need=need, fair=fair, pending=pending,
                          url=f"http://127.0.0.1:{http.server_port}")
    http.shutdown()
    thread.join()
    graph.close()
    server.drop_database(graph.embedded, database)


@pytest.fixture
def open_page(chromium, city):
    """`open_page(email, viewport)`: a signed-in page of its own browser context."""
    contexts = []

    def make(email=None, viewport=DESKTOP):
        context = chromium.new_context(base_url=city.url, locale="zh-CN", viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        if email:
            browser_login(page, email)
        return page
    yield make
    for context in contexts:
        context.close()


def shot(page, name, full_page=True):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"ui-{name}.png"), full_page=full_page)


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core findings on the page as it stands."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (vendors axe-core from npm)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url="/static/vendor/axe.min.js")   # same origin: the CSP allows it
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 4).map(n => n.target.join(' '))}));
    }""")


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby'))
    .map(el => el.outerHTML.slice(0, 120))"""


def pages(city):
    return {
        None: {"landing": "/", "login": "/auth/login", "register": "/auth/register"},
        "office@t.cn": {"home": "/", "companies": "/companies",
                        "company": f"/companies/{CODES['local1']}",
                        "awards": f"/incentives/?year={YEAR}",
                        "flags": f"/incentives/flags?year={YEAR}", "fair": f"/fairs/{city.fair}",
                        "fair-report": f"/fairs/{city.fair}/report", "fair-reports": "/fairs/reports",
                        "chain": f"/chain/?year={YEAR}", "tokens": "/auth/tokens",
                        "import": "/imports/", "reference": "/reference/park",
                        "outbox": "/mail/outbox"},
        "a@t.cn": {"home": "/", "needs": "/needs/", "ranking": f"/needs/{city.need}",
                   "supplier": f"/companies/{CODES['local1']}",
                   "rate": f"/incentives/mine?year={YEAR}", "fair": f"/fairs/{city.fair}",
                   "follow-ups": "/fairs/follow-ups", "mail": "/mail/preferences"},
        "s@t.cn": {"home": "/", "profile": "/suppliers/profile", "matching": "/suppliers/needs",
                   "need": f"/needs/{city.need}", "anchor": f"/companies/{CODES['A']}",
                   "fair": f"/fairs/{city.fair}", "inbox": "/notifications"},
    }


ROLES = {None: "visitor", "office@t.cn": "office", "a@t.cn": "anchor", "s@t.cn": "supplier"}


@pytest.mark.parametrize("email", list(ROLES), ids=list(ROLES.values()))
def test_main_pages_are_accessible_and_fit_a_phone(city, open_page, email):
    role = ROLES[email]
    problems = []
    for viewport in (DESKTOP, PHONE):
        page = open_page(email, viewport)
        width = viewport["width"]
        for lang in ("zh", "en"):
            for name, path in pages(city)[email].items():
                page.goto(path + ("&" if "?" in path else "?") + f"lang={lang}")
                page.wait_for_load_state("networkidle")
                where = f"{role} {name} {lang} {width}px"
                assert page.evaluate("document.documentElement.lang") == (
                    "en" if lang == "en" else "zh-CN"), where
                scroll = page.evaluate("document.scrollingElement.scrollWidth")
                if scroll > width:
                    problems.append(f"{where}: page is {scroll}px wide")
                for html in page.evaluate(UNLABELLED):
                    problems.append(f"{where}: input without a label: {html}")
                if lang == "zh" or width == DESKTOP["width"]:
                    for v in axe_violations(page):
                        problems.append(f"{where}: axe {v['impact']} {v['id']} ({v['help']}) "
                                        f"at {v['nodes']}")
                if width == PHONE["width"]:
                    header = page.locator("header.top").bounding_box()["height"]
                    if header > 64:
                        problems.append(f"{where}: header is {header}px tall")
                    if page.locator("#site-nav").is_visible():
                        problems.append(f"{where}: navigation is not collapsed")
                shot(page, f"{role}-{name}-{lang}-{width}")
        if width == PHONE["width"]:   # the menu opens, lists the sections and closes again
            toggle = page.locator(".menu-toggle")
            assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
            toggle.click()
            assert page.locator("#site-nav").is_visible()
            assert toggle.get_attribute("aria-expanded") == "true"
            assert page.locator("#site-nav .lang").is_visible()
            shot(page, f"{role}-menu-{width}", full_page=False)
            page.keyboard.press("Escape")
            assert not page.locator("#site-nav").is_visible()
    assert not problems, "\n".join(problems)


def dialog_for(page, button):
    """Click `button`; the confirmation dialog that opens instead of sending the form."""
    url = page.url
    button.click()
    dialog = page.locator("dialog.confirm[open]")
    dialog.wait_for()
    assert page.url == url
    return dialog


def test_irreversible_actions_ask_first_and_cancel_changes_nothing(city, open_page):
    from graph import awards as award_store
    from graph import companies as company_store

    def award_status():
        return {a["key"]: a["status"] for a in city.graph.read(award_store.awards, YEAR)}

    page = open_page("office@t.cn")
    page.goto(f"/incentives/?year={YEAR}")
    row = page.locator("tr", has=page.locator("button[value=approve]")).first
    action = row.locator("form").get_attribute("action")
    subject = unquote(action.split("/awards/")[1].split("/decide")[0])
    before = award_status()
    assert before[subject] == "proposed"
    amount = row.locator("td").nth(2).inner_text().strip()
    dialog = dialog_for(page, row.locator("button[value=approve]"))
    assert amount in dialog.inner_text() and "不可撤销" in dialog.inner_text()
    assert page.evaluate("document.activeElement.value") == "cancel"   # Enter alone cancels
    shot(page, "office-confirm-award-zh-1366", full_page=False)
    dialog.locator("button[value=cancel]").click()
    assert not dialog.is_visible()
    dialog = dialog_for(page, row.locator("button[value=approve]"))
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert award_status() == before
    dialog = dialog_for(page, row.locator("button[value=approve]"))
    dialog.locator("button[value=ok]").click()
    page.wait_for_selector(".flashes .flash.success")
    assert award_status()[subject] == "approved"

    # Publishing the fair's schedule, on a phone.
    page = open_page("office@t.cn", PHONE)
    page.goto(f"/fairs/{city.fair}")
    dialog = dialog_for(page, page.locator("button", has_text="发布日程"))
    assert "公开" in dialog.inner_text()
    shot(page, "office-confirm-publish-zh-390", full_page=False)
    dialog.locator("button[value=cancel]").click()
    assert setup.get(city.graph, city.fair)["status"] == "scheduled"
    dialog = dialog_for(page, page.locator("button", has_text="发布日程"))
    dialog.locator("button[value=ok]").click()
    page.wait_for_selector("text=日程已发布")
    assert setup.get(city.graph, city.fair)["status"] == "published"

    # Revoking a token, in English.
    page = open_page("office@t.cn")
    page.goto("/auth/tokens?lang=en")
    row = page.locator("tr", has_text="ERP 对接")
    dialog = dialog_for(page, row.locator("button", has_text="Revoke"))
    assert "ERP 对接" in dialog.inner_text() and "cannot be undone" in dialog.inner_text()
    shot(page, "office-confirm-revoke-en-1366", full_page=False)
    dialog.locator("button[value=cancel]").click()
    assert not any(t["revoked"] for t in api_tokens.tokens_of(city.graph, "office@t.cn"))
    dialog = dialog_for(page, row.locator("button", has_text="Revoke"))
    dialog.locator("button[value=ok]").click()
    page.wait_for_selector(".flashes .flash.success")
    assert all(t["revoked"] for t in api_tokens.tokens_of(city.graph, "office@t.cn"))

    # Rejecting a company: a reason first (required), which the dialog repeats.
    def status_of(code):
        return city.graph.read(company_store.get_company, code)["status"]
    page.goto("/companies?status=pending&lang=zh")
    row = page.locator("tr", has_text="浏阳待审配套有限公司")
    row.locator("details.reject summary").click()
    row.locator("button", has_text="确认不通过").click()
    assert not page.locator("dialog.confirm[open]").count()   # the reason is missing
    assert row.locator("input[name=reason]").evaluate("el => el.validationMessage") == "请填写此项"
    row.locator("input[name=reason]").fill("营业执照与注册地不符")
    dialog = dialog_for(page, row.locator("button", has_text="确认不通过"))
    assert "营业执照与注册地不符" in dialog.inner_text()
    dialog.locator("button[value=cancel]").click()
    assert status_of(city.pending["credit_code"]) == "pending"
    dialog = dialog_for(page, row.locator("button", has_text="确认不通过"))
    dialog.locator("button[value=ok]").click()
    page.wait_for_selector(".flashes .flash.success")
    assert status_of(city.pending["credit_code"]) == "rejected"


def test_marks_come_back_to_their_row_and_slow_saves_show_progress(city, open_page):
    page = open_page("a@t.cn", PHONE)
    page.goto(f"/needs/{city.need}")
    row = page.locator("table.matches tr[id^=s-]").last
    row_id = row.get_attribute("id")
    # While a form's request is held Playwright waits for the next document, so the page
    # records its own state 450 ms into the save (sessionStorage outlives the navigation),
    # then submits the form a second time.
    page.evaluate("""id => {
        const form = document.querySelector('#' + id + ' form.marks');
        form.addEventListener('submit', () => setTimeout(() => {
            if (sessionStorage.getItem('state')) { return; }
            const button = form.querySelector('button[value=shortlisted]');
            sessionStorage.setItem('state', JSON.stringify({
                busy: form.getAttribute('aria-busy'), disabled: button.disabled,
                spinner: button.classList.contains('busy')}));
            form.requestSubmit();
        }, 450));
    }""", row_id)
    held = []
    page.route("**/marks/**", lambda route: held.append(route))
    row.locator("button[value=shortlisted]").click(no_wait_after=True)
    page.wait_for_timeout(900)
    assert len(held) == 1   # the second submit sent nothing
    held[0].continue_()
    page.wait_for_url(f"**#{row_id}")
    assert json.loads(page.evaluate("sessionStorage.getItem('state')")) == {
        "busy": "true", "disabled": True, "spinner": True}
    flash = page.locator(".flashes .flash.success")
    assert "候选" in flash.inner_text() and flash.is_visible()
    row = page.locator(f"#{row_id}")
    assert row.locator(".tag.ok", has_text="候选").is_visible()
    in_view = row.evaluate("el => { const r = el.getBoundingClientRect(); "
                           "return r.top < innerHeight && r.bottom > 0; }")
    assert in_view
    shot(page, "anchor-mark-zh-390")


def test_validation_messages_speak_the_page_language(city, open_page):
    page = open_page("a@t.cn")
    for lang, message in (("zh", "请填写此项"), ("en", "Please fill in this field.")):
        page.goto(f"/incentives/mine?year={YEAR}&lang={lang}")
        page.locator("form.grid button[type=submit]").click()
        field = page.locator("form.grid input[name=invoice_no]")
        assert field.evaluate("el => el.validationMessage") == message
    assert "/incentives/mine" in page.url   # nothing was sent
