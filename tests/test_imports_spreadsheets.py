"""Office- and ERP-style spreadsheets import as they come: Chinese headers, the dates and amounts
people write, 万元 columns, credit notes, free-text material groups, several sheets, columns the
user maps once; the command line reads the same files as the web."""
import datetime
import io

import pytest
from click.testing import CliRunner
from conftest import csrf_token, job_id_of, login, run_import, upload
from openpyxl import Workbook

from graph import ledger as ledger_store
from matchmaker import columns, tables
from matchmaker import money
from matchmaker.auth import accounts
from matchmaker.cli import import_purchases
from matchmaker.errors import ValidationError
from matchmaker.imports import purchases as ledger
from matchmaker.imports.rows import parse_date

HEADER = ["采购方统一社会信用代码", "供应商纳税人识别号", "发票号码", "开票日期", "金额（元）", "物料组"]


@pytest.fixture
def city(client, graph, make_company):
    accounts.create_user(graph, "office@a.cn", "办公室", "organizer", "correct-horse-1")
    anchor = make_company("星联重工", role="anchor", clusters=["CM"], user="anchor@a.cn")
    local = make_company("湘液液压有限公司", region="430181")
    return {"anchor": anchor["credit_code"], "supplier": local["credit_code"]}


def _rows(city):
    a, s = city["anchor"], city["supplier"]
    return [[a, s, "F-1", datetime.datetime(2025, 3, 15), "60,000,000.00", "液压油缸"],
            [a, s, "F-2", "2025/4/1", "¥40,000,000", "零部件"],
            [a, s, "F-3", "2025年5月20日", "１２３４.５０", "液压油缸"],
            [a, s, "F-4", 45800, "(1,000.00)", ""],     # an Excel serial; a credit note
            [a, s, "F-5", "2025.6.1", "2000", "办公用品"]]


def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _purchases(graph, anchor):
    return graph.read(ledger_store.purchases_of, anchor, 2025)


def test_erp_workbook_with_chinese_headers_imports_as_it_comes(client, graph, city):
    """Second sheet, Chinese headers, four date forms, three amount forms, a credit note, and
    material groups kept as written — mapped to a part only where the model is confident."""
    data = _xlsx({"说明": [["本表由 ERP 导出"], ["单位：元"]],
                  "采购明细": [HEADER] + _rows(city)})
    login(client, "office@a.cn")
    preview = upload(client, "purchases", "erp.xlsx", data)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "工作表：采购明细" in html and "「开票日期」→ date" in html
    assert "→ 液压油缸" in html and "未分类" in html
    assert run_import(client, job_id_of(preview))["status"] == "done"
    stored = {p["invoice_no"]: p for p in _purchases(graph, city["anchor"])}
    assert {k: p["amount_fen"] for k, p in stored.items()} == {
        "F-1": 6_000_000_000, "F-2": 4_000_000_000, "F-3": 123_450, "F-4": -100_000,
        "F-5": 200_000}
    assert stored["F-4"]["date"] == "2025-05-23"  # serial 45800
    assert stored["F-1"]["category"] == "HYD-CYL" and stored["F-2"]["category"] is None
    events = graph.read(lambda tx: tx.run(
        "MATCH (e:AuditEvent {action: 'purchase.credit_note'}) RETURN count(e)").single()[0])
    assert events == 1
    again = upload(client, "purchases", "erp.xlsx", data)
    assert run_import(client, job_id_of(again))["report"]["unchanged"] == 5  # counted once


def test_row_errors_name_the_row_and_the_users_column(client, city):
    a, s = city["anchor"], city["supplier"]
    csv = "\n".join([",".join(HEADER), f"{a},{s},F-1,2025-13-01,100,"]).encode("gb18030")
    login(client, "office@a.cn")
    preview = upload(client, "purchases", "p.csv", csv).get_data(as_text=True)
    assert "<td>开票日期</td><td>无法识别的日期“2025-13-01”</td>" in preview
    with pytest.raises(ValidationError) as e:
        ledger.import_purchases(client.application.extensions["graph"], tables.read(
            csv, "p.csv", ledger.PURCHASE_REQUIRED, columns=ledger.PURCHASE_COLUMNS), "t")
    assert "第2行「开票日期」：无法识别的日期“2025-13-01”" in e.value.message


def test_amounts_in_wan_yuan(graph, city):
    a, s = city["anchor"], city["supplier"]
    csv = f"采购方信用代码,销售方税号,单据号,日期,采购金额（万元）\n{a},{s},W-1,2025-03-01,1.5\n"
    table = tables.read(csv.encode(), "w.csv", ledger.PURCHASE_REQUIRED,
                        columns=ledger.PURCHASE_COLUMNS)
    ledger.import_purchases(graph, table, "t")
    assert _purchases(graph, a)[0]["amount_fen"] == 1_500_000  # ¥15,000


def test_unknown_headers_are_mapped_once_and_remembered(client, graph, city):
    a, s = city["anchor"], city["supplier"]
    csv = ("客户编码,供应商统一社会信用代码,发票号码,开票日期,金额\n"
           f"{a},{s},M-1,2025-03-01,100\n").encode()
    login(client, "office@a.cn")
    refused = upload(client, "purchases", "m.csv", csv)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "「客户编码」" in html and "采购方统一社会信用代码" in html
    mapped = client.post("/imports/", data={
        "csrf_token": csrf_token(client, "/imports/"), "kind": "purchases",
        "header_0": "客户编码", "column_0": "anchor_credit_code",
        "file": (io.BytesIO(csv), "m.csv")}, content_type="multipart/form-data")
    assert mapped.status_code == 200, mapped.get_data(as_text=True)
    assert upload(client, "purchases", "m.csv", csv).status_code == 200  # remembered


def test_chosen_sheet_and_missing_sheet(client, city):
    data = _xlsx({"A": [HEADER] + _rows(city)[:1], "B": [HEADER] + _rows(city)})
    table = tables.read(data, "x.xlsx", ledger.PURCHASE_REQUIRED,
                        columns=ledger.PURCHASE_COLUMNS, sheet="B")
    assert table.sheet == "B" and len(table) == 5
    with pytest.raises(ValidationError) as e:
        tables.read(data, "x.xlsx", ledger.PURCHASE_REQUIRED, columns=ledger.PURCHASE_COLUMNS,
                    sheet="C")
    assert "A、B" in e.value.message


def test_office_maps_a_material_group_once(client, graph, city):
    data = _xlsx({"明细": [HEADER] + _rows(city)})
    login(client, "office@a.cn")
    run_import(client, job_id_of(upload(client, "purchases", "erp.xlsx", data)))
    page = client.get("/imports/material-groups?year=2025").get_data(as_text=True)
    assert "零部件" in page and "办公用品" in page
    client.post("/imports/material-groups", data={
        "csrf_token": csrf_token(client, "/imports/material-groups?year=2025"), "year": "2025",
        "anchor": city["anchor"], "text": "零部件", "category": "MAT-FAST"})
    stored = {p["invoice_no"]: p for p in _purchases(graph, city["anchor"])}
    assert stored["F-2"]["category"] == "MAT-FAST"
    assert "零部件" not in client.get("/imports/material-groups?year=2025").get_data(as_text=True)
    rows, _, _, mapped = ledger.validate_purchases(graph, tables.read(
        _xlsx({"明细": [HEADER] + [[city["anchor"], city["supplier"], "F-9", "2025-07-01", "5",
                                   "零部件"]]}), "n.xlsx", ledger.PURCHASE_REQUIRED,
        columns=ledger.PURCHASE_COLUMNS))
    assert rows[0]["category"] == "MAT-FAST" and mapped[0]["how"] == "office"


def test_cli_reads_the_same_files_with_dry_run(app, graph, city, tmp_path):
    path = tmp_path / "erp.xlsx"
    path.write_bytes(_xlsx({"明细": [HEADER] + _rows(city)}))
    runner = CliRunner()
    with app.app_context():
        dry = runner.invoke(import_purchases, [str(path), "--dry-run"], catch_exceptions=False)
        assert dry.exit_code == 0 and '"dry_run": true' in dry.output
        assert _purchases(graph, city["anchor"]) == []
        bad = tmp_path / "bad.csv"
        bad.write_text(",".join(HEADER) + f"\n{city['anchor']},{city['supplier']},F,2025-13-01,1,\n",
                       encoding="utf-8")
        refused = runner.invoke(import_purchases, [str(bad)])
        assert refused.exit_code == 1 and "第2行「开票日期」：无法识别的日期" in refused.output
        done = runner.invoke(import_purchases, [str(path)], catch_exceptions=False)
        assert done.exit_code == 0 and len(_purchases(graph, city["anchor"])) == 5


def test_header_recognition_units_and_roles():
    found = columns.recognize(["购买方税号", "销售方统一社会信用代码", "发票号", "日期", "金额(万元)",
                               "备注"], ledger.PURCHASE_COLUMNS)
    assert [(c.name, c.scale) for c in found.values()] == [
        ("anchor_credit_code", 1), ("supplier_credit_code", 1), ("invoice_no", 1), ("date", 1),
        ("amount_yuan", 10_000)]
    assert columns.role("主机企业") == "anchor" and columns.role("配套企业") == "supplier"
    assert columns.role("Supplier") == "supplier"
    for text, fen in [("60,000,000.00", 6_000_000_000), ("¥40,000,000", 4_000_000_000),
                      ("１２３", 12_300), ("(5.00)", -500)]:
        assert money.parse_amount_fen(text, allow_negative=True) == fen
    for text in ("2025-03-15", "2025/3/15", "2025.3.15", "2025年3月15日", "20250315", "45731"):
        assert parse_date(text) == datetime.date(2025, 3, 15)


def test_office_company_list_with_full_regions_park_shorthands_and_an_unknown_park(client, graph,
                                                                                  city):
    """As an office receives it: Chinese headers, role words, regions as documents write them,
    parks as people shorten them, and a park the city does not know yet."""
    from graph import companies as company_store
    from graph import reference
    from matchmaker import credit_code
    codes = [credit_code.make("430111", 901), credit_code.make("430112", 902),
             credit_code.make("430181", 903), credit_code.make("430104", 904)]
    rows = [["统一社会信用代码", "企业名称", "企业类型", "产业集群", "注册地址", "所在园区"],
            [codes[0], "雨花精工有限公司", "配套企业", "", "湖南省长沙市雨花区环保中路188号", "雨花经开区"],
            [codes[1], "望城机电有限公司", "配套企业", "", "长沙市望城区", ""],
            [codes[2], "浏阳恒力液压有限公司", "供应商", "", "浏阳市", "浏阳经开区"],
            [codes[3], "麓谷新主机有限公司", "主机企业", "工程机械", "长沙市岳麓区", "某某智造产业园"]]
    login(client, "office@a.cn")
    preview = upload(client, "companies", "名单.xlsx", _xlsx({"企业名单": rows}))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert "→ 雨花经济开发区" in html and "→ 浏阳经济技术开发区" in html
    assert "某某智造产业园" in html and "未知园区" in html
    assert run_import(client, job_id_of(preview))["status"] == "done"
    stored = {c: graph.read(company_store.get_company, c) for c in codes}
    assert [stored[c]["region"] for c in codes] == ["430111", "430112", "430181", "430104"]
    assert stored[codes[0]]["park"] == "YHEDZ" and stored[codes[2]]["park"] == "LYETDZ"
    assert stored[codes[3]]["role"] == "anchor" and stored[codes[3]]["park"] is None
    proposals = graph.read(reference.park_proposals)
    assert [p["text"] for p in proposals] == ["某某智造产业园"]
