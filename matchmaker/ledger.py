"""Purchase ledger and company imports, and the local supporting rates computed from them.

Imports validate every row first (row and column named in each error) and store nothing when a
row is wrong, unless the caller asks for the valid rows only. Writes then go in batches that are
idempotent by key, so an interrupted import is completed by running it again.
"""
from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from neo4j.exceptions import ConstraintError

from graph import audit, ledger as ledger_store, reference
from graph import companies as company_store
from matchmaker import accounts, columns, credit_code, purchase_categories, rewards
from matchmaker.errors import ValidationError
from matchmaker.policy import Policy
from matchmaker.reference_data import parks

PURCHASE_COLUMNS = ["anchor_credit_code", "supplier_credit_code", "invoice_no", "date",
                    "amount_yuan", "category"]
PURCHASE_REQUIRED = PURCHASE_COLUMNS[:5]  # the category plays no part in rates or awards
COMPANY_COLUMNS = ["credit_code", "name", "role", "cluster", "registered_region", "park"]
COMPANY_REQUIRED = ["credit_code", "name", "role", "registered_region"]
# Optional profile columns of company lists: a file without one keeps what is stored. The
# related-party check of incentives/integrity.py reads them.
PROFILE_COLUMNS = ["legal_representative", "address", "contact_name", "contact_phone"]
BATCH = 2000
MAX_AMOUNT_FEN = 10**15  # ¥10 trillion: anything above is a typo, not a purchase


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates_in_file: int = 0
    skipped_invalid: int = 0
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class RowErrors:
    """Errors by row and column; a column is named as the user's file names it (`labels`)."""

    def __init__(self, labels: dict[str, str] | None = None):
        self.items: list[dict] = []
        self.labels = labels or {}

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append({"row": row, "column": self.labels.get(column, column),
                           "message": message})

    def report(self, what: str, rows: int, valid_only: bool, **counts) -> ImportReport:
        """The report an import starts from. Any error refuses the whole file (naming the
        first), unless the caller asked for the valid rows only."""
        if self.items and not valid_only:
            first = self.items[0]
            raise ValidationError(
                f"{what}有{len(self.items)}处错误，未导入任何数据。第一处：第{first['row']}行"
                f"「{first['column']}」：{first['message']}", field="file", details=self.items)
        return ImportReport(rows=rows, skipped_invalid=len({e["row"] for e in self.items}),
                            errors=self.items, **counts)


def parse_amount_fen(text: str, allow_zero: bool = False, allow_negative: bool = False,
                     scale: int = 1) -> int:
    """'1,234.5' yuan → 123450 fen; also '¥40,000,000', full-width digits, '(1,000.00)' (an
    accounting negative), and `scale` 10,000 for a column in 万元. Exact: Decimal, never float.
    Raises ValueError with a message for the user."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    negative = raw.startswith("(") and raw.endswith(")")
    cleaned = re.sub(r"[,\s¥$]|rmb|cny|元", "", raw.strip("()"), flags=re.IGNORECASE)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"金额“{text}”不是数字") from None
    if not value.is_finite():
        raise ValueError(f"金额“{text}”不是数字")
    if abs(value) * scale * 100 > MAX_AMOUNT_FEN:  # before quantize, which fails on huge exponents
        raise ValueError("金额超出合理范围")
    value = -value * scale if negative else value * scale
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("金额最多保留两位小数（元）")
    fen = int(value * 100)
    if (fen < 0 and not allow_negative) or (fen == 0 and not allow_zero):
        raise ValueError("金额必须大于0")
    return fen


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?")
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel counts a 29 Feb 1900)


def parse_date(text: str) -> date:
    """'2025-03-15', '2025/3/15', '2025.3.15', '2025年3月15日', '20250315', a date-time's date,
    or an Excel serial (45731). Raises ValueError with a message for the user."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    try:
        if raw.isdigit() and len(raw) == 8:
            value = date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        elif raw.isdigit() and len(raw) == 5:
            value = EXCEL_EPOCH + timedelta(days=int(raw))
        elif found := _DATE.fullmatch(raw):
            value = date(*map(int, found.groups()))
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"无法识别的日期“{text}”") from None
    if not 1990 <= value.year <= 2100:
        raise ValueError(f"日期“{text}”超出合理范围")
    return value


def code_cell(errors: RowErrors, number: int, column: str, text: str) -> str | None:
    try:
        return credit_code.normalize(text)
    except credit_code.InvalidCreditCode as e:
        errors.add(number, column, f"统一社会信用代码{e}")
        return None


def pick(options: dict[str, str], text: str) -> str | None:
    """The code a user's cell names in a `lookup` table (exact, else case-insensitive)."""
    return options.get(text) or options.get(text.lower())


def lookup(rows: list[dict]) -> dict[str, str]:
    """code or (Chinese) name → code, for reference lists."""
    out = {}
    for row in rows:
        out[row["code"].lower()] = row["code"]
        out[row["name"]] = row["code"]
    return out


def validate_purchases(graph, table: list[tuple[int, dict]], only_anchor: str | None = None,
                       source: str = "import", model: str | None = None
                       ) -> tuple[list[dict], RowErrors, int, list[dict]]:
    """Rows ready to store, the errors, how many rows repeated an earlier row exactly, and how
    each distinct category text was mapped (see purchase_categories; `model` None: no guesses).
    A negative amount is a credit note: it reduces its year."""
    errors = RowErrors(getattr(table, "labels", None))
    scale = getattr(table, "scales", {}).get("amount_yuan", 1)
    parsed: list[tuple[int, dict]] = []
    for number, raw in table:
        before = len(errors.items)
        anchor = code_cell(errors, number, "anchor_credit_code", raw.get("anchor_credit_code", ""))
        supplier = code_cell(errors, number, "supplier_credit_code",
                             raw.get("supplier_credit_code", ""))
        if anchor and supplier and anchor == supplier:
            errors.add(number, "supplier_credit_code", "供应商不能是采购企业自己")
        if only_anchor and anchor and anchor != only_anchor:
            errors.add(number, "anchor_credit_code", "只能录入本企业的采购记录")
        invoice = raw.get("invoice_no", "").strip()
        if not invoice or len(invoice) > 64:
            errors.add(number, "invoice_no", "发票/合同号不能为空，且不超过64个字符")
        try:
            day = parse_date(raw.get("date", ""))
        except ValueError as e:
            errors.add(number, "date", str(e))
        try:
            amount = parse_amount_fen(raw.get("amount_yuan", ""), allow_negative=True,
                                      scale=scale)
        except ValueError as e:
            errors.add(number, "amount_yuan", str(e))
        category_text = raw.get("category", "").strip()
        if len(category_text) > 100:
            errors.add(number, "category", "品类不能超过100字")
        if len(errors.items) == before:
            parsed.append((number, {
                "key": f"{anchor}|{supplier}|{invoice}", "anchor": anchor, "supplier": supplier,
                "invoice_no": invoice, "date": day.isoformat(), "year": day.year,
                "amount_fen": amount, "category_text": category_text, "source": source}))

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
                           f"与第{first_number}行是同一发票，但日期、金额或品类不同")
            else:
                duplicates += 1
            continue
        seen[row["key"]] = (number, row)
        rows.append(row)
    parts = [c for c in graph.read_once(reference.list_categories) if c["parent"]]
    remembered = graph.read(ledger_store.material_groups, sorted({r["anchor"] for r in rows}))
    mapped = purchase_categories.categorize(model, rows, parts, remembered)
    return rows, errors, duplicates, mapped


def _standing_problem(company: dict | None, role: str) -> str | None:
    """Why a purchase cannot name this company as its anchor or supplier, if it cannot: only
    approved companies of that role count, so an unvetted registration cannot lift itself in
    rankings, rates or park output."""
    what = {"anchor": "主机企业", "supplier": "配套企业（供应商）"}[role]
    if company is None:
        return f"未登记的{what}，请先登记企业"
    if company["role"] != role:
        return f"该企业不是{what}"
    if company["status"] != "approved":
        return f"该{what}尚未通过审核"
    return None


def _fields(row: dict) -> tuple:
    return row["amount_fen"], row["date"], row["category_text"]


def import_purchases(graph, table: list[tuple[int, dict]], actor: str,
                     only_anchor: str | None = None, valid_only: bool = False,
                     source: str = "import", progress=None, model: str | None = None,
                     dry_run: bool = False) -> ImportReport:
    """Validate and store purchases in batches; `dry_run`: validate and count only."""
    rows, errors, duplicates, _ = validate_purchases(graph, table, only_anchor, source, model)
    report = errors.report("采购记录", len(table), valid_only, duplicates_in_file=duplicates)
    if dry_run:
        report.created = len(rows)  # at most: rows already stored would count as unchanged
        return report
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        try:
            counts = graph.write(_store_purchases, batch, actor)
        except ConstraintError:  # a concurrent import created some keys: look them up again
            counts = graph.write(_store_purchases, batch, actor)
        report.created += counts[0]
        report.updated += counts[1]
        report.unchanged += counts[2]
        if progress:
            progress(min(start + BATCH, len(rows)), len(rows))
    return report


def _store_purchases(tx, batch: list[dict], actor: str) -> tuple[int, int, int]:
    now = int(time.time())
    existing = ledger_store.existing_purchases(tx, [r["key"] for r in batch])
    new, corrections, events = [], [], []
    for row in batch:
        old = existing.get(row["key"])
        if old is None:
            new.append({**row, "at": now})
            if row["amount_fen"] < 0:  # a credit note lowers the year's purchases: on record
                events.append(audit.event(actor, "purchase.credit_note",
                                          f"purchase:{row['key']}", None,
                                          {"amount_fen": row["amount_fen"], "date": row["date"]}))
        elif (old["amount_fen"], old["date"], old["category_text"]) != _fields(row):
            corrections.append({**row, "at": now})
            events.append(audit.event(
                actor, "purchase.correct", f"purchase:{row['key']}",
                {k: old[k] for k in ("amount_fen", "date", "category_text")},
                {"amount_fen": row["amount_fen"], "date": row["date"],
                 "category_text": row["category_text"]}))
    ledger_store.create_purchases(tx, new)
    ledger_store.correct_purchases(tx, corrections)
    audit.record(tx, events)
    return len(new), len(corrections), len(batch) - len(new) - len(corrections)


def map_material_group(graph, anchor: str, text: str, category: str, actor: str) -> int:
    """The office files an anchor's material group (its ERP's category text) under a part of
    the taxonomy, once: its purchases move now, and later imports remember it. Returns how
    many purchases moved."""
    parts = {c["code"] for c in graph.read_once(reference.list_categories) if c["parent"]}
    if category not in parts:
        raise ValidationError("请选择品类目录中的具体品类", field="category")
    key = purchase_categories.group_key(anchor, text)

    def work(tx):
        moved = ledger_store.map_material_group(tx, key, anchor, text, category)
        audit.record(tx, [audit.event(actor, "purchase.material_group", f"company:{anchor}",
                                      None, {"text": text, "category": category,
                                             "purchases": moved})])
        return moved
    return graph.write(work)


# ----------------------------------------------------------------------------- companies

def park_cell(matcher: parks.ParkMatcher, text: str, found: dict) -> str | None:
    """The park a cell names, or None; every distinct text is noted in `found` for the preview:
    {text: {park, name, how}} where how is exact | alias | fuzzy | proposed (no park answers to
    it: the row imports without a park and the office is asked to confirm or map it)."""
    text = text.strip()
    if not text:
        return None
    match = matcher.match(text)
    found.setdefault(text, {"text": text, "park": match.code if match else None,
                            "name": match.name if match else None,
                            "how": match.how if match else "proposed"})
    return match.code if match else None


def profile_cells(raw) -> dict:
    """The optional profile columns (PROFILE_COLUMNS) that the file has."""
    return {k: raw[k] for k in PROFILE_COLUMNS if k in raw}


def propose_parks(graph, rows: list[dict], actor: str) -> None:
    """Ask the office about the park names no park answered to."""
    for row in rows:
        if row.get("park_text"):
            parks.propose_park(graph, row["park_text"], row["region"], actor, row["credit_code"])


def validate_companies(graph, table: list[tuple[int, dict]], policy: Policy
                       ) -> tuple[list[dict], RowErrors, list[dict]]:
    """Rows ready to store, the errors, and how each park text was matched."""
    errors = RowErrors(getattr(table, "labels", None))
    clusters = lookup(graph.read_once(reference.list_clusters))
    matcher, park_texts = parks.ParkMatcher(graph.read(reference.list_parks)), {}
    rows, seen = [], {}
    for number, raw in table:
        role = columns.role(raw.get("role", ""))
        cluster_text = raw.get("cluster", "").strip()
        cluster = pick(clusters, cluster_text)
        park_text = raw.get("park", "").strip()
        park = park_cell(matcher, park_text, park_texts)
        before = len(errors.items)
        if role == "anchor" and not cluster:
            errors.add(number, "cluster", f"未知产业集群“{cluster_text}”" if cluster_text
                       else "主机企业须填写所属产业集群")
        if role == "supplier" and cluster_text:
            errors.add(number, "cluster", "配套企业不填写产业集群")
        try:
            row = accounts.company_row(
                {"credit_code": raw.get("credit_code", ""), "name": raw.get("name", ""),
                 "role": role, "region": raw.get("registered_region", ""), "park": park,
                 "clusters": [cluster] if cluster else [], **profile_cells(raw)},
                "approved", policy.region)
        except ValidationError as e:
            column = {"region": "registered_region"}.get(e.field, e.field)
            errors.add(number, column, e.message)
            continue
        if len(errors.items) > before:
            continue
        if row["credit_code"] in seen:
            errors.add(number, "credit_code", f"与第{seen[row['credit_code']]}行重复")
            continue
        seen[row["credit_code"]] = number
        row["park_text"] = park_text if park_text and not park else None
        rows.append(row)
    return rows, errors, list(park_texts.values())


def import_companies(graph, table: list[tuple[int, dict]], policy: Policy, actor: str,
                     valid_only: bool = False, progress=None,
                     dry_run: bool = False) -> ImportReport:
    """Validate and store companies in batches; `dry_run`: validate and count only."""
    rows, errors, _ = validate_companies(graph, table, policy)
    report = errors.report("企业名单", len(table), valid_only)
    if dry_run:
        report.created = len(rows)  # at most: known companies would count as updated
        return report
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]

        def work(tx, batch=batch):
            known = set(ledger_store.company_roles(tx, [r["credit_code"] for r in batch]))
            company_store.upsert_companies(tx, batch)
            audit.record(tx, [audit.event(actor, "company.import", f"company:{r['credit_code']}",
                                          None, {"name": r["name"], "role": r["role"]})
                              for r in batch if r["credit_code"] not in known])
            return len(known)
        known = graph.write(work)
        report.created += len(batch) - known
        report.updated += known
        if progress:
            progress(min(start + BATCH, len(rows)), len(rows))
    propose_parks(graph, rows, actor)
    return report


# --------------------------------------------------------------------------------- rates

def yearly_figures(graph, policy: Policy, years: list[int],
                   anchor: str | None = None) -> list[dict]:
    """Every anchor (only `anchor` when given) with its clusters and
    {year: {local_fen, total_fen, rows}}."""
    def work(tx):
        return (ledger_store.anchors(tx, anchor),
                ledger_store.anchor_year_totals(tx, years, policy.region, anchor))
    anchors, totals = graph.read(work)
    empty = {"local_fen": 0, "total_fen": 0, "rows": 0}
    return [{**a, "years": {y: totals.get((a["anchor"], y), empty) for y in years}}
            for a in anchors]


def increment_figures(graph, policy: Policy, year: int,
                      anchor: str | None = None) -> list[dict]:
    """Per anchor (only `anchor` when given), what R1 needs for `year`: local and total
    purchases, whether any purchase was recorded, and the prior year's local purchases — from
    the ledger when it has rows for that year, else the figure an organizer confirmed, else
    None (not computable)."""
    figures = yearly_figures(graph, policy, [year - 1, year], anchor)
    confirmed = graph.read(ledger_store.baselines, year - 1)
    out = []
    for f in figures:
        prev, current = f["years"][year - 1], f["years"][year]
        source = "ledger" if prev["rows"] else ("confirmed" if f["anchor"] in confirmed
                                                else None)
        out.append({"anchor": f["anchor"], "name": f["name"], "clusters": f["clusters"],
                    "local_fen": current["local_fen"], "total_fen": current["total_fen"],
                    "has_data": current["rows"] > 0, "prev_source": source,
                    "prev_local_fen": prev["local_fen"] if source == "ledger"
                    else confirmed.get(f["anchor"])})
    return out


def rates(graph, policy: Policy, year: int, years_back: int = 0,
          anchor: str | None = None) -> dict:
    """Rates per anchor and per cluster for `year` (and the trend over the `years_back` earlier
    years that the policy covers), against the policy's targets. `anchor` limits the anchors to
    one company."""
    period = policy.for_year(year)
    years = list(range(max(year - years_back, policy.first_year), year + 1))
    figures = yearly_figures(graph, policy, years, anchor)
    sums: dict[str, dict[int, list[int]]] = {}
    anchors = []
    for f in figures:
        trend = {y: rewards.rate_row(f["years"][y]["local_fen"], f["years"][y]["total_fen"],
                                     policy.for_year(y)) for y in years}
        for code in f["clusters"]:
            for y in years:
                pair = sums.setdefault(code, {}).setdefault(y, [0, 0])
                pair[0] += f["years"][y]["local_fen"]
                pair[1] += f["years"][y]["total_fen"]
        anchors.append({"anchor": f["anchor"], "name": f["name"], "clusters": f["clusters"],
                        **trend[year], "trend": trend})
    cluster_rows = []
    if anchor is None:  # one anchor's figures say nothing about its clusters
        clusters = {c["code"]: c for c in graph.read_once(reference.list_clusters)}
        cluster_rows = [{"cluster": code, "name": clusters.get(code, {}).get("name", code),
                         **rewards.rate_row(*sums[code][year], period),
                         "trend": {y: rewards.rate_row(*sums[code][y], policy.for_year(y))
                                   for y in years}}
                        for code in sorted(sums)]
    return {"year": year, "region": policy.region, "region_name": policy.region_name,
            "targets_pct": [period.rate_target_phase1_pct, period.rate_target_phase2_pct],
            "anchors": anchors, "clusters": cluster_rows}
