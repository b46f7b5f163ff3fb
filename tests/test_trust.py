"""Trust: the approval gate gates, contacts cannot be harvested, redirects stay on the site,
sessions end for real, sign-in and registration tell nothing and are throttled, the ledger only
takes vetted companies, production posture, and conditional updates that hold on any backend."""
import re
import threading
import uuid
from contextlib import contextmanager

import pytest
from conftest import csrf_token, login

from graph import awards as award_store
from graph import ledger as ledger_store
from matchmaker import credit_code
from matchmaker.auth import accounts
from matchmaker.auth import tokens as api_tokens
from matchmaker.errors import ValidationError
from matchmaker.extensions import current_policy
from matchmaker.imports import purchases as ledger
from matchmaker.incentives import rates as rate_figures
from matchmaker.incentives import service as awards
from matchmaker.matching import service
from matchmaker.needs import service as need_service
from matchmaker.ratelimit import Limit
from matchmaker.web import safe_next


@pytest.fixture
def city(app, graph, make_company):
    """An approved anchor and supplier, a pending anchor and supplier, the office."""
    model = app.config["EMBEDDING_MODEL"]
    hyd = make_company("湘液液压有限公司", region="430181", user="hyd@a.cn")
    service.save_capabilities(graph, model, hyd["credit_code"],
                              [{"products": "工程机械液压油缸、伸缩油缸，缸筒珩磨"}])
    anchor = make_company("星联重工", role="anchor", clusters=["CM"], user="anchor@a.cn")
    new_anchor = make_company("新来重工", role="anchor", clusters=["CM"], status="pending",
                              user="new-anchor@a.cn")
    new_supplier = make_company("新来液压", region="430181", status="pending",
                                user="new-sup@a.cn")
    service.save_capabilities(graph, model, new_supplier["credit_code"],
                              [{"products": "工程机械液压油缸、伸缩油缸，缸筒珩磨"}])
    accounts.create_user(graph, "office@a.cn", "办公室", "organizer", "correct-horse-1")
    return {"hyd": hyd, "anchor": anchor, "new_anchor": new_anchor,
            "new_supplier": new_supplier, "model": model}


def _post(client, path, data, page="/"):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def _client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _bearer(graph, email, scopes):
    return {"Authorization": "Bearer " + api_tokens.issue(graph, email, "ERP", scopes)}


def _purchase(anchor, supplier, invoice, amount="1000000.00", day="2025-03-01"):
    return {"anchor_credit_code": anchor["credit_code"],
            "supplier_credit_code": supplier["credit_code"], "invoice_no": invoice,
            "date": day, "amount_yuan": amount, "category": ""}


# ---------------------------------------------------------------- 1. the approval gate

def test_pending_company_sees_status_and_profile_only(app, client, graph, city):
    login(client, "new-anchor@a.cn")
    home = client.get("/").get_data(as_text=True)
    assert "正在由产业链办公室审核" in home and 'href="/needs/"' not in home
    for path in ("/needs/", "/needs/new", "/incentives/mine", "/fairs/", "/auth/tokens",
                 "/imports/"):
        assert client.get(path).status_code == 403, path
    assert client.get("/notifications").status_code == 200
    assert client.post("/api/v1/needs", json={"title": "液压油缸"}).status_code == 403
    token = _bearer(graph, "new-anchor@a.cn", ["needs:write", "purchases:write"])
    assert client.post("/api/v1/needs", headers=token, json={"title": "液压油缸"}).status_code == 403
    assert client.post("/api/v1/purchases", headers=token, json={"rows": [
        _purchase(city["new_anchor"], city["hyd"], "P-1")]}).status_code == 403
    supplier = app.test_client()
    login(supplier, "new-sup@a.cn")
    assert supplier.get("/suppliers/profile").status_code == 200  # may complete its profile
    assert supplier.get("/suppliers/needs").status_code == 403


def test_unapproved_companies_reach_nobody_until_approved(app, client, graph, city):
    """A pending anchor's need is not shown to suppliers; a pending supplier is not ranked;
    purchases naming unvetted or wrong-role companies are refused."""
    pending = accounts.load_user(graph, "new-anchor@a.cn")
    need_id = service.save_need(graph, city["model"], pending.company,
                                {"title": "采购挖掘机液压油缸", "status": "open"})
    shown = service.match_supplier(graph, city["hyd"]["credit_code"])
    assert need_id not in {n["need"] for n in shown}
    login(client, "hyd@a.cn")
    assert client.get(f"/api/v1/needs/{need_id}").status_code == 404
    assert "采购挖掘机液压油缸" not in client.get("/suppliers/needs").get_data(as_text=True)
    anchor = accounts.load_user(graph, "anchor@a.cn")
    own = service.save_need(graph, city["model"], anchor.company,
                            {"title": "采购挖掘机液压油缸", "status": "open"})
    ranked = {m["company"] for m in service.match_need(graph, own, anchor)["matches"]}
    assert city["hyd"]["credit_code"] in ranked
    assert city["new_supplier"]["credit_code"] not in ranked
    for row, column in [(_purchase(city["anchor"], city["new_supplier"], "P-1"),
                         "supplier_credit_code"),
                        (_purchase(city["anchor"], city["new_anchor"], "P-2"),
                         "supplier_credit_code"),
                        (_purchase(city["new_anchor"], city["hyd"], "P-3"), "anchor_credit_code")]:
        with pytest.raises(ValidationError) as e:
            ledger.import_purchases(graph, [(2, row)], "test")
        assert e.value.details[0]["column"] == column


def test_rejected_supplier_stops_counting_and_reapproval_restores(app, client, graph, city):
    ledger.import_purchases(graph, [(2, _purchase(city["anchor"], city["hyd"], "P-1"))], "test")
    with app.app_context():
        policy = current_policy()

    def local_fen():
        return rate_figures.report(graph, policy, 2025)["anchors"][0]["local_fen"]
    assert local_fen() == 100_000_000
    supplier = app.test_client()
    login(supplier, "hyd@a.cn")
    login(client, "office@a.cn")
    code = city["hyd"]["credit_code"]
    refused = _post(client, f"/companies/{code}/status", {"status": "rejected"}, "/companies")
    assert refused.status_code == 302 and local_fen() == 100_000_000  # no reason: nothing done
    _post(client, f"/companies/{code}/status", {"status": "rejected", "reason": "营业执照不清晰"},
          "/companies")
    assert local_fen() == 0
    assert supplier.get("/suppliers/profile").status_code == 302  # its session ended
    login(supplier, "hyd@a.cn")
    assert "营业执照不清晰" in supplier.get("/notifications").get_data(as_text=True)
    assert supplier.get("/suppliers/needs").status_code == 403
    _post(client, f"/companies/{code}/status", {"status": "approved"}, "/companies")
    assert local_fen() == 100_000_000 and supplier.get("/suppliers/needs").status_code == 200


# ------------------------------------------------------------------- 2. contacts

def test_marks_only_on_ranked_or_interested_approved_suppliers(app, client, graph, city,
                                                               make_company):
    stranger = make_company("不相干铸造厂", region="430104")  # approved, never ranked
    anchor = accounts.load_user(graph, "anchor@a.cn")
    need_id = service.save_need(graph, city["model"], anchor.company,
                                {"title": "采购挖掘机液压油缸", "status": "open"})
    login(client, "anchor@a.cn")
    page = f"/needs/{need_id}"
    for victim in (city["new_anchor"], city["new_supplier"], stranger, city["anchor"]):
        response = _post(client, f"/needs/{need_id}/marks/{victim['credit_code']}",
                         {"status": "engaged"}, page)
        assert response.status_code == 404, victim["name"]
    _post(client, f"/needs/{need_id}/marks/{city['hyd']['credit_code']}", {"status": "engaged"},
          page)
    follow_up = need_service.for_need(graph, anchor, need_service.own_need(graph, anchor, need_id))
    assert [s["credit_code"] for s in follow_up["marked"]] == [city["hyd"]["credit_code"]]


# ------------------------------------------------------------------- 3. redirects

OFF_SITE = ["/\t/evil.example/x", "/%09/evil.example/x", "/\n/evil.example", "/%0a/evil.example",
            "/\\evil.example", "/%5Cevil.example", "//evil.example", "/%2F/evil.example",
            "/%2f%2fevil.example", "https://evil.example/", "http:evil.example",
            "javascript:alert(1)", " //evil.example", "\\\\evil.example"]


def test_safe_next_keeps_only_paths_on_this_site():
    for target in OFF_SITE:
        assert safe_next(target, "/home") == "/home", repr(target)
    for target in ("/needs/", "/fairs/F1?tab=agenda", "/needs/%E6%B6%B2"):
        assert safe_next(target, "/home") == target


def test_login_and_fair_redirects_stay_on_site(app, client, city):
    for target in OFF_SITE:
        client.get("/auth/login")
        response = client.post("/auth/login?next=" + target.replace("\t", "%09").replace(
            "\n", "%0a"), data={"email": "anchor@a.cn", "password": "correct-horse-1",
                                "csrf_token": csrf_token(client)})
        assert response.status_code == 302 and response.headers["Location"] == "/", target
        client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})


# ------------------------------------------------------------ 5. 400s, never 500s

def test_out_of_range_years_and_bad_bodies_are_400s(app, client, graph, city):
    login(client, "office@a.cn")
    for path, field in [("/api/v1/rates?year=2019", "year"), ("/api/v1/rates?year=abc", "year"),
                        ("/api/v1/rates?year=2025&years_back=-1", "years_back"),
                        ("/api/v1/rates?year=2025&years_back=x", "years_back"),
                        ("/api/v1/awards?year=1999", "year")]:
        response = client.get(path)
        assert response.status_code == 400 and response.get_json()["field"] == field, path
    assert client.get("/api/v1/rates?year=2025&years_back=10").status_code == 200
    assert client.get("/incentives/?year=2019").status_code == 400
    assert client.get("/chain/?year=2019").status_code == 400
    login(client, "anchor@a.cn")
    assert client.get("/incentives/mine?year=2019").status_code == 400
    for body, field in [({"title": 123}, "title"), ({"title": "x", "spec": ["a"]}, "spec"),
                        ({"title": "x", "certs_required": [{}]}, "certs_required"),
                        ({"title": "x", "annual_volume": [1]}, "annual_volume")]:
        response = client.post("/api/v1/needs", json=body)
        assert response.status_code == 400 and response.get_json()["field"] == field, body
    supplier = app.test_client()
    login(supplier, "hyd@a.cn")
    for cap, field in [({"products": ["x"]}, "products"), ({"products": "x", "id": ["x"]}, "id"),
                       ({"products": "x", "certifications": [{}]}, "certifications"),
                       ({"products": "x", "capacity_per_year": "lots"}, "capacity_per_year")]:
        response = supplier.post("/api/v1/capabilities", json={"capabilities": [cap]})
        assert response.status_code == 400 and response.get_json()["field"] == field, cap
    response = client.post("/api/v1/purchases", json={"rows": [{"amount_yuan": {"x": 1}}]})
    assert response.status_code == 400 and response.get_json()["field"] == "amount_yuan"


def test_login_with_control_characters_in_next_is_not_a_500(client, city):
    client.get("/auth/login")
    response = client.post("/auth/login?next=/%0d%0aSet-Cookie:x=1", data={
        "email": "anchor@a.cn", "password": "correct-horse-1", "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_another_companys_draft_matches_answer_404(app, client, graph, city, make_company):
    make_company("湘江汽车", role="anchor", clusters=["AU"], user="other@a.cn")
    anchor = accounts.load_user(graph, "anchor@a.cn")
    draft = service.save_need(graph, city["model"], anchor.company,
                              {"title": "保密草稿", "status": "draft"})
    login(client, "other@a.cn")
    assert client.get(f"/api/v1/needs/{draft}/matches").status_code == 404
    assert client.get(f"/api/v1/needs/{draft}").status_code == 404


# ------------------------------------------------------------------ 6. sessions

def test_logout_ends_the_session_everywhere_and_login_starts_a_new_one(app, client, city):
    client.get("/auth/login")
    with client.session_transaction() as before:
        anonymous_csrf = before.get("csrf_token")
    assert anonymous_csrf
    login(client, "anchor@a.cn")
    with client.session_transaction() as after:
        assert after.get("csrf_token") != anonymous_csrf
        stolen = dict(after)
    other_device = app.test_client()
    login(other_device, "anchor@a.cn")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
    assert thief.get("/needs/").status_code == 302  # the copied cookie no longer works
    assert other_device.get("/needs/").status_code == 302
    login(client, "anchor@a.cn")
    assert client.get("/needs/").status_code == 200


def test_password_change_ends_sessions(app, client, graph, city):
    login(client, "anchor@a.cn")
    accounts.set_password(graph, "anchor@a.cn", "a-new-long-password")
    assert client.get("/needs/").status_code == 302
    assert login(client, "anchor@a.cn", "a-new-long-password").status_code == 302


# ------------------------------------------------- 7. sign-in and registration

def _register(client, email, code, name="浏阳新材料有限公司"):
    return client.post("/auth/register", data={
        "company_name": name, "credit_code": code, "role": "supplier", "region": "浏阳市",
        "park": "", "address": "", "contact_name": "张三", "contact_phone": "13800000000",
        "email": email, "password": "long-enough-1", "password2": "long-enough-1",
        "csrf_token": csrf_token(client, "/auth/register")})


def test_registration_does_not_tell_which_emails_have_accounts(app, client, graph, city):
    answers = []
    for email, number in (("brand-new@a.cn", 501), ("anchor@a.cn", 502)):
        visitor = app.test_client()
        response = _register(visitor, email, credit_code.make("430181", number), f"公司{number}")
        page = visitor.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"],
                        re.sub(r'value="[^"]+"', "", page)))
    assert answers[0] == answers[1] and "注册申请已提交" in answers[0][2]
    assert graph.read(ledger_store.company_standing,
                      [credit_code.make("430181", 502)]) == {}  # nothing stored
    assert login(client, "anchor@a.cn").status_code == 302  # the real owner is unaffected


def test_unknown_and_known_emails_answer_alike(client, city):
    known = login(client, "anchor@a.cn", "wrong-password")
    unknown = login(client, "nobody@a.cn", "wrong-password")
    assert known.status_code == unknown.status_code == 401

    def page(response, email):  # the CSRF token is signed with the second it was made in
        return re.sub(r'(name="csrf_token"[^>]*?value=")[^"]+', r"\1…",
                      response.get_data(as_text=True).replace(email, "E"))
    assert page(known, "anchor@a.cn") == page(unknown, "nobody@a.cn")


def test_failures_from_one_address_do_not_lock_the_account_elsewhere(app, city):
    attacker = _client_at(app, "203.0.113.9")
    for _ in range(5):
        assert login(attacker, "anchor@a.cn", "wrong-password").status_code == 401
    assert login(attacker, "anchor@a.cn").status_code == 429
    owner = _client_at(app, "198.51.100.7")
    assert login(owner, "anchor@a.cn").status_code == 302


def test_per_address_limits_on_login_registration_and_tokens(app, graph, city):
    app.extensions["limiter"].limits.update(login_ip=Limit(3, 60), register_ip=Limit(2, 60),
                                            token_user=Limit(2, 60))
    client = _client_at(app, "203.0.113.10")
    for email in ("a@x.cn", "b@x.cn", "c@x.cn"):
        assert login(client, email, "wrong-password").status_code == 401
    limited = login(client, "anchor@a.cn")
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 60
    for i in range(2):
        response = _register(client, f"r{i}@x.cn", credit_code.make("430181", 600 + i))
        assert response.status_code == 302
    limited = _register(client, "r9@x.cn", credit_code.make("430181", 609))
    assert limited.status_code == 429 and limited.headers["Retry-After"]
    user = _client_at(app, "198.51.100.8")
    login(user, "anchor@a.cn")
    for i in range(3):
        response = _post(user, "/auth/tokens", {"name": f"ERP{i}", "scopes": ["needs:read"],
                                                "days": "90"}, "/auth/tokens")
        assert response.status_code == (200 if i < 2 else 429), i


@contextmanager
def _app_under_env(data_dir, **config):
    """An app created after the test set its environment (the `app` fixture is made before),
    on its own scratch database, dropped afterwards."""
    from graph import server
    from matchmaker import create_app
    from matchmaker.reference.seeds import seed
    database = f"t{uuid.uuid4().hex[:10]}"
    app = create_app({"DATA_DIR": data_dir, "NEO4J_DATABASE": database, "TESTING": True,
                      **config})
    try:
        seed(app.extensions["graph"])
        yield app
    finally:
        app.extensions["graph"].close()
        server.drop_database(app.extensions["graph"].embedded, database)


def test_proxy_hops_take_the_client_address_from_the_proxy(monkeypatch, data_dir):
    monkeypatch.setenv("MATCHMAKER_PROXY_HOPS", "1")
    with _app_under_env(data_dir, SECRET_KEY="test-secret") as app:
        app.extensions["limiter"].limits.update(login_ip=Limit(1, 60))
        client = app.test_client()
        for address, status in (("203.0.113.1", 401), ("203.0.113.1", 429),
                                ("203.0.113.2", 401)):
            client.get("/auth/login")
            response = client.post("/auth/login", headers={"X-Forwarded-For": address}, data={
                "email": "x@a.cn", "password": "wrong-password", "csrf_token": csrf_token(client)})
            assert response.status_code == status, address


# ---------------------------------------------------------------- 10. production

def test_security_headers_and_script_nonces(app, client, city):
    login(client, "office@a.cn")
    response = client.get("/fairs/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy.split(
        "style-src")[0]
    assert "Strict-Transport-Security" not in response.headers  # development: plain HTTP
    assert "onclick=" not in client.get("/fairs/").get_data(as_text=True)


def test_production_posture(monkeypatch, data_dir):
    from matchmaker import demo
    monkeypatch.setenv("MATCHMAKER_ENV", "production")
    monkeypatch.setenv("MATCHMAKER_SECRET_KEY", "x" * 40)
    with _app_under_env(data_dir) as app:
        assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
        response = app.test_client().get("/auth/login")
        assert "max-age=" in response.headers["Strict-Transport-Security"]
        assert "Secure" in response.headers["Set-Cookie"]
        assert app.test_client().get("/healthz").get_json() == {"status": "ok"}
        with pytest.raises(demo.DemoRefused):
            demo.load(app.extensions["graph"], app.config)


def test_api_tokens_expire(app, client, graph, city):
    secret = api_tokens.issue(graph, "anchor@a.cn", "ERP", ["needs:read"], days=30)
    bearer = {"Authorization": "Bearer " + secret}
    assert client.get("/api/v1/needs", headers=bearer).status_code == 200
    graph.write(lambda tx: tx.run("MATCH (t:ApiToken) SET t.expires_at = 0").consume())
    assert client.get("/api/v1/needs", headers=bearer).status_code == 401
    with pytest.raises(ValidationError):
        api_tokens.issue(graph, "anchor@a.cn", "ERP", ["needs:read"], days=10_000)
    login(client, "anchor@a.cn")
    assert "有效期至" in client.get("/auth/tokens").get_data(as_text=True)


# ------------------------------------------------ 11. conditional updates, announcements

def test_concurrent_award_decisions_let_exactly_one_win(graph):
    graph.write(award_store.create_award, {
        "key": "R1|X|2025|0", "base": "R1|X|2025", "seq": 0, "kind": "award", "rule": "R1",
        "subject": "X", "subject_name": "X", "year": 2025, "amount_fen": 3_000_000,
        "status": "proposed", "reason": "increment", "reason_text": "", "calculation": "",
        "superseded_by": None, "tier_fen": None, "at": 0})
    results, barrier = [], threading.Barrier(6)

    def decide(i):
        barrier.wait()
        results.append(graph.write(award_store.decide, "R1|X|2025|0", ["proposed"],
                                   "approved" if i % 2 else "rejected", f"o{i}", "", i))
    threads = [threading.Thread(target=decide, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    assert graph.read(lambda tx: tx.run(
        "MATCH (a:Award {key: 'R1|X|2025|0'}) RETURN a.version").single()[0]) == 6


def test_reopening_a_need_does_not_notify_again(app, client, graph, city):
    login(client, "anchor@a.cn")
    created = _post(client, "/needs/new", {"title": "采购挖掘机液压油缸", "status": "open",
                                           "description": "缸径160mm"}, "/needs/new")
    need_id = created.headers["Location"].rsplit("/", 1)[-1]
    for status in ("closed", "open", "closed", "open"):
        _post(client, f"/needs/{need_id}/status", {"status": status}, f"/needs/{need_id}")
    supplier = accounts.load_user(graph, "hyd@a.cn")
    from matchmaker import notifications
    told = [n for n in notifications.inbox(graph, supplier) if n["kind"] == "matching_need"]
    assert len(told) == 1


def test_awards_ignore_unapproved_anchors(app, graph, city):
    with app.app_context():
        policy = current_policy()
    report = awards.compute(graph, policy, 2025, "test", store=False)
    assert city["new_anchor"]["credit_code"] not in {r["anchor"] for r in report["anchors"]}
