"""Isolation sweep: signed in as each company role of company A, request every route and API
endpoint (every method) with the ids of company B's objects. Nothing of B's private data may
appear in any answer, no answer may be a server error, and B's objects must be unchanged."""
import re
from datetime import timedelta

import pytest
from conftest import csrf_token, login

from graph import catalog, fairs as fair_store
from graph import tokens as token_store
from matchmaker import clock
from matchmaker.auth import accounts
from matchmaker.auth import tokens as api_tokens
from matchmaker.fairs import proposals, setup
from matchmaker.imports import jobs as imports
from matchmaker.imports import purchases as ledger
from matchmaker.matching import service as matching

SECRET = "7731"  # in every private value of B's: need title, contact phone, purchase amount
SKIP = ("/static", "/auth/login", "/auth/register", "/auth/logout", "/healthz",
        "/api/v1/openapi.json")


class As:
    def __init__(self, email, company, role):
        self.email, self.company, self.role, self.is_organizer = email, company, role, False
        self.company_name = None


@pytest.fixture
def world(app, graph, make_company, tmp_path):
    model = app.config["EMBEDDING_MODEL"]
    make_company("甲主机", role="anchor", clusters=["CM"], user="a-anchor@a.cn")
    make_company("甲配套", user="a-supplier@a.cn")
    b_anchor = make_company("乙主机", role="anchor", clusters=["CM"], user="b-anchor@b.cn")
    b_supplier = make_company("乙配套", user="b-supplier@b.cn")
    graph.write(lambda tx: tx.run("MATCH (c:Company) WHERE c.name STARTS WITH '乙' "
                                  "SET c.contact_phone = '1399999" + SECRET + "'").consume())
    accounts.create_user(graph, "office@c.cn", "办公室", "organizer", "correct-horse-1")
    b = {"anchor": b_anchor["credit_code"], "supplier": b_supplier["credit_code"]}
    b["need"] = matching.save_need(graph, model, b["anchor"], {
        "title": f"乙机密需求{SECRET}", "status": "draft", "description": "液压油缸"})
    matching.save_need(graph, model, b["anchor"], {"title": "挖掘机液压油缸", "description": "斗杆油缸"})
    b["capability"] = matching.save_capabilities(graph, model, b["supplier"], [
        {"products": "液压油缸", "processes": f"工艺{SECRET}"}])[0]
    ledger.import_purchases(graph, [(2, {
        "anchor_credit_code": b["anchor"], "supplier_credit_code": b["supplier"],
        "invoice_no": "B-1", "date": "2025-03-01", "amount_yuan": f"{SECRET}0000",
        "category": ""})], "b-anchor@b.cn")
    secret = api_tokens.issue(graph, "b-anchor@b.cn", "ERP", ["needs:read"])
    b["prefix"] = secret[:12]
    user_b = As("b-anchor@b.cn", b["anchor"], "anchor")
    csv = ("anchor_credit_code,supplier_credit_code,invoice_no,date,amount_yuan,category\n"
           f"{b['anchor']},{b['supplier']},B-2,2025-04-01,{SECRET}00,\n").encode()
    b["job"] = imports.preview(graph, tmp_path / "uploads", user_b, "purchases", csv, "b.csv",
                               app_policy(app))["id"]
    day = clock.today() + timedelta(days=10)
    fair_id = setup.create(graph, {
        "name": "洽谈会", "cluster": "CM", "venue": "会展中心", "days": day.isoformat(),
        "day_start": "09:00", "day_end": "11:00", "slot_minutes": "30", "breaks": "",
        "tables": "2", "registration_opens": clock.today().isoformat(),
        "registration_closes": (day - timedelta(days=1)).isoformat(), "min_meetings": "0",
        "max_meetings": "", "request_expiry_hours": "48"}, {"CM"}, "office@c.cn")
    proposals.register(graph, fair_id, user_b, [0, 1, 2])
    proposals.register(graph, fair_id, As("b-supplier@b.cn", b["supplier"], "supplier"), [0, 1, 2])
    meetings = graph.read(fair_store.meetings, fair_id)
    b["fair"], b["key"] = fair_id, meetings[0]["key"]
    return b


def app_policy(app):
    from matchmaker import policy
    return policy.load(app.config["POLICY_FILE"])


def _url(rule, b) -> str:
    values = {"need_id": b["need"], "capability_id": b["capability"], "credit_code": b["anchor"],
              "supplier": b["supplier"], "prefix": b["prefix"], "job_id": b["job"],
              "fair_id": b["fair"], "key": b["key"], "company": b["anchor"], "fmt": "xlsx",
              "kind": "park", "code": "YHEDZ"}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule)


def _snapshot(graph, b) -> dict:
    need = graph.read(catalog.get_need, b["need"])
    return {"need": (need["title"], need["status"]),
            "capabilities": graph.read(catalog.capabilities_of, b["supplier"]),
            "tokens": [t["revoked"] for t in graph.read(token_store.tokens_of, "b-anchor@b.cn")],
            "job": graph.read(lambda tx: tx.run("MATCH (j:ImportJob {id: $id}) RETURN j.status",
                                                id=b["job"]).single()[0]),
            "meeting": graph.read(fair_store.get_meeting, b["key"]),
            "marks": graph.read(lambda tx: tx.run(
                "MATCH ()-[r:JUDGED|INTERESTED_IN]->() RETURN count(r)").single()[0]),
            "purchases": graph.read(lambda tx: tx.run(
                "MATCH (p:Purchase) RETURN count(p)").single()[0])}


@pytest.mark.parametrize("email", ["a-anchor@a.cn", "a-supplier@a.cn"])
def test_no_route_shows_or_changes_another_companys_data(app, client, graph, world, email):
    before = _snapshot(graph, world)
    login(client, email)
    token = csrf_token(client, "/")
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(SKIP):
            continue
        url = _url(rule.rule, world)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = client.get(url)
            elif url.startswith("/api/"):
                response = client.open(url, method=method, json={
                    "status": "closed", "title": "x", "rows": [], "capabilities": [
                        {"id": world["capability"], "products": "x"}]})
            else:
                response = client.open(url, method=method, data={
                    "csrf_token": token, "status": "approved", "title": "x", "products": "x",
                    "accept": "1", "preference": "must", "result": "contract",
                    "amount_yuan": "1", "present": "1", "valid_only": "1"})
            body = response.get_data(as_text=True) if not url.endswith((".xlsx", ".ics")) \
                else response.data.decode("latin-1")
            assert response.status_code < 500, (method, url, response.status_code)
            assert SECRET not in body.replace(",", ""), (method, url, response.status_code)
            checked += 1
    assert checked > 60
    assert _snapshot(graph, world) == before


def test_the_sweep_would_see_a_leak(app, world):
    """Control: B's own users do see the private values the sweep looks for."""
    owner = app.test_client()
    login(owner, "b-anchor@b.cn")
    assert SECRET in owner.get(f"/needs/{world['need']}").get_data(as_text=True)
    assert SECRET in owner.get("/incentives/mine?year=2025").get_data(as_text=True).replace(",", "")


ALLOWED_UNAPPROVED = {"/", "/notifications", "/suppliers/profile", "/suppliers/capabilities/new",
                      "/suppliers/capabilities/<capability_id>", "/mail/preferences"}


@pytest.mark.parametrize("role", ["anchor", "supplier"])
def test_unapproved_company_reaches_only_its_status_and_profile(app, client, graph, world,
                                                                make_company, role):
    """A pending company's user, on every route and API method: refused everywhere but its
    home, inbox and own profile, and nothing of anyone changes."""
    make_company("丙待审", role=role, clusters=["CM"] if role == "anchor" else (),
                 status="pending", user="p@p.cn")
    before = _snapshot(graph, world)
    login(client, "p@p.cn")
    token = csrf_token(client, "/")
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(SKIP):
            continue
        url = _url(rule.rule, world)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, json={"title": "x", "rows": []}) \
                if url.startswith("/api/") else client.open(url, method=method, data={
                    "csrf_token": token, "status": "open", "title": "x", "products": "x"})
            allowed = rule.rule in ALLOWED_UNAPPROVED and (
                role == "supplier" or not rule.rule.startswith("/suppliers"))
            if not allowed:
                assert response.status_code in (401, 403, 404, 405), (method, url,
                                                                      response.status_code)
            assert SECRET not in response.get_data(as_text=True), (method, url)
    assert _snapshot(graph, world) == before
