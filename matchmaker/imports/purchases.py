"""Purchases into the ledger: one row a purchase, keyed by anchor|supplier|invoice, so that
importing a file again counts nothing twice; a changed amount is a correction and a negative one
a credit note, both written to the audit trail. Only approved anchors and suppliers count."""
from __future__ import annotations

import time
from functools import lru_cache

from neo4j.exceptions import ConstraintError

from graph import audit, ledger as ledger_store, reference
from matchmaker.errors import ValidationError
from matchmaker.i18n import Text, _l
from matchmaker.imports import purchase_categories
from matchmaker.imports.rows import BATCH, ImportReport, RowErrors, code_cell, parse_date
from matchmaker.money import parse_amount_fen
from matchmaker.tables import bulk

PURCHASE_COLUMNS = ["anchor_credit_code", "supplier_credit_code", "invoice_no", "date",
                    "amount_yuan", "category"]
PURCHASE_REQUIRED = PURCHASE_COLUMNS[:5]  # the category plays no part in rates or awards


@bulk()
def validate_purchases(graph, table: list[tuple[int, dict]], only_anchor: str | None = None,
                       model: str | None = None
                       ) -> tuple[list[dict], RowErrors, int, list[dict]]:
    """Rows ready to store, the errors, how many rows repeated an earlier row exactly, and how
    each distinct category text was mapped (see purchase_categories; `model` None: no guesses).
    A negative amount is a credit note: it reduces its year."""
    errors = RowErrors(getattr(table, "labels", None))
    scale = getattr(table, "scales", {}).get("amount_yuan", 1)
    texts: dict[str, str] = {}
    codes: dict[str, str] = {}  # valid credit codes as written: a ledger names a few thousand
    parsed: list[tuple[int, dict]] = []
    for number, raw in table:
        before = len(errors.items)
        anchor_text = raw.get("anchor_credit_code", "")
        anchor = codes.get(anchor_text) or code_cell(errors, number, "anchor_credit_code",
                                                     anchor_text)
        supplier_text = raw.get("supplier_credit_code", "")
        supplier = codes.get(supplier_text) or code_cell(errors, number, "supplier_credit_code",
                                                         supplier_text)
        if anchor and supplier and anchor == supplier:
            errors.add(number, "supplier_credit_code", _l("供应商不能是采购企业自己"))
        if only_anchor and anchor and anchor != only_anchor:
            errors.add(number, "anchor_credit_code", _l("只能录入本企业的采购记录"))
        invoice = raw.get("invoice_no", "").strip()
        if not invoice or len(invoice) > 64:
            errors.add(number, "invoice_no", _l("发票/合同号不能为空，且不超过64个字符"))
        try:
            day, year = _day(raw.get("date", ""))
        except ValueError as e:
            errors.add(number, "date", e.args[0])
        try:
            amount = parse_amount_fen(raw.get("amount_yuan", ""), allow_negative=True,
                                      scale=scale)
        except ValueError as e:
            errors.add(number, "amount_yuan", e.args[0])
        category_text = raw.get("category", "").strip()
        category_text = texts.setdefault(category_text, category_text)  # one copy of each
        if len(category_text) > 100:
            errors.add(number, "category", _l("品类不能超过100字"))
        if len(errors.items) == before:
            codes[anchor_text], codes[supplier_text] = anchor, supplier
            parsed.append((number, {
                "key": f"{anchor}|{supplier}|{invoice}", "anchor": anchor, "supplier": supplier,
                "invoice_no": invoice, "date": day, "year": year,
                "amount_fen": amount, "category_text": category_text}))

    standing = graph.read(ledger_store.company_standing,
                          sorted({r[k] for _, r in parsed for k in ("anchor", "supplier")}))
    rows, seen, duplicates = [], {}, 0
    for number, row in parsed:
        problem = (_standing_problem(standing.get(row["anchor"]), "anchor"), "anchor_credit_code")
        if not problem[0]:
            problem = (_standing_problem(standing.get(row["supplier"]), "supplier"),
                       "supplier_credit_code")
        if problem[0]:
            errors.add(number, problem[1], problem[0])
            continue
        if row["key"] in seen:
            first_number, first = seen[row["key"]]
            if _fields(first) != _fields(row):
                errors.add(number, "invoice_no",
                           _l("与第%(first_number)s行是同一发票，但日期、金额或品类不同", first_number=first_number))
            else:
                duplicates += 1
            continue
        seen[row["key"]] = (number, row)
        rows.append(row)
    parts = [c for c in graph.read_once(reference.list_categories) if c["parent"]]
    remembered = graph.read(ledger_store.material_groups, sorted({r["anchor"] for r in rows}))
    mapped = purchase_categories.categorize(model, rows, parts, remembered)
    return rows, errors, duplicates, mapped


@lru_cache(maxsize=100_000)
def _day(text: str) -> tuple[str, int]:
    """parse_date as (ISO date, year), each distinct text parsed once: a ledger of a million
    rows holds a few hundred dates."""
    day = parse_date(text)
    return day.isoformat(), day.year


def _standing_problem(company: dict | None, role: str) -> Text | None:
    """Why a purchase cannot name this company as its anchor or supplier, if it cannot: only
    approved companies of that role count, so an unvetted registration cannot lift itself in
    rankings, rates or park output."""
    if company is None:
        return {"anchor": _l("未登记的主机企业，请先登记企业"),
                "supplier": _l("未登记的配套企业（供应商），请先登记企业")}[role]
    if company["role"] != role:
        return {"anchor": _l("该企业不是主机企业"), "supplier": _l("该企业不是配套企业（供应商）")}[role]
    if company["status"] != "approved":
        return {"anchor": _l("该主机企业尚未通过审核"),
                "supplier": _l("该配套企业（供应商）尚未通过审核")}[role]
    return None


def _fields(row: dict) -> tuple:
    return row["amount_fen"], row["date"], row["category_text"]


def import_purchases(graph, table: list[tuple[int, dict]], actor: str,
                     only_anchor: str | None = None, valid_only: bool = False,
                     source: str = "import", progress=None, model: str | None = None,
                     dry_run: bool = False) -> ImportReport:
    """Validate and store purchases in batches; `dry_run`: validate and count only."""
    rows, errors, duplicates, _ = validate_purchases(graph, table, only_anchor, model)
    report = errors.report(_l("采购记录"), len(table), valid_only, duplicates_in_file=duplicates)
    if dry_run:
        report.created = len(rows)  # at most: rows already stored would count as unchanged
        return report
    if progress:
        progress(0, len(rows))
    linked: set[tuple[str, str]] = set()   # supplier→anchor pairs already linked by this import
    look_up = False  # until a batch meets a stored key, every row is taken to be new
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        try:
            counts, pairs = graph.write(_store_purchases, batch, actor, source, linked, look_up)
        except ConstraintError:  # stored keys (a re-import, or a concurrent import): look up
            look_up = True
            counts, pairs = graph.write(_store_purchases, batch, actor, source, linked, look_up)
        linked.update(pairs)   # once committed
        report.created += counts[0]
        report.updated += counts[1]
        report.unchanged += counts[2]
        if progress:
            progress(min(start + BATCH, len(rows)), len(rows))
    # Its anchors' totals, rebuilt here after a file; after a few rows (a form, the API) the
    # worker's tick does it, not the request. Until then they are read from their purchases.
    if (report.created or report.updated) and len(rows) >= BATCH:
        ledger_store.rebuild_stale_totals(graph, sorted({r["anchor"] for r in rows}))
    return report


def _store_purchases(tx, batch: list[dict], actor: str, source: str,
                     linked: set[tuple[str, str]], look_up: bool
                     ) -> tuple[tuple[int, int, int], list[tuple[str, str]]]:
    """Creates, corrects or leaves each row. Without `look_up` every row is created, and the
    unique key refuses the whole batch if one was stored already: a first import of a ledger
    skips a million key lookups."""
    now = int(time.time())
    existing = ledger_store.existing_purchases(tx, [r["key"] for r in batch]) if look_up else {}
    new, corrections, events = [], [], []
    for row in batch:
        old = existing.get(row["key"])
        if old is None:
            new.append(row)
            if row["amount_fen"] < 0:  # a credit note lowers the year's purchases: on record
                events.append(audit.event(actor, "purchase.credit_note",
                                          f"purchase:{row['key']}", None,
                                          {"amount_fen": row["amount_fen"], "date": row["date"]}))
        elif _fields(old) != _fields(row):
            corrections.append(row)
            events.append(audit.event(
                actor, "purchase.correct", f"purchase:{row['key']}",
                {k: old[k] for k in ("amount_fen", "date", "category_text")},
                {"amount_fen": row["amount_fen"], "date": row["date"],
                 "category_text": row["category_text"]}))
    ledger_store.create_purchases(tx, new, now, source)
    pairs = sorted({(r["anchor"], r["supplier"]) for r in new} - linked)
    ledger_store.link_suppliers(tx, pairs)
    ledger_store.correct_purchases(tx, corrections, now)
    audit.record(tx, events)
    return (len(new), len(corrections), len(batch) - len(new) - len(corrections)), pairs


def map_material_group(graph, anchor: str, text: str, category: str, actor: str) -> int:
    """The office files an anchor's material group (its ERP's category text) under a part of
    the taxonomy, once: its purchases move now, and later imports remember it. Returns how
    many purchases moved."""
    parts = {c["code"] for c in graph.read_once(reference.list_categories) if c["parent"]}
    if category not in parts:
        raise ValidationError(_l("请选择品类目录中的具体品类"), field="category")
    key = purchase_categories.group_key(anchor, text)

    def work(tx):
        moved = ledger_store.map_material_group(tx, key, anchor, text, category)
        audit.record(tx, [audit.event(actor, "purchase.material_group", f"company:{anchor}",
                                      None, {"text": text, "category": category,
                                             "purchases": moved})])
        return moved
    return graph.write(work)
