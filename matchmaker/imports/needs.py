"""Anchors' procurement needs: one row a need, with an id derived from the anchor and the row's
reference (or title), so that importing a file again edits the needs it created."""
from __future__ import annotations

from graph import catalog, reference
from graph import ledger as ledger_store
from matchmaker.errors import ValidationError
from matchmaker.imports.rows import (EMBEDDED_BATCH, ImportReport, RowErrors, code_cell, lookup,
                                     pick, split_list, stable_id)
from matchmaker.matching import service as matching
from matchmaker.i18n import _l

NEED_COLUMNS = ["anchor_credit_code", "ref", "title", "category", "description", "spec",
                "annual_volume", "certs_required", "delivery_region", "deadline", "status"]
NEED_REQUIRED = ["anchor_credit_code", "title"]


def validate_needs(graph, table) -> tuple[list[dict], RowErrors]:
    errors = RowErrors(getattr(table, "labels", None))
    categories = lookup(graph.read_once(reference.list_categories))
    codes = {number: code_cell(errors, number, "anchor_credit_code",
                                      raw.get("anchor_credit_code", "")) for number, raw in table}
    roles = graph.read(ledger_store.company_roles, sorted({c for c in codes.values() if c}))
    rows, seen = [], {}
    for number, raw in table:
        anchor = codes.get(number)
        if anchor is None:
            continue
        if roles.get(anchor) != "anchor":
            errors.add(number, "anchor_credit_code",
                       _l("未登记的主机企业") if anchor not in roles else _l("该企业不是主机企业"))
            continue
        category_text = raw.get("category", "")
        category = pick(categories, category_text)
        if category_text and not category:
            errors.add(number, "category", _l("未知品类“%(category_text)s”（填写品类代码或名称）",
                                           category_text=category_text))
            continue
        ref = raw.get("ref") or raw.get("title", "")
        need_id = stable_id("N-imp-", anchor, ref)
        try:
            row = matching.need_row(anchor, {
                "id": need_id, "title": raw.get("title"), "description": raw.get("description"),
                "spec": raw.get("spec"), "category": category,
                "annual_volume": raw.get("annual_volume") or None,
                "certs_required": split_list(raw.get("certs_required", "")),
                "delivery_region": raw.get("delivery_region"),
                "deadline": raw.get("deadline") or None,
                "status": (raw.get("status") or "open").lower()})
        except ValidationError as e:
            errors.add(number, e.field or "title", e.message)
            continue
        if need_id in seen:
            errors.add(number, "ref", _l("与第%(n)s行是同一需求（同一主机企业、同一编号或标题）", n=seen[need_id]))
            continue
        seen[need_id] = number
        rows.append(row)
    return rows, errors


def import_needs(graph, model: str, table, actor: str, valid_only: bool = False,
                 progress=None) -> ImportReport:
    rows, errors = validate_needs(graph, table)
    report = errors.report(_l("采购需求"), len(table), valid_only)
    for start in range(0, len(rows), EMBEDDED_BATCH):
        batch = rows[start:start + EMBEDDED_BATCH]
        existing = set(graph.read(catalog.existing_needs, [r["id"] for r in batch]))
        matching.store_needs(graph, model, batch)
        report.created += len(batch) - len(existing)
        report.updated += len(existing)
        if progress:
            progress(start + len(batch), len(rows))
    return report
