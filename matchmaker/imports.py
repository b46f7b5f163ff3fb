"""Bulk imports from CSV/Excel in two steps: a preview (every row validated, errors by row and
column, suspected duplicates flagged, nothing stored), then the import itself in the background
with its progress kept on an ImportJob node, so any worker can answer the progress page.

Re-importing a file creates no duplicates: companies are keyed by credit code, imported
capabilities and needs by an id derived from their content's natural key."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from graph import catalog, reference
from graph import companies as company_store
from graph import imports as store
from graph import ledger as ledger_store
from graph import audit
from graph import users as user_store
from matchmaker import accounts, dedupe, ledger, tables
from matchmaker.columns import normalize
from matchmaker.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError
from matchmaker.ledger import ImportReport, RowErrors
from matchmaker.matching import service as matching
from matchmaker.reference_data import parks

log = logging.getLogger(__name__)

SUPPLIER_COLUMNS = ["credit_code", "name", "registered_region", "park", "address",
                    "contact_name", "contact_phone", "legal_representative", "category",
                    "products", "processes", "materials", "equipment", "certifications",
                    "capacity_per_year"]
SUPPLIER_REQUIRED = ["credit_code", "name", "registered_region", "products"]
NEED_COLUMNS = ["anchor_credit_code", "ref", "title", "category", "description", "spec",
                "annual_volume", "certs_required", "delivery_region", "deadline", "status"]
NEED_REQUIRED = ["anchor_credit_code", "title"]
SUPPLIER_BATCH = 100  # rows embedded and stored per transaction; the progress step
PREVIEW_TTL_S = 24 * 3600  # a preview not imported by then expires and its file is removed
MAX_OPEN_PREVIEWS = 20  # per user, previews neither imported nor expired
MAX_PREVIEW_BYTES = 200 << 20  # per user, the files of those previews together


class PreviewExpired(DomainError):
    status = 410

    def __init__(self):
        super().__init__(f"该预览已超过{PREVIEW_TTL_S // 3600}小时，已过期（文件已删除），请重新上传")


class TooManyPreviews(DomainError):
    status = 429


@dataclass(frozen=True)
class Kind:
    label: str
    required: list[str]
    columns: list[str]
    roles: tuple[str, ...]


KINDS = {
    "suppliers": Kind("配套企业及能力", SUPPLIER_REQUIRED, SUPPLIER_COLUMNS, ("organizer",)),
    "needs": Kind("采购需求", NEED_REQUIRED, NEED_COLUMNS, ("organizer",)),
    "companies": Kind("企业名单", ledger.COMPANY_REQUIRED,
                      ledger.COMPANY_COLUMNS + ledger.PROFILE_COLUMNS,
                      ("organizer",)),
    "purchases": Kind("采购记录", ledger.PURCHASE_REQUIRED, ledger.PURCHASE_COLUMNS,
                      ("anchor", "organizer")),
}


def kinds_for(user) -> list[str]:
    return [k for k, kind in KINDS.items() if user.role in kind.roles or user.role == "admin"]


def _split(text: str) -> list[str]:
    return [t for t in (p.strip() for p in re.split(r"[;；、,，/]", text or "")) if t]


def _stable_id(prefix: str, *parts: str) -> str:
    return prefix + hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


# ------------------------------------------------------------------------------ suppliers

def validate_suppliers(graph, table, policy
                       ) -> tuple[list[dict], list[dict], RowErrors, list, list]:
    """Companies, capabilities, row errors, rows flagged as possible duplicates, and how each
    park text was matched (see ledger.park_cell).

    Several rows may share a credit code (one capability each) if they agree on the name."""
    errors = RowErrors(getattr(table, "labels", None))
    categories = ledger.lookup(graph.read_once(reference.list_categories))
    matcher, park_texts = parks.ParkMatcher(graph.read(reference.list_parks)), {}
    known = dedupe.Index(graph.read(company_store.names_and_addresses))
    in_file = dedupe.Index([])
    companies: dict[str, dict] = {}
    first_row: dict[str, int] = {}
    capabilities, review = [], []
    for number, raw in table:
        before = len(errors.items)
        park_text = raw.get("park", "").strip()
        park = ledger.park_cell(matcher, park_text, park_texts)
        category_text = raw.get("category", "")
        category = ledger.pick(categories, category_text)
        if category_text and not category:
            errors.add(number, "category", f"未知品类“{category_text}”（填写品类代码或名称）")
        try:
            company = accounts.company_row(
                {"credit_code": raw.get("credit_code", ""), "name": raw.get("name", ""),
                 "role": "supplier", "region": raw.get("registered_region", ""), "park": park,
                 **ledger.profile_cells(raw)}, "approved", policy.region)
            capability = matching.capability_row(company["credit_code"], {
                "products": raw.get("products"), "processes": raw.get("processes"),
                "materials": raw.get("materials"), "equipment": raw.get("equipment"),
                "certifications": _split(raw.get("certifications", "")),
                "capacity_per_year": raw.get("capacity_per_year") or None,
                "categories": [category] if category else []}, number)
        except ValidationError as e:
            errors.add(number, {"region": "registered_region"}.get(e.field, e.field), e.message)
            continue
        if len(errors.items) > before:
            continue
        code = company["credit_code"]
        if code in companies:
            if companies[code]["name"] != company["name"]:
                errors.add(number, "name", f"与第{first_row[code]}行信用代码相同但名称不同")
                continue
        else:
            similar = known.similar(company) + in_file.similar(company)
            if similar:
                company["status"] = "pending"  # held for the organizer's duplicate review
                review.append({"row": number, "credit_code": code, "name": company["name"],
                               "similar": [{"credit_code": c["credit_code"], "name": c["name"]}
                                           for c in similar[:3]]})
            in_file.add(company)
            company["park_text"] = park_text if park_text and not park else None
            companies[code], first_row[code] = company, number
        capability["id"] = _stable_id(f"{code}-imp-", category or "", capability["text"])
        capabilities.append(capability)
    return list(companies.values()), capabilities, errors, review, list(park_texts.values())


def import_suppliers(graph, model: str, table, policy, actor: str, valid_only: bool = False,
                     progress=None) -> ImportReport:
    companies, capabilities, errors, review, _ = validate_suppliers(graph, table, policy)
    report = errors.report("配套企业名单", len(table), valid_only)
    by_company: dict[str, list[dict]] = {}
    for cap in capabilities:
        by_company.setdefault(cap["company"], []).append(cap)
    done = 0
    for start in range(0, len(companies), SUPPLIER_BATCH):
        batch = companies[start:start + SUPPLIER_BATCH]
        caps = [cap for c in batch for cap in by_company[c["credit_code"]]]
        embedded = graph.read(catalog.stored_vectors, [c["id"] for c in caps])
        existing = set(graph.read(ledger_store.company_roles, [c["credit_code"] for c in batch]))
        new = [c for c in batch if c["credit_code"] not in existing]

        def work(tx, batch=batch, new=new, existing=existing):
            for row in new:
                company_store.create_company(tx, row)
            # An existing company keeps the status the office gave it (upsert sets it on create only).
            company_store.upsert_companies(tx, [r for r in batch if r["credit_code"] in existing])
            audit.record(tx, [audit.event(actor, "company.import", f"company:{r['credit_code']}",
                                          None, {"name": r["name"], "status": r["status"]})
                              for r in new])
        graph.write(work)
        matching.store_capabilities(graph, model, caps, embedded)
        report.created += len(new)
        report.updated += len(batch) - len(new)
        done += len(caps)
        if progress:
            progress(done, len(capabilities))
    ledger.propose_parks(graph, companies, actor)
    return report


# ---------------------------------------------------------------------------------- needs

def validate_needs(graph, table) -> tuple[list[dict], RowErrors]:
    errors = RowErrors(getattr(table, "labels", None))
    categories = ledger.lookup(graph.read_once(reference.list_categories))
    codes = {number: ledger.code_cell(errors, number, "anchor_credit_code",
                                      raw.get("anchor_credit_code", "")) for number, raw in table}
    roles = graph.read(ledger_store.company_roles, sorted({c for c in codes.values() if c}))
    rows, seen = [], {}
    for number, raw in table:
        anchor = codes.get(number)
        if anchor is None:
            continue
        if roles.get(anchor) != "anchor":
            errors.add(number, "anchor_credit_code",
                       "未登记的主机企业" if anchor not in roles else "该企业不是主机企业")
            continue
        category_text = raw.get("category", "")
        category = ledger.pick(categories, category_text)
        if category_text and not category:
            errors.add(number, "category", f"未知品类“{category_text}”（填写品类代码或名称）")
            continue
        ref = raw.get("ref") or raw.get("title", "")
        need_id = _stable_id("N-imp-", anchor, ref)
        try:
            row = matching.need_row(anchor, {
                "id": need_id, "title": raw.get("title"), "description": raw.get("description"),
                "spec": raw.get("spec"), "category": category,
                "annual_volume": raw.get("annual_volume") or None,
                "certs_required": _split(raw.get("certs_required", "")),
                "delivery_region": raw.get("delivery_region"),
                "deadline": raw.get("deadline") or None,
                "status": (raw.get("status") or "open").lower()})
        except ValidationError as e:
            errors.add(number, e.field or "title", e.message)
            continue
        if need_id in seen:
            errors.add(number, "ref", f"与第{seen[need_id]}行是同一需求（同一主机企业、同一编号或标题）")
            continue
        seen[need_id] = number
        rows.append(row)
    return rows, errors


def import_needs(graph, model: str, table, actor: str, valid_only: bool = False,
                 progress=None) -> ImportReport:
    rows, errors = validate_needs(graph, table)
    report = errors.report("采购需求", len(table), valid_only)
    for start in range(0, len(rows), SUPPLIER_BATCH):
        batch = rows[start:start + SUPPLIER_BATCH]
        existing = set(graph.read(catalog.existing_needs, [r["id"] for r in batch]))
        matching.store_needs(graph, model, batch)
        report.created += len(batch) - len(existing)
        report.updated += len(existing)
        if progress:
            progress(start + len(batch), len(rows))
    return report


# ------------------------------------------------------------------------------------ jobs

def read(graph, kind: str, data: bytes, filename: str, actor: str, sheet: str | None = None,
         max_rows: int = tables.WEB_MAX_ROWS) -> tables.Table:
    """An upload as `kind`'s table: headers in Chinese or English, or as `actor` mapped them."""
    spec = KINDS[kind]
    return tables.read(data, filename, spec.required, max_rows, columns=spec.columns,
                       remembered=graph.read(user_store.column_map, actor), sheet=sheet)


def remember_columns(graph, user, kind: str, mapping: dict[str, str]) -> None:
    """The user's own names for a kind's columns ({their header: column}), kept for next time."""
    columns = KINDS[kind].columns
    chosen = {normalize(header): column for header, column in mapping.items()
              if column in columns and header.strip()}
    if chosen:
        graph.write(user_store.remember_columns, user.email, chosen)


def preview(graph, uploads: Path, user, kind: str, data: bytes, filename: str,
            policy, model: str | None = None, sheet: str | None = None) -> dict:
    """Validate an upload without storing any of it; keep the file for the import step."""
    if kind not in kinds_for(user):
        raise Forbidden("当前账户不能导入此类数据")
    sweep(graph, uploads)
    _check_quota(graph, user, len(data))
    spec = KINDS[kind]
    table = read(graph, kind, data, filename, user.email, sheet)
    review: list = []
    mapped: list = []
    park_texts: list = []
    if kind == "suppliers":
        companies, valid, errors, review, park_texts = validate_suppliers(graph, table, policy)
    elif kind == "needs":
        valid, errors = validate_needs(graph, table)
    elif kind == "companies":
        valid, errors, park_texts = ledger.validate_companies(graph, table, policy)
    else:
        valid, errors, _, mapped = ledger.validate_purchases(
            graph, table, None if user.is_organizer else user.company, model=model)
    job_id = uuid.uuid4().hex
    _save(uploads, job_id, data)
    summary = {"rows": len(table), "valid": len(valid),
               "error_rows": len({e["row"] for e in errors.items}),
               "errors": errors.items[:500], "error_count": len(errors.items),
               "review": review[:500], "review_count": len(review),
               "sample": [{c: raw.get(c, "") for c in spec.columns} for _, raw in table[:10]],
               "columns": spec.columns, "labels": table.labels, "sheet": table.sheet,
               "unrecognized": table.unrecognized, "categories": mapped[:100],
               "parks": [p for p in park_texts if p["how"] != "exact"][:100]}
    graph.write(store.create_job, {"id": job_id, "kind": kind, "actor": user.email,
                                   "company": user.company, "filename": filename[:200],
                                   "size": len(data), "total": len(valid),
                                   "summary": json.dumps(summary, ensure_ascii=False)})
    return get(graph, user, job_id)


def _check_quota(graph, user, size: int) -> None:
    """Open previews hold disk space and their uploader's pending work: a few at a time."""
    count, held = graph.read(store.open_previews, user.email, PREVIEW_TTL_S * 1000)
    if count >= MAX_OPEN_PREVIEWS or held + size > MAX_PREVIEW_BYTES:
        raise TooManyPreviews(
            f"您已有{count}个未导入的预览（共{held / 2**20:.1f}MB），上限为{MAX_OPEN_PREVIEWS}个、"
            f"{MAX_PREVIEW_BYTES >> 20}MB：请先确认导入这些预览，或等其{PREVIEW_TTL_S // 3600}"
            "小时后过期，再上传新文件")


def _save(uploads: Path, job_id: str, data: bytes) -> None:
    """Readable by the service's own user only: an upload holds a company's purchases."""
    uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(uploads / job_id, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def sweep(graph, uploads: Path) -> None:
    """Expire the previews older than PREVIEW_TTL_S and remove their files; then any file
    left twice that old (its job was never stored, or its import died before removing it)."""
    for job_id in graph.write(store.expire_jobs, PREVIEW_TTL_S * 1000):
        (uploads / job_id).unlink(missing_ok=True)
    if not uploads.is_dir():
        return
    cutoff = time.time() - 2 * PREVIEW_TTL_S
    for path in uploads.iterdir():
        with suppress(FileNotFoundError):  # another worker's sweep got there first
            if path.stat().st_mtime < cutoff:
                path.unlink()


def get(graph, user, job_id: str) -> dict:
    job = graph.read(store.get_job, job_id)
    if not job or not (user.is_organizer or job["actor"] == user.email):
        raise NotFound("导入任务不存在")
    return job


def start(graph, uploads: Path, user, job_id: str, valid_only: bool, policy, model: str) -> None:
    """Run a previewed import; refuses a file with errors unless `valid_only`."""
    sweep(graph, uploads)
    job = get(graph, user, job_id)
    if job["status"] == "expired":
        raise PreviewExpired()
    if job["summary"]["error_count"] and not valid_only:
        raise ValidationError("文件有错误行：请修正后重新上传，或选择“只导入正确的行”",
                              field="valid_only")
    if not graph.write(store.claim_job, job_id, PREVIEW_TTL_S * 1000):
        if graph.read(store.get_job, job_id)["status"] in ("previewed", "expired"):
            raise PreviewExpired()  # it passed the age limit since the sweep
        raise Conflict("该导入已开始或已完成")
    threading.Thread(target=_run, args=(graph, uploads, job, valid_only, policy, model),
                     name=f"import-{job_id[:8]}", daemon=True).start()


def _run(graph, uploads: Path, job: dict, valid_only: bool, policy, model: str) -> None:
    # The uploader's rights, whoever clicked start: an organizer starting an anchor's upload
    # must not lift the anchor's limit to its own purchases. Organizers belong to no company.
    actor, only_anchor = job["actor"], job["company"]
    path = uploads / job["id"]
    progress = lambda done, total: graph.write(store.set_progress, job["id"], done)  # noqa: E731
    try:
        table = read(graph, job["kind"], path.read_bytes(), job["filename"], actor,
                     job["summary"].get("sheet"))
        if job["kind"] == "suppliers":
            report = import_suppliers(graph, model, table, policy, actor, valid_only, progress)
        elif job["kind"] == "needs":
            report = import_needs(graph, model, table, actor, valid_only, progress)
        elif job["kind"] == "companies":
            report = ledger.import_companies(graph, table, policy, actor, valid_only, progress)
        else:
            report = ledger.import_purchases(graph, table, actor, only_anchor, valid_only,
                                             progress=progress, model=model)
        result = report.to_dict()
        result["errors"] = result["errors"][:500]
        graph.write(store.finish_job, job["id"], "done", result)
    except DomainError as e:
        graph.write(store.finish_job, job["id"], "failed",
                    {"message": e.message, "errors": e.details[:500]})
    except Exception:  # the job must end visibly, whatever happened
        log.exception("import %s failed", job["id"])
        graph.write(store.finish_job, job["id"], "failed",
                    {"message": "导入中断（已导入的批次保留，重新导入同一文件即可补全）",
                     "errors": []})
    finally:
        path.unlink(missing_ok=True)
