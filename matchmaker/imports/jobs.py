"""Bulk imports from CSV/Excel in two steps: a preview (every row validated, errors by row and
column, suspected duplicates flagged, nothing stored), then the import itself in the background
with its progress kept on an ImportJob node, so any worker can answer the progress page.

Re-importing a file creates no duplicates: companies are keyed by credit code, imported
capabilities and needs by an id derived from their content's natural key."""
from __future__ import annotations

import json
import logging
import os
import time
import uuid
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from neo4j.exceptions import ConstraintError

from graph import imports as import_store
from graph import jobs as job_store
from graph import users as user_store
from matchmaker import jobs, policy as policy_module, tables
from matchmaker.columns import normalize
from matchmaker.errors import Conflict, DomainError, Forbidden, NotFound, ValidationError
from matchmaker.imports import purchases as ledger
from matchmaker.imports.companies import (COMPANY_COLUMNS, COMPANY_REQUIRED, PROFILE_COLUMNS,
                                          import_companies, validate_companies)
from matchmaker.imports.needs import NEED_COLUMNS, NEED_REQUIRED, import_needs, validate_needs
from matchmaker.imports.suppliers import (SUPPLIER_COLUMNS, SUPPLIER_REQUIRED, import_suppliers,
                                          validate_suppliers)
from matchmaker.i18n import _l, plain

log = logging.getLogger(__name__)

PREVIEW_TTL_S = 24 * 3600  # a preview not imported by then expires and its file is removed
MAX_OPEN_PREVIEWS = 20  # per user, previews neither imported nor expired
MAX_PREVIEW_BYTES = 200 << 20  # per user, the files of those previews together


class PreviewExpired(DomainError):
    status = 410

    def __init__(self):
        super().__init__(_l("该预览已超过%(n)s小时，已过期（文件已删除），请重新上传", n=PREVIEW_TTL_S // 3600))


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
    "companies": Kind("企业名单", COMPANY_REQUIRED, COMPANY_COLUMNS + PROFILE_COLUMNS,
                      ("organizer",)),
    "purchases": Kind("采购记录", ledger.PURCHASE_REQUIRED, ledger.PURCHASE_COLUMNS,
                      ("anchor", "organizer")),
}


def kinds_for(user) -> list[str]:
    return [k for k, kind in KINDS.items() if user.role in kind.roles or user.role == "admin"]


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
        raise Forbidden(_l("当前账户不能导入此类数据"))
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
        valid, errors, park_texts = validate_companies(graph, table, policy)
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
    graph.write(import_store.create_job, {"id": job_id, "kind": kind, "actor": user.email,
                                   "company": user.company, "filename": filename[:200],
                                   "size": len(data), "total": len(valid),
                                   "summary": json.dumps(plain(summary), ensure_ascii=False)})
    return get(graph, user, job_id)


def _check_quota(graph, user, size: int) -> None:
    """Open previews hold disk space and their uploader's pending work: a few at a time."""
    count, held = graph.read(import_store.open_previews, user.email, PREVIEW_TTL_S * 1000)
    if count >= MAX_OPEN_PREVIEWS or held + size > MAX_PREVIEW_BYTES:
        raise TooManyPreviews(
            _l("您已有%(count)s个未导入的预览（共%(held)sMB），上限为%(most)s个、%(most_mb)sMB："
               "请先确认导入这些预览，或等其%(hours)s小时后过期，再上传新文件", count=count,
               held=format(held / 2 ** 20, ".1f"), most=MAX_OPEN_PREVIEWS,
               most_mb=MAX_PREVIEW_BYTES >> 20, hours=PREVIEW_TTL_S // 3600))


def _save(uploads: Path, job_id: str, data: bytes) -> None:
    """Readable by the service's own user only: an upload holds a company's purchases."""
    uploads.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(uploads / job_id, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def sweep(graph, uploads: Path) -> None:
    """Expire the previews older than PREVIEW_TTL_S and remove their files; then any file
    left twice that old (its job was never stored, or its import died before removing it)."""
    for job_id in graph.write(import_store.expire_jobs, PREVIEW_TTL_S * 1000):
        (uploads / job_id).unlink(missing_ok=True)
    if not uploads.is_dir():
        return
    cutoff = time.time() - 2 * PREVIEW_TTL_S
    for path in uploads.iterdir():
        with suppress(FileNotFoundError):  # another worker's sweep got there first
            if path.stat().st_mtime < cutoff:
                path.unlink()


def get(graph, user, job_id: str) -> dict:
    job = graph.read(import_store.get_job, job_id)
    if not job or not (user.is_organizer or job["actor"] == user.email):
        raise NotFound(_l("导入任务不存在"))
    return job


def uploads_dir(config) -> Path:
    """Where previewed files wait for their import (shared by the web and worker processes:
    with several machines, a shared folder)."""
    return Path(config["DATA_DIR"]) / "uploads"


def start(graph, uploads: Path, user, job_id: str, valid_only: bool) -> None:
    """Queue a previewed import for the worker; refuses a file with errors unless
    `valid_only`."""
    sweep(graph, uploads)
    job = get(graph, user, job_id)
    if job["status"] == "expired":
        raise PreviewExpired()
    if job["summary"]["error_count"] and not valid_only:
        raise ValidationError(_l("文件有错误行：请修正后重新上传，或选择“只导入正确的行”"),
                              field="valid_only")

    def claim(tx):
        claimed = import_store.claim_job(tx, job_id, PREVIEW_TTL_S * 1000)
        if claimed:
            job_store.enqueue(tx, [jobs.row("import", {"job": job_id, "valid_only": valid_only},
                                            key=f"import|{job_id}", max_attempts=3)])
        return claimed
    try:
        claimed = graph.write(claim)
    except ConstraintError:  # a simultaneous start queued the job first (ArcadeDB says so)
        claimed = False
    if not claimed:
        if graph.read(import_store.get_job, job_id)["status"] in ("previewed", "expired"):
            raise PreviewExpired()  # it passed the age limit since the sweep
        raise Conflict(_l("该导入已开始或已完成"))


def run_job(graph, payload: dict, config: dict) -> None:
    """The worker's handler for an "import" job. An import whose worker died is run again
    from the start (imports are idempotent); one that ended meanwhile is left alone."""
    job = graph.read(import_store.get_job, payload["job"])
    if job and job["status"] == "running":
        _run(graph, uploads_dir(config), job, payload["valid_only"],
             policy_module.load(config["POLICY_FILE"]), config["EMBEDDING_MODEL"])


def _run(graph, uploads: Path, job: dict, valid_only: bool, policy, model: str) -> None:
    # The uploader's rights, whoever clicked start: an organizer starting an anchor's upload
    # must not lift the anchor's limit to its own purchases. Organizers belong to no company.
    actor, only_anchor = job["actor"], job["company"]
    path = uploads / job["id"]

    def progress(done: int, total: int) -> None:  # called by the importers between batches
        graph.write(import_store.set_progress, job["id"], "storing", done, total)
    try:
        graph.write(import_store.set_progress, job["id"], "reading", 0)
        table = read(graph, job["kind"], path.read_bytes(), job["filename"], actor,
                     job["summary"].get("sheet"))
        graph.write(import_store.set_progress, job["id"], "checking", 0)
        if job["kind"] == "suppliers":
            report = import_suppliers(graph, model, table, policy, actor, valid_only, progress)
        elif job["kind"] == "needs":
            report = import_needs(graph, model, table, actor, valid_only, progress)
        elif job["kind"] == "companies":
            report = import_companies(graph, table, policy, actor, valid_only, progress)
        else:
            report = ledger.import_purchases(graph, table, actor, only_anchor, valid_only,
                                             progress=progress, model=model)
        result = report.to_dict()
        result["errors"] = result["errors"][:500]
        graph.write(import_store.finish_job, job["id"], "done", plain(result))
    except DomainError as e:
        graph.write(import_store.finish_job, job["id"], "failed",
                    plain({"message": e.message, "errors": e.details[:500]}))
    except Exception:  # the job must end visibly, whatever happened
        log.exception("import %s failed", job["id"])
        graph.write(import_store.finish_job, job["id"], "failed",
                    plain({"message": _l("导入中断（已导入的批次保留，重新导入同一文件即可补全）"),
                           "errors": []}))
    finally:
        path.unlink(missing_ok=True)
