"""Rates and awards through the web and the API: who sees what, approval, import errors, export."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from matchmaker import tables
from matchmaker.auth import accounts
from conftest import csrf_token, job_id_of, login, run_import, upload
from ledger_data import CODES, COMPANIES, load_city, purchases_csv


@pytest.fixture
def city(graph, app):
    from matchmaker.extensions import current_policy
    with app.app_context():
        rules = current_policy()
    load_city(graph, rules)
    accounts.create_user(graph, "office@t.cn", "办公室", "organizer", "correct-horse-1")
    accounts.create_user(graph, "a@t.cn", "主机A采购", "anchor", "correct-horse-1", CODES["A"])
    accounts.create_user(graph, "b@t.cn", "主机B采购", "anchor", "correct-horse-1", CODES["B"])
    accounts.create_user(graph, "s@t.cn", "配套", "supplier", "correct-horse-1", CODES["local1"])


def test_organizer_dashboard_compute_approve_export(client, city):
    login(client, "office@t.cn")
    page = client.get("/incentives/?year=2025").get_data(as_text=True)
    assert 'data-chart="cluster-rates"' in page and "工程机械" in page and "主机A" in page and "¥90,000" in page
    assert "src=\"http" not in page and "href=\"http" not in page  # no CDN
    token = csrf_token(client, "/incentives/?year=2025")
    client.post("/incentives/compute", data={"year": 2025, "csrf_token": token})
    page = client.get("/incentives/?year=2025").get_data(as_text=True)
    key = re.search(r'action="/incentives/awards/(R1%7C[^"]+)/decide"', page).group(1)
    answer = client.post(f"/incentives/awards/{key}/decide",
                         data={"decision": "approve", "csrf_token": token},
                         follow_redirects=True).get_data(as_text=True)
    assert "已批准" in answer
    again = client.post(f"/incentives/awards/{key}/decide",
                        data={"decision": "reject", "comment": "x", "csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    assert "不能驳回" in again
    assert "award.approve" in client.get("/incentives/audit").get_data(as_text=True)

    # Each figure downloads as Excel with the numbers it draws (money exact, in yuan).
    page = client.get("/incentives/?year=2025").get_data(as_text=True)
    assert "chart=awards-by-status" in page
    figure = load_workbook(io.BytesIO(client.get(
        "/incentives/?year=2025&chart=awards-by-status").data)).active
    assert ("已批准", 90000) in [tuple(r) for r in figure.iter_rows(min_row=2, values_only=True)]
    rates = load_workbook(io.BytesIO(client.get("/incentives/?year=2025&chart=cluster-rates").data))
    header = next(rates.active.iter_rows(values_only=True))
    assert "目标 40%" in header and "目标 50%" in header

    book = load_workbook(io.BytesIO(client.get("/incentives/export.xlsx?year=2025").data))
    assert book.sheetnames == ["产业集群", "主机企业", "奖励"]
    rows = list(book["奖励"].iter_rows(values_only=True))
    assert any(r[6] == "已批准" for r in rows[1:])


def test_anchor_sees_only_itself(client, city):
    login(client, "a@t.cn")
    page = client.get("/incentives/mine?year=2025").get_data(as_text=True)
    assert "主机A" in page and "¥90,000" in page and 'data-chart="my-rate"' in page
    assert "主机B" not in page and "主机C" not in page
    assert client.get("/incentives/?year=2025").status_code == 403
    api = client.get("/api/v1/rates?year=2025").get_json()
    assert [r["anchor"] for r in api["anchors"]] == [CODES["A"]] and api["clusters"] == []
    assert [r["anchor"] for r in client.get("/api/v1/awards?year=2025").get_json()["anchors"]] \
        == [CODES["A"]]
    # An anchor cannot book purchases for another anchor.
    answer = client.post("/api/v1/purchases", json={"rows": [{
        "anchor_credit_code": CODES["B"], "supplier_credit_code": CODES["local1"],
        "invoice_no": "X1", "date": "2025-02-02", "amount_yuan": "10", "category": ""}]})
    assert answer.status_code == 400
    assert answer.get_json()["details"][0]["column"] == "anchor_credit_code"
    ok = client.post("/api/v1/purchases", json={"rows": [{
        "anchor_credit_code": CODES["A"], "supplier_credit_code": CODES["local1"],
        "invoice_no": "X1", "date": "2025-02-02", "amount_yuan": 10.5, "category": "液压油缸"}]})
    assert ok.status_code == 201 and ok.get_json()["created"] == 1


def test_supplier_sees_no_volumes(client, city):
    login(client, "s@t.cn")
    for path in ("/incentives/", "/incentives/mine", "/api/v1/rates?year=2025",
                 "/api/v1/awards?year=2025", "/imports/"):
        assert client.get(path).status_code == 403, path


def test_anchor_form_and_upload_errors(client, city):
    login(client, "a@t.cn")
    token = csrf_token(client, "/incentives/mine?year=2025")
    page = client.post("/incentives/purchases", data={
        "csrf_token": token, "year": 2025, "supplier_credit_code": CODES["local1"],
        "invoice_no": "F-1", "date": "2025-04-01", "amount_yuan": "12,000.50",
        "category": "HYD-CYL"}, follow_redirects=True).get_data(as_text=True)
    assert "已保存" in page and "F-1" in page and "¥12,000.50" in page
    # A supplier picked by its name; a failed save keeps what was typed and names the field.
    page = client.post("/incentives/purchases", data={
        "csrf_token": token, "year": 2025, "supplier_credit_code": "浏阳配套",
        "invoice_no": "F-2", "date": "2025-04-02", "amount_yuan": "100",
        "category": "HYD-CYL"}, follow_redirects=True).get_data(as_text=True)
    assert "已保存" in page and "F-2" in page
    failed = client.post("/incentives/purchases", data={
        "csrf_token": token, "year": 2025, "supplier_credit_code": CODES["local1"],
        "invoice_no": "F-3", "date": "2025-04-03", "amount_yuan": "abc", "category": ""})
    assert failed.status_code == 400
    text = failed.get_data(as_text=True)
    assert "不是数字" in text and 'value="F-3"' in text and 'value="abc"' in text
    bad = purchases_csv([("A", "local1", "U1", "2025-01-01", "abc")])
    answer = upload(client, "purchases", "p.csv", bad)
    assert answer.status_code == 400
    text = answer.get_data(as_text=True)
    assert "amount_yuan" in text and "不是数字" in text
    assert upload(client, "companies", "c.csv", COMPANIES.encode()).status_code == 403


def test_organizer_imports_xlsx(client, city, graph):
    login(client, "office@t.cn")
    header, *rows = [line.split(",") for line in purchases_csv(
        [("E", "local1", "XL-1", "2025-10-01", "2500000")]).decode().splitlines()]
    data = tables.write_xlsx({"采购": (header, rows)})
    answer = upload(client, "purchases", "p.xlsx", data)
    assert answer.status_code == 200 and "1 行可导入" in answer.get_data(as_text=True)
    assert run_import(client, job_id_of(answer))["report"]["created"] == 1
