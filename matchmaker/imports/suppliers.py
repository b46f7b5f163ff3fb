"""Suppliers with their capabilities: one row a capability, several rows of a company sharing its
credit code. A new credit code whose name and address look like a known company's is imported as
pending, beside its look-alike in the directory; capabilities keep an id derived from their
content, and unchanged ones are not embedded again."""
from __future__ import annotations

from graph import audit, catalog, reference
from graph import companies as company_store
from graph import ledger as ledger_store
from matchmaker.auth import accounts
from matchmaker.companies import dedupe
from matchmaker.errors import ValidationError
from matchmaker.imports.companies import park_cell, profile_cells, propose_parks
from matchmaker.imports.rows import (EMBEDDED_BATCH, ImportReport, RowErrors, lookup, pick,
                                     split_list, stable_id)
from matchmaker.matching import service as matching
from matchmaker.reference import parks
from matchmaker.i18n import _l

SUPPLIER_COLUMNS = ["credit_code", "name", "registered_region", "park", "address",
                    "contact_name", "contact_phone", "legal_representative", "category",
                    "products", "processes", "materials", "equipment", "certifications",
                    "capacity_per_year"]
SUPPLIER_REQUIRED = ["credit_code", "name", "registered_region", "products"]


def validate_suppliers(graph, table, policy
                       ) -> tuple[list[dict], list[dict], RowErrors, list, list]:
    """Companies, capabilities, row errors, rows flagged as possible duplicates, and how each
    park text was matched (see companies.park_cell).

    Several rows may share a credit code (one capability each) if they agree on the name."""
    errors = RowErrors(getattr(table, "labels", None))
    categories = lookup(graph.read_once(reference.list_categories))
    matcher, park_texts = parks.ParkMatcher(graph.read(reference.list_parks)), {}
    known = dedupe.Index(graph.read(company_store.names_and_addresses))
    in_file = dedupe.Index([])
    companies: dict[str, dict] = {}
    first_row: dict[str, int] = {}
    capabilities, review = [], []
    for number, raw in table:
        before = len(errors.items)
        park_text = raw.get("park", "").strip()
        park = park_cell(matcher, park_text, park_texts)
        category_text = raw.get("category", "")
        category = pick(categories, category_text)
        if category_text and not category:
            errors.add(number, "category", _l("未知品类“%(category_text)s”（填写品类代码或名称）",
                                           category_text=category_text))
        try:
            company = accounts.company_row(
                {"credit_code": raw.get("credit_code", ""), "name": raw.get("name", ""),
                 "role": "supplier", "region": raw.get("registered_region", ""), "park": park,
                 **profile_cells(raw)}, "approved", policy.region)
            capability = matching.capability_row(company["credit_code"], {
                "products": raw.get("products"), "processes": raw.get("processes"),
                "materials": raw.get("materials"), "equipment": raw.get("equipment"),
                "certifications": split_list(raw.get("certifications", "")),
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
                errors.add(number, "name", _l("与第%(n)s行信用代码相同但名称不同", n=first_row[code]))
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
        capability["id"] = stable_id(f"{code}-imp-", category or "", capability["text"])
        capabilities.append(capability)
    return list(companies.values()), capabilities, errors, review, list(park_texts.values())


def import_suppliers(graph, model: str, table, policy, actor: str, valid_only: bool = False,
                     progress=None) -> ImportReport:
    companies, capabilities, errors, review, _ = validate_suppliers(graph, table, policy)
    report = errors.report(_l("配套企业名单"), len(table), valid_only)
    by_company: dict[str, list[dict]] = {}
    for cap in capabilities:
        by_company.setdefault(cap["company"], []).append(cap)
    done = 0
    for start in range(0, len(companies), EMBEDDED_BATCH):
        batch = companies[start:start + EMBEDDED_BATCH]
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
    propose_parks(graph, companies, actor)
    return report
