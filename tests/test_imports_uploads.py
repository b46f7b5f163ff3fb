"""Hostile uploads cost bounded time and memory; previews are private, expire and have a quota;
an import runs with its uploader's rights, and only once however many start it."""
import io
import re
import stat
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from conftest import csrf_token, job_id_of, login, run_import, upload

from graph import imports as job_store
from graph import ledger as ledger_store
from matchmaker import tables
from matchmaker.errors import ValidationError
from matchmaker.imports import jobs as imports
from matchmaker.imports import purchases as ledger
from matchmaker.worker import Worker

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ",".join(ledger.PURCHASE_COLUMNS)


@pytest.fixture
def anchor(client, graph, make_company):
    """Signed in as an anchor's user; its company, another anchor and a supplier."""
    me = make_company("星联重工", role="anchor", clusters=["CM"], user="a@x.cn")
    other = make_company("远大重工", role="anchor", clusters=["CM"])
    supplier = make_company("湘液液压有限公司")
    login(client, "a@x.cn")
    return {"me": me["credit_code"], "other": other["credit_code"],
            "supplier": supplier["credit_code"]}


def _purchases(*rows) -> bytes:
    return "\n".join([HEADER] + [",".join(r) for r in rows]).encode() + b"\n"


def _workbook(rows) -> bytes:
    from openpyxl import Workbook
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _with_sheet(data: bytes, change) -> bytes:
    """The workbook with its sheet's XML passed through `change` (bytes → iterable of bytes)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info.filename)
            with archive.open(info.filename, "w") as part:
                for chunk in (change(body) if info.filename == SHEET else [body]):
                    part.write(chunk)
    return out.getvalue()


def _timed_upload(client, filename, data):
    started = time.monotonic()
    response = upload(client, "purchases", filename, data)
    return response, time.monotonic() - started


# ---------------------------------------------------------------------------- hostile files

def test_declared_sheet_dimension_is_ignored(client, anchor):
    """The sheet claims A1:XFD1048576 and has one cell at its far corner: openpyxl padded every
    row in between to 16,384 columns (hours of work); now the row cap answers at once."""
    data = _with_sheet(_workbook([ledger.PURCHASE_COLUMNS]), lambda xml: [
        re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', xml)
        .replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                  b'<is><t>x</t></is></c></row></sheetData>')])
    assert len(data) < 10_000
    response, seconds = _timed_upload(client, "p.xlsx", data)
    assert response.status_code == 400 and seconds < 10, seconds
    assert f"文件超过{tables.WEB_MAX_ROWS}行" in response.get_data(as_text=True)


def test_csv_with_fifty_thousand_columns_is_refused(client, anchor):
    header = HEADER + "," + ",".join(f"c{i}" for i in range(50_000 - 6))
    data = (header + "\n" + "\n".join(",".join("1" * 6) for _ in range(2_000))).encode()
    response, seconds = _timed_upload(client, "p.csv", data)
    assert response.status_code == 400 and seconds < 10, seconds
    assert "表头有50000列" in response.get_data(as_text=True)


def test_oversize_csv_cells_name_their_row(client, anchor):
    good = (anchor["me"], anchor["supplier"], "F-1", "2025-01-05", "100", "")
    long_cell = _purchases(good, (anchor["me"], anchor["supplier"], "F" * 40_000, "2025-01-05",
                                  "100", ""))
    response = upload(client, "purchases", "p.csv", long_cell)
    assert response.status_code == 400
    assert "第3行「invoice_no」：单元格超过32767个字符" in response.get_data(as_text=True)
    # past the csv module's own 128 KiB limit, which raised a server error
    huge_cell = _purchases(good, (anchor["me"], anchor["supplier"], "F" * 200_000, "", "", ""))
    response = upload(client, "purchases", "p.csv", huge_cell)
    assert response.status_code == 400
    assert "第3行：有单元格超过32767个字符" in response.get_data(as_text=True)


def test_zip_bomb_is_refused_by_its_declared_size(client, anchor):
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1_000

    def inflate(xml):  # without the <dimension> that would tell openpyxl to stop at row 1
        head, tail = re.sub(rb'<dimension ref="[^"]*" ?/>', b"", xml).split(b"</sheetData>")
        yield head
        for _ in range((130 << 20) // len(row)):  # past the 128 MB limit
            yield row
        yield b"</sheetData>" + tail
    data = _with_sheet(_workbook([ledger.PURCHASE_COLUMNS]), inflate)
    assert len(data) < 1 << 20
    response, seconds = _timed_upload(client, "p.xlsx", data)
    assert response.status_code == 400 and seconds < 10, seconds
    assert "Excel 文件解压后超过128MB" in response.get_data(as_text=True)


@pytest.mark.parametrize("change, message", [
    # a few KB holding a million cells in one row: openpyxl built a dict for each (300 MB)
    (lambda xml: [xml.replace(b"</sheetData>", b"<row>" + b"<c/>" * 1_000_000
                              + b"</row></sheetData>")], "一行超过65536个元素"),
    (lambda xml: [xml.replace(b"</worksheet>", b"<x/>" * 1_000_000 + b"</worksheet>")],
     "结构过于庞大"),
    (lambda xml: [xml.replace(b"<worksheet", b'<!DOCTYPE w [<!ENTITY a "a">]><worksheet', 1)],
     "DTD"),
])
def test_xml_that_openpyxl_would_hold_whole_is_refused(change, message):
    data = _with_sheet(_workbook([ledger.PURCHASE_COLUMNS]), change)
    started = time.monotonic()
    with pytest.raises(ValidationError, match=message):
        tables.read(data, "p.xlsx", ledger.PURCHASE_COLUMNS)
    assert time.monotonic() - started < 5


def test_rows_are_cut_to_the_header_and_capped():
    data = b"a,b\n1,2,3,4\n\n5\n"
    rows = tables.read(data, "t.csv", ["a"], max_rows=3, columns=["a", "b"])
    assert [(n, dict(r)) for n, r in rows] == [(2, {"a": "1", "b": "2"}), (4, {"a": "5", "b": ""})]
    with pytest.raises(ValidationError, match="文件超过2行"):
        tables.read(data, "t.csv", ["a"], max_rows=2)
    sheet = _workbook([["a", "b"], [1, 2, "past the header"]])
    assert [dict(r) for _, r in tables.read(sheet, "t.xlsx", ["a"], columns=["a", "b"])] == [{"a": "1", "b": "2"}]


@pytest.mark.slow
def test_twenty_megabyte_csv_reads_in_bounded_memory():
    lines, size, i = [HEADER], 0, 0
    while size < 20 << 20:
        lines.append(f"91430104MA4L00001X,91430104MA4L{i % 997:05d}X,CG-2025-{i:09d}-长沙星联采购部,"
                     f"2025-{i % 12 + 1:02d}-15,{i % 100_000}.{i % 100:02d},液压件")
        size += len(lines[-1].encode()) + 1
        i += 1
    data = "\n".join(lines).encode()
    assert len(data) >= 20 << 20 and i < tables.WEB_MAX_ROWS
    tracemalloc.start()
    try:
        rows = tables.read(data, "p.csv", ledger.PURCHASE_COLUMNS, max_rows=tables.WEB_MAX_ROWS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200 << 20, peak / 2**20
    assert len(rows) == i and rows[-1][0] == i + 1
    assert rows[5][1]["invoice_no"] == "CG-2025-000000005-长沙星联采购部"


# ------------------------------------------------------------------------------- previews

def _uploads(app) -> Path:
    return Path(app.config["DATA_DIR"]) / "uploads"


def test_preview_files_are_private_expire_and_have_a_quota(app, client, graph, anchor,
                                                           monkeypatch):
    data = _purchases((anchor["me"], anchor["supplier"], "F-1", "2025-01-05", "100", ""))
    first = job_id_of(upload(client, "purchases", "p.csv", data))
    path = _uploads(app) / first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert graph.read(job_store.get_job, first)["size"] == len(data)

    graph.write(lambda tx: tx.run("MATCH (j:ImportJob {id: $id}) "
                                  "SET j.created_at = j.created_at - 25 * 3600 * 1000",
                                  id=first).consume())
    second = job_id_of(upload(client, "purchases", "p.csv", data))  # sweeps
    assert graph.read(job_store.get_job, first)["status"] == "expired"
    assert not path.exists() and (_uploads(app) / second).exists()
    refused = client.post(f"/imports/{first}/start",
                          data={"csrf_token": csrf_token(client, "/imports/")})
    assert refused.status_code == 410 and "已过期" in refused.get_data(as_text=True)
    assert client.get(f"/imports/{first}").status_code == 410

    monkeypatch.setattr(imports, "MAX_OPEN_PREVIEWS", 2)
    job_id_of(upload(client, "purchases", "p.csv", data))  # second open preview
    over = upload(client, "purchases", "p.csv", data)
    assert over.status_code == 429 and "请先确认导入" in over.get_data(as_text=True)
    monkeypatch.setattr(imports, "MAX_OPEN_PREVIEWS", 20)
    monkeypatch.setattr(imports, "MAX_PREVIEW_BYTES", 3 * len(data) - 1)
    assert upload(client, "purchases", "p.csv", data).status_code == 429
    assert run_import(client, second)["status"] == "done"  # importing frees a place
    assert upload(client, "purchases", "p.csv", data).status_code == 200


# ---------------------------------------------------------------------------------- start

def test_organizer_starting_an_anchors_import_keeps_the_anchors_limit(app, graph, anchor):
    from matchmaker.auth import accounts
    ledger.import_purchases(graph, tables.read(_purchases(
        (anchor["me"], anchor["supplier"], "F-1", "2025-01-05", "100", "")), "p.csv",
        ledger.PURCHASE_COLUMNS), "seed")
    accounts.create_user(graph, "office@x.cn", "办公室", "organizer", "correct-horse-1")
    mine, theirs = app.test_client(), app.test_client()
    login(mine, "a@x.cn")
    login(theirs, "office@x.cn")
    preview = upload(mine, "purchases", "p.csv", _purchases(
        (anchor["me"], anchor["supplier"], "F-1", "2025-01-05", "150", ""),  # a correction
        (anchor["other"], anchor["supplier"], "F-2", "2025-01-06", "900", "")))
    assert "只能录入本企业的采购记录" in preview.get_data(as_text=True)
    status = run_import(theirs, job_id_of(preview), valid_only=True)
    assert status["report"]["updated"] == 1 and status["report"]["skipped_invalid"] == 1
    assert graph.read(ledger_store.purchases_of, anchor["other"], 2025) == []
    events = graph.read(lambda tx: tx.run("MATCH (e:AuditEvent {action: 'purchase.correct'}) "
                                          "RETURN e.actor AS actor").value())
    assert events == ["a@x.cn"]  # the uploader, not whoever clicked start


def test_six_simultaneous_starts_run_one_import(app, client, graph, anchor):
    """The claim is one conditional update that locks before it reads, so it holds under read
    committed (Neo4j 5) as under ArcadeDB's optimistic transactions."""
    job = job_id_of(upload(client, "purchases", "p.csv", _purchases(
        (anchor["me"], anchor["supplier"], "F-1", "2025-01-05", "100", ""))))
    clients = [app.test_client() for _ in range(6)]
    forms = []
    for c in clients:
        login(c, "a@x.cn")
        forms.append({"csrf_token": csrf_token(c, f"/imports/{job}")})
    barrier, codes = threading.Barrier(6), []

    def start(c, form):
        barrier.wait()
        codes.append(c.post(f"/imports/{job}/start", data=form).status_code)
    threads = [threading.Thread(target=start, args=pair) for pair in zip(clients, forms)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [302] + [409] * 5, codes
    assert Worker(app).run_once() == 1  # one job was queued
    assert graph.read(job_store.get_job, job)["report"]["created"] == 1
