"""The /api/v1 integration API: per-company tokens with scopes, the OpenAPI document, paging,
error objects, and writes through the same services as the web pages."""
import re

import pytest
from conftest import csrf_token, login
from openapi_spec_validator import validate

from matchmaker.api.openapi import spec
from matchmaker.auth import tokens as api_tokens


@pytest.fixture
def firms(app, graph, make_company):
    anchor = make_company("星联重工", role="anchor", clusters=["CM"], user="anchor@a.cn")
    other = make_company("湘江汽车", role="anchor", clusters=["AU"], user="other@a.cn")
    supplier = make_company("湘液液压有限公司", region="430181", user="sup@a.cn")
    pending = make_company("待审核配套厂", status="pending")
    return {"anchor": anchor, "other": other, "supplier": supplier, "pending": pending}


def _token(graph, email, *scopes):
    return {"Authorization": "Bearer " + api_tokens.issue(graph, email, "ERP", list(scopes))}


def test_openapi_document_is_valid_and_names_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    served = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              and rule.endpoint != "api.openapi"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in spec()["paths"].items() for method in ops}
    assert served == documented


def test_token_acts_as_its_user_within_its_scopes(graph, client, firms):
    headers = _token(graph, "anchor@a.cn", "needs:read", "needs:write")
    created = client.post("/api/v1/needs", headers=headers,
                          json={"title": "液压油缸采购", "annual_volume": 500})
    assert created.status_code == 201
    need = created.get_json()
    assert need["company"] == firms["anchor"]["credit_code"] and need["status"] == "open"
    listed = client.get("/api/v1/needs", headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == need["id"]
    # Not granted: matches:read.
    denied = client.get(f"/api/v1/needs/{need['id']}/matches", headers=headers)
    assert denied.status_code == 403 and denied.get_json()["field"] == "scope"
    closed = client.patch(f"/api/v1/needs/{need['id']}", headers=headers,
                          json={"status": "closed"})
    assert closed.get_json()["status"] == "closed"


def test_tokens_are_hashed_revocable_and_never_open_web_pages(graph, client, firms):
    secret = api_tokens.issue(graph, "sup@a.cn", "ERP", ["capabilities:read"])
    stored = graph.read(lambda tx: tx.run("MATCH (t:ApiToken) RETURN t").single()["t"])
    assert secret not in str(dict(stored)) and stored["token_hash"] != secret
    headers = {"Authorization": "Bearer " + secret}
    assert client.get("/api/v1/capabilities", headers=headers).status_code == 200
    web = client.get("/suppliers/profile", headers=headers)
    assert web.status_code == 302 and "/auth/login" in web.headers["Location"]
    assert api_tokens.revoke(graph, "sup@a.cn", secret[:12])
    gone = client.get("/api/v1/capabilities", headers=headers)
    assert gone.status_code == 401 and gone.get_json()["error"] == "Unauthorized"
    assert client.get("/api/v1/capabilities",
                      headers={"Authorization": "Bearer mmk_forged"}).status_code == 401
    # another user cannot revoke it
    other = api_tokens.issue(graph, "sup@a.cn", "ERP2", ["capabilities:read"])
    assert not api_tokens.revoke(graph, "anchor@a.cn", other[:12])


def test_token_page_creates_shows_once_and_revokes(app, client, firms):
    login(client, "anchor@a.cn")
    page = client.post("/auth/tokens", data={"name": "金蝶ERP", "scopes": ["needs:read"],
                                             "csrf_token": csrf_token(client, "/auth/tokens")})
    html = page.get_data(as_text=True)
    secret = re.search(r"(mmk_[\w-]+)", html).group(1)
    assert secret not in client.get("/auth/tokens").get_data(as_text=True)
    bad = client.post("/auth/tokens", data={"name": "", "csrf_token": csrf_token(client, "/auth/tokens")})
    assert bad.status_code == 400
    client.post(f"/auth/tokens/{secret[:12]}/revoke",
                data={"csrf_token": csrf_token(client, "/auth/tokens")})
    fresh = app.test_client()  # no session cookie: the token alone
    assert fresh.get("/api/v1/needs", headers={"Authorization": "Bearer " + secret}
                     ).status_code == 401


def test_directory_pages_and_hides_contacts_from_other_companies(graph, client, firms):
    anchor = _token(graph, "anchor@a.cn", "companies:read")
    first = client.get("/api/v1/companies?per_page=2", headers=anchor).get_json()
    assert first["total"] == 3 and len(first["items"]) == 2  # the pending one is not listed
    second = client.get("/api/v1/companies?per_page=2&page=2", headers=anchor).get_json()
    names = {c["name"] for c in first["items"] + second["items"]}
    assert "待审核配套厂" not in names and len(names) == 3
    others = [c for c in first["items"] + second["items"]
              if c["credit_code"] != firms["anchor"]["credit_code"]]
    assert others and all("contact_phone" not in c for c in others)
    bad = client.get("/api/v1/companies?per_page=1000", headers=anchor)
    assert bad.status_code == 400 and bad.get_json()["field"] == "page"
    hidden = client.get(f"/api/v1/companies/{firms['pending']['credit_code']}", headers=anchor)
    assert hidden.status_code == 404 and hidden.get_json()["error"] == "NotFound"


def test_api_writes_check_ownership_and_name_fields(graph, client, firms):
    anchor = _token(graph, "anchor@a.cn", "needs:write", "needs:read")
    other = _token(graph, "other@a.cn", "needs:write", "needs:read")
    need = client.post("/api/v1/needs", headers=anchor, json={"title": "铸件"}).get_json()
    assert client.patch(f"/api/v1/needs/{need['id']}", headers=other,
                        json={"status": "closed"}).status_code == 404
    bad = client.post("/api/v1/needs", headers=anchor, json={"title": "x", "annual_volume": -5})
    assert bad.status_code == 400 and bad.get_json()["field"] == "annual_volume"
    assert client.post("/api/v1/needs", headers=anchor, data="not json").status_code == 400
    supplier = _token(graph, "sup@a.cn", "capabilities:write", "needs:write")
    assert client.post("/api/v1/needs", headers=supplier, json={"title": "x"}).status_code == 403
    foreign = client.post("/api/v1/capabilities", headers=supplier,
                          json={"capabilities": [{"id": "someone-else", "products": "x"}]})
    assert foreign.status_code == 400 and foreign.get_json()["field"] == "id"
    ok = client.post("/api/v1/capabilities", headers=supplier,
                     json={"capabilities": [{"products": "液压油缸", "certifications": ["ISO9001"]}]})
    assert ok.status_code == 201 and len(ok.get_json()["ids"]) == 1
