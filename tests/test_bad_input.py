"""Malformed and hostile input on forms, uploads and the API: a clear 4xx naming the field or
row, nothing half-stored, no server error, nothing executed."""
import io

import pytest
from conftest import csrf_token, login, upload

from graph import catalog
from matchmaker import credit_code
from matchmaker.auth import accounts
from matchmaker.auth import tokens as api_tokens

HOSTILE = ["') MATCH (n) DETACH DELETE n //", "\"}) DETACH DELETE n RETURN 1 //",
           "$where", "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "\u0000", "𠀀" * 50]


@pytest.fixture
def people(graph, make_company):
    anchor = make_company("星联重工", role="anchor", clusters=["CM"], user="anchor@a.cn")
    supplier = make_company("湘液液压有限公司", user="sup@a.cn")
    accounts.create_user(graph, "office@a.cn", "办公室", "organizer", "correct-horse-1")
    return {"anchor": anchor, "supplier": supplier,
            "token": {"Authorization": "Bearer " + api_tokens.issue(
                graph, "anchor@a.cn", "ERP", ["needs:write", "needs:read", "purchases:write",
                                              "companies:read"])}}


def _nodes(graph) -> int:
    """Stored records; rate-limit counters (sign-ins count) are not data."""
    return graph.read(lambda tx: tx.run(
        "MATCH (n) WHERE NOT n:RateCounter RETURN count(n)").single()[0])


def test_api_rejects_wrong_types_and_sizes_by_field(client, graph, people):
    headers, before = people["token"], _nodes(graph)
    for body, field in [({"title": "x" * 101}, "title"), ({"title": "ok", "annual_volume": "abc"},
                        "annual_volume"), ({"title": "ok", "annual_volume": -1}, "annual_volume"),
                        ({"title": "ok", "annual_volume": 10**20}, "annual_volume"),
                        ({"title": "ok", "certs_required": "ISO9001"}, "certs_required"),
                        ({"title": "ok", "deadline": "next week"}, "deadline"),
                        ({"title": "ok", "status": "deleted"}, "status"),
                        ({"title": ""}, "title"), ({"title": "ok", "description": "长" * 2001},
                                                   "description")]:
        response = client.post("/api/v1/needs", headers=headers, json=body)
        assert response.status_code == 400, body
        assert response.get_json()["field"] == field, body
    for raw in (b"[1, 2]", b"{", b"\xff\xfe", b"null"):
        response = client.post("/api/v1/needs", headers=dict(headers, **{
            "Content-Type": "application/json"}), data=raw)
        assert response.status_code == 400 and "message" in response.get_json()
    assert _nodes(graph) == before


def test_purchases_refuse_bad_amounts_and_codes_whole_batch(client, graph, people):
    good = {"anchor_credit_code": people["anchor"]["credit_code"],
            "supplier_credit_code": people["supplier"]["credit_code"], "invoice_no": "F-1",
            "date": "2025-01-05", "amount_yuan": "100.00", "category": ""}
    before = _nodes(graph)
    for bad, column in [({"amount_yuan": "0"}, "amount_yuan"), ({"amount_yuan": "1e30"}, "amount_yuan"),
                        ({"amount_yuan": "NaN"}, "amount_yuan"), ({"amount_yuan": "0.001"}, "amount_yuan"),
                        ({"supplier_credit_code": "91430104MA4L0000X0"}, "supplier_credit_code"),
                        ({"date": "2025-02-30"}, "date"), ({"invoice_no": "x" * 65}, "invoice_no")]:
        response = client.post("/api/v1/purchases", headers=people["token"],
                               json={"rows": [good, {**good, "invoice_no": "F-2", **bad}]})
        assert response.status_code == 400, bad
        details = response.get_json()["details"]
        assert details[0]["row"] == 2 and details[0]["column"] == column, (bad, details)
    assert _nodes(graph) == before  # the good first row was not stored either
    login(client, "anchor@a.cn")
    page = client.post("/incentives/purchases", data=dict(
        good, amount_yuan="0", year="2025",
        csrf_token=csrf_token(client, "/incentives/mine?year=2025")), follow_redirects=True)
    assert "amount_yuan" in page.get_data(as_text=True) and _nodes(graph) == before


def test_hostile_strings_are_data_not_code(app, client, graph, people):
    login(client, "office@a.cn")
    before = _nodes(graph)
    for text in HOSTILE:
        for path in (f"/companies?q={text}", f"/api/v1/companies?q={text}",
                     f"/api/v1/needs?status={text}"):
            assert client.get(path).status_code in (200, 400), path
    assert _nodes(graph) == before
    anchor = people["anchor"]["credit_code"]
    for text in HOSTILE[:5]:
        response = app.test_client().post("/api/v1/needs", headers=people["token"],
                                          json={"title": text})
        assert response.status_code == 201, text
    titles = {n["title"] for n in graph.read(catalog.needs_of, anchor)}
    assert set(HOSTILE[:5]) <= titles  # stored literally
    login(client, "anchor@a.cn")
    html = client.get("/needs/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_registration_and_forms_name_the_bad_field(client, graph):
    before = _nodes(graph)
    code = credit_code.make("430104", 77)
    cases = [({"credit_code": code[:-1] + ("0" if code[-1] != "0" else "1")}, "credit_code"),
             ({"credit_code": "91430104MA4L0000X0'; DROP"}, "credit_code"),
             ({"company_name": "厂" * 101}, "company_name"), ({"email": "not-an-email"}, "email"),
             ({"password": "short", "password2": "short"}, "password"),
             ({"region": "火星"}, "region")]
    for change, field in cases:
        data = {"company_name": "新配套厂", "credit_code": code, "role": "supplier",
                "region": "岳麓区", "park": "", "address": "", "contact_name": "王工",
                "contact_phone": "", "email": "new@a.cn", "password": "long-enough-1",
                "password2": "long-enough-1", **change,
                "csrf_token": csrf_token(client, "/auth/register")}
        response = client.post("/auth/register", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, change
        assert f'id="{field}"' in html and 'class="error"' in html, change
    assert _nodes(graph) == before


def test_uploads_too_large_or_broken(client, graph, people):
    login(client, "office@a.cn")
    big = client.post("/imports/", data={"csrf_token": csrf_token(client, "/imports/"),
                                         "kind": "suppliers",
                                         "file": (io.BytesIO(b"x" * (21 * 1024 * 1024)), "s.csv")},
                      content_type="multipart/form-data")
    assert big.status_code == 413
    for data, name in [(b"", "s.csv"), (b"\x00\x01\x02", "s.xlsx"), ("名称\n".encode("utf-16"), "s.csv")]:
        response = upload(client, "suppliers", name, data)
        assert response.status_code == 400 and 'class="error"' in response.get_data(as_text=True)
