"""Company lists into the directory: one row a company, keyed by credit code; a park nobody
knows never blocks a row (the office is asked about it)."""
from __future__ import annotations

from graph import audit, reference
from graph import companies as company_store
from graph import ledger as ledger_store
from matchmaker import columns
from matchmaker.auth import accounts
from matchmaker.errors import ValidationError
from matchmaker.imports.rows import BATCH, ImportReport, RowErrors, lookup, pick
from matchmaker.policy import Policy
from matchmaker.reference import parks
from matchmaker.i18n import _l

COMPANY_COLUMNS = ["credit_code", "name", "role", "cluster", "registered_region", "park"]
COMPANY_REQUIRED = ["credit_code", "name", "role", "registered_region"]
# Optional profile columns of company and supplier lists: a file without one keeps what is
# stored. The related-party check of incentives/integrity.py reads them.
PROFILE_COLUMNS = ["legal_representative", "address", "contact_name", "contact_phone"]


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
            errors.add(number, "cluster", _l("未知产业集群“%(cluster)s”", cluster=cluster_text)
                       if cluster_text else _l("主机企业须填写所属产业集群"))
        if role == "supplier" and cluster_text:
            errors.add(number, "cluster", _l("配套企业不填写产业集群"))
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
            errors.add(number, "credit_code", _l("与第%(n)s行重复", n=seen[row['credit_code']]))
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
    report = errors.report(_l("企业名单"), len(table), valid_only)
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
