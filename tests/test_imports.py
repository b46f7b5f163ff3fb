"""Bulk import of suppliers, needs and purchases: preview with row errors and duplicate review,
background job with its phase and progress, all-or-nothing unless "valid rows only", re-import
creates no duplicates."""
import pytest
from conftest import job_id_of, login, run_import, upload

from graph import catalog
from graph import companies as company_store
from graph import imports as import_store
from matchmaker import credit_code
from matchmaker.auth import accounts
from matchmaker.imports.rows import BATCH

SUPPLIER_HEADER = ("credit_code,name,registered_region,park,address,contact_name,contact_phone,"
                   "category,products,processes,materials,equipment,certifications,"
                   "capacity_per_year")


def _code(n, region="430104"):
    return credit_code.make(region, 500 + n)


def _suppliers_csv(rows) -> bytes:
    return ("\n".join([SUPPLIER_HEADER] + [",".join(r) for r in rows]) + "\n").encode()


@pytest.fixture
def office(client, graph, make_company):
    accounts.create_user(graph, "office@a.cn", "办公室", "organizer", "correct-horse-1")
    make_company("湘液液压有限公司", region="430181")
    anchor = make_company("星联重工", role="anchor", clusters=["CM"])
    login(client, "office@a.cn")
    return {"anchor": anchor}


GOOD = [
    (_code(1), "麓山精密机械有限公司", "岳麓区", "", "岳麓区麓谷大道100号", "张工", "13800000001",
     "", "精密机加工件，数控车铣复合加工", "车铣", "45#钢", "五轴加工中心", "ISO9001;IATF16949", "50000"),
    (_code(1), "麓山精密机械有限公司", "岳麓区", "", "岳麓区麓谷大道100号", "张工", "13800000001",
     "", "液压阀块加工", "深孔钻", "", "", "ISO9001", ""),
    (_code(2), "长沙湘液液压有限公司", "长沙县", "", "", "李工", "", "",
     "液压油缸，缸筒珩磨", "", "", "", "", ""),
]


def test_supplier_import_previews_then_stores_with_capabilities(client, graph, office):
    preview = upload(client, "suppliers", "s.csv", _suppliers_csv(GOOD))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "3 行可导入" in html
    assert "疑似重复企业" in html and "湘液液压有限公司" in html  # flagged, not merged
    assert graph.read(company_store.get_company, _code(1)) is None  # preview stores nothing
    status = run_import(client, job_id_of(preview))
    assert status["status"] == "done" and status["done"] == status["total"] == 3
    assert status["report"]["created"] == 2
    assert len(graph.read(catalog.capabilities_of, _code(1))) == 2
    held = graph.read(company_store.get_company, _code(2))
    assert held["status"] == "pending" and held["local"]
    assert graph.read(company_store.get_company, _code(1))["status"] == "approved"
    # the same file again: nothing new
    again = run_import(client, job_id_of(upload(client, "suppliers", "s.csv",
                                                _suppliers_csv(GOOD))))
    assert again["report"]["created"] == 0 and again["report"]["updated"] == 2
    assert len(graph.read(catalog.capabilities_of, _code(1))) == 2
    # the office reviews the flagged one in the directory
    assert "长沙湘液液压有限公司" in client.get("/companies?status=pending").get_data(as_text=True)


def test_purchase_job_shows_its_phase_and_the_rows_stored_batch_by_batch(
        client, graph, office, make_company, monkeypatch):
    supplier = make_company("麓谷配套有限公司")
    n = 2 * BATCH + 10
    csv = "anchor_credit_code,supplier_credit_code,invoice_no,date,amount_yuan\n" + "".join(
        f"{office['anchor']['credit_code']},{supplier['credit_code']},P{i},2025-03-01,10\n"
        for i in range(n))
    # Started, the job waits for the worker; then its page names the phase and the rows stored.
    waiting = job_id_of(upload(client, "purchases", "p.csv", csv.encode()))
    assert graph.write(import_store.claim_job, waiting, 60_000)
    assert "等待后台处理…" in client.get(f"/imports/{waiting}").get_data(as_text=True)
    graph.write(import_store.set_progress, waiting, "checking", 0)
    page = client.get(f"/imports/{waiting}").get_data(as_text=True)
    assert "正在校验全部行…" in page and f"0 / {n}" in page
    graph.write(import_store.set_progress, waiting, "storing", BATCH, n)
    assert client.get(f"/imports/{waiting}/status").get_json() == {
        "status": "running", "phase": "storing", "done": BATCH, "total": n, "report": None}

    seen = []
    set_progress = import_store.set_progress

    def recorded(tx, job_id, phase, done, total=None):
        seen.append((phase, done, total))
        set_progress(tx, job_id, phase, done, total)
    monkeypatch.setattr(import_store, "set_progress", recorded)
    status = run_import(client, job_id_of(upload(client, "purchases", "p.csv", csv.encode())))
    assert status["status"] == "done" and status["report"]["created"] == n
    assert seen == [("reading", 0, None), ("checking", 0, None), ("storing", 0, n),
                    ("storing", BATCH, n), ("storing", 2 * BATCH, n), ("storing", n, n)]


def test_file_with_errors_stores_nothing_unless_valid_rows_only(client, graph, office):
    rows = GOOD[:1] + [
        ("91430104MA4L0000X0", "坏代码厂", "岳麓区", "", "", "", "", "", "冲压件", "", "", "", "", ""),
        (_code(3), "无能力厂", "岳麓区", "", "", "", "", "", "", "", "", "", "", ""),
        (_code(4), "外星厂", "火星", "", "", "", "", "", "铸件", "", "", "", "", ""),
        (_code(5), "产能厂", "岳麓区", "", "", "", "", "", "铸件", "", "", "", "", "-3"),
    ]
    preview = upload(client, "suppliers", "s.csv", _suppliers_csv(rows))
    assert preview.status_code == 400
    html = preview.get_data(as_text=True)
    for column in ("credit_code", "products", "registered_region", "capacity_per_year"):
        assert f"<td>{column}</td>" in html, column
    job = job_id_of(preview)
    refused = client.post(f"/imports/{job}/start",
                          data={"csrf_token": __import__("conftest").csrf_token(
                              client, f"/imports/{job}")})
    assert refused.status_code == 400
    assert graph.read(company_store.get_company, _code(1)) is None
    status = run_import(client, job, valid_only=True)
    assert status["report"]["created"] == 1 and status["report"]["skipped_invalid"] == 4
    assert graph.read(company_store.get_company, _code(1)) is not None


def test_broken_files_are_named(client, office):
    missing = upload(client, "suppliers", "s.csv", b"credit_code,name\n1,2\n")
    assert missing.status_code == 400 and "缺少列" in missing.get_data(as_text=True)
    gbk = _suppliers_csv(GOOD).decode().encode("gbk")
    assert upload(client, "suppliers", "s.csv", gbk).status_code == 200  # GBK is read too
    junk = upload(client, "needs", "n.xlsx", b"PK\x03\x04 not really a workbook")
    assert junk.status_code == 400 and "无法读取 Excel" in junk.get_data(as_text=True)
    assert upload(client, "needs", "n.pdf", b"%PDF").status_code == 400


def test_needs_import_and_reimport(client, graph, office):
    anchor = office["anchor"]["credit_code"]
    csv = ("anchor_credit_code,ref,title,category,description,annual_volume,certs_required,status\n"
           f"{anchor},R-1,挖掘机液压油缸,,缸径160mm,2000,ISO9001,open\n"
           f"{anchor},R-2,驾驶室钣金件,,冲压焊接,500,,draft\n"
           f"{anchor},R-2,重复编号,,,,,open\n"
           f"{_code(1)},R-3,未知企业的需求,,,,,open\n").encode()
    preview = upload(client, "needs", "n.csv", csv)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 400 and "同一需求" in html and "未登记的主机企业" in html
    status = run_import(client, job_id_of(preview), valid_only=True)
    assert status["report"]["created"] == 2
    needs = {n["title"]: n for n in graph.read(catalog.needs_of, anchor)}
    assert needs["驾驶室钣金件"]["status"] == "draft"
    assert needs["挖掘机液压油缸"]["certs_required"] == ["ISO9001"]
    again = run_import(client, job_id_of(upload(client, "needs", "n.csv", csv)), valid_only=True)
    assert again["report"]["created"] == 0 and again["report"]["updated"] == 2
    assert len(graph.read(catalog.needs_of, anchor)) == 2


def test_suppliers_and_anchors_cannot_import_directory_data(app, graph, make_company):
    make_company("配套厂", user="s@a.cn")
    make_company("主机厂", role="anchor", clusters=["CM"], user="a@a.cn")
    supplier, anchor = app.test_client(), app.test_client()
    login(supplier, "s@a.cn")
    login(anchor, "a@a.cn")
    assert supplier.get("/imports/").status_code == 403
    assert upload(anchor, "suppliers", "s.csv", _suppliers_csv(GOOD)).status_code == 403


def test_directory_filters_pages_flags_and_exports_without_formulas(client, graph, office):
    evil = [(_code(7), "=cmd|' /C calc'!A0", "岳麓区", "", "+SUM(1)", "", "", "",
             "冲压件", "", "", "", "", "")]
    run_import(client, job_id_of(upload(client, "suppliers", "s.csv",
                                        _suppliers_csv(GOOD + evil))))
    page = client.get("/companies?status=pending").get_data(as_text=True)
    assert "疑似重复：湘液液压有限公司" in page
    county = client.get("/companies?region=430121").get_data(as_text=True)  # 长沙县
    assert "长沙湘液液压有限公司" in county and "麓山精密机械有限公司" not in county
    from openpyxl import load_workbook
    import io
    book = load_workbook(io.BytesIO(client.get("/companies/export.xlsx").data))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'+SUM(1)" in cells
    assert not any(isinstance(v, str) and v.startswith("=") for v in cells)
    csv_text = client.get("/companies/export.csv").data.decode("utf-8-sig")
    assert "'=cmd|" in csv_text and "麓山精密机械有限公司" in csv_text
    header = next(book.active.iter_rows(values_only=True))   # columns and values in words
    assert header[:3] == ("统一社会信用代码", "企业名称", "企业类型") and "配套企业" in cells


def test_directory_pages_through_many_companies(client, make_company, office):
    for i in range(55):
        make_company(f"批量配套企业{i:02d}")
    first = client.get("/companies").get_data(as_text=True)
    assert "下一页" in first and "page=2" in first
    second = client.get("/companies?page=2").get_data(as_text=True)
    assert "上一页" in second and "批量配套企业54" in second
