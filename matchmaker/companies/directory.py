"""The company directory and needs lists as each user may see them, one page at a time."""
from __future__ import annotations

from graph import audit as audit_store
from graph import catalog
from graph import fairs as fair_store
from graph import companies as company_store
from graph import reference
from matchmaker.companies import dedupe
from matchmaker.errors import NotFound, ValidationError
from matchmaker.i18n import _l
from matchmaker.matching import service as matching

PUBLIC_FIELDS = ("credit_code", "name", "role", "region", "region_name", "park", "park_name",
                 "clusters", "local")
MAX_PER_PAGE = 200


def page_args(page, per_page, default: int = 50) -> tuple[int, int]:
    """Validated (page, per_page) from query-string values (strings or None)."""
    try:
        page = int(page or 1)
        per_page = int(per_page or default)
    except ValueError:
        raise ValidationError(_l("page 和 per_page 应为正整数"), field="page") from None
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(_l("page 应 ≥ 1，per_page 应在 1–%(MAX_PER_PAGE)s 之间",
                              MAX_PER_PAGE=MAX_PER_PAGE), field="page")
    return page, per_page


def _visible(user, company: dict) -> dict:
    if user.is_organizer or user.company == company["credit_code"]:
        return company
    return {k: company.get(k) for k in PUBLIC_FIELDS}


def companies(graph, user, filters: dict, page: int, per_page: int) -> dict:
    """Organizers see every company with contacts; companies see approved ones' public fields."""
    filters = {k: filters.get(k) or None for k in ("role", "status", "search", "region", "park")}
    if not user.is_organizer:
        filters["status"] = "approved"
    rows, total = graph.read(lambda tx: (
        company_store.list_companies(tx, **filters, skip=(page - 1) * per_page, limit=per_page),
        company_store.count_companies(tx, **filters)))
    return {"items": [_visible(user, c) for c in rows], "page": page, "per_page": per_page,
            "total": total}


def filter_choices(graph, city: str) -> dict:
    """The directory's district and park filters."""
    return {"regions": graph.read_once(reference.list_regions, city),
            "parks": graph.read_once(reference.list_parks)}


EXPORT_LIMIT = 100_000
EXPORT_COLUMNS = ["credit_code", "name", "role", "status", "region_name", "park_name",
                  "address", "legal_representative", "contact_name", "contact_phone",
                  "clusters", "local"]


def export_rows(graph, filters: dict, labels: dict[str, str] | None = None,
                texts: dict[str, dict] | None = None) -> tuple[list[str], list[list]]:
    """The organizer's filtered directory as a table (header, rows) for Excel/CSV. `labels`
    names the columns and `texts` words the values ({column: {value: text}}) for people; the
    import reads both back. Clusters are listed by name."""
    rows = graph.read(company_store.list_companies, **filters, limit=EXPORT_LIMIT)
    clusters = {c["code"]: c["name"] for c in graph.read_once(reference.list_clusters)}
    texts = texts or {}

    def cell(company, k):
        if k == "clusters":
            return "、".join(clusters.get(c, c) for c in company[k] or [])
        value = company.get(k)
        return str(texts[k].get(value, value)) if k in texts else value
    header = [str((labels or {}).get(k, k)) for k in EXPORT_COLUMNS]
    return header, [[cell(c, k) for k in EXPORT_COLUMNS] for c in rows]


def with_duplicate_review(graph, rows: list[dict]) -> list[dict]:
    """Pending companies get `similar`: other companies that may be the same one."""
    pending = [c for c in rows if c["status"] == "pending"]
    if not pending:
        return rows
    index = dedupe.Index(graph.read(company_store.names_and_addresses))
    for c in pending:
        c["similar"] = index.similar(c)[:3]
    return rows


def company(graph, user, credit_code: str) -> dict:
    found = graph.read(company_store.get_company, credit_code)
    if not found or not (user.is_organizer or user.company == credit_code
                         or found["status"] == "approved"):
        raise NotFound(_l("企业不存在"))
    return _visible(user, found)


# What a supplier published about a capability (its contacts stay with the office, and with an
# anchor only once it shortlists the supplier for a need).
PUBLISHED_CAPABILITY = ("products", "processes", "materials", "equipment", "certifications",
                        "capacity_per_year", "requirement_chips")


def profile(graph, user, credit_code: str) -> dict:
    """A company's page: what it published (capabilities, or an anchor's open needs), its
    region and park, the fairs it attended; for the office also its status history."""
    found = company(graph, user, credit_code)
    clusters = {c["code"]: c["name"] for c in graph.read_once(reference.list_clusters)}
    found = dict(found, cluster_names=[clusters.get(c, c) for c in found.get("clusters") or []])
    out = {"company": found, "fairs": graph.read(fair_store.attended_by, credit_code),
           "capabilities": [], "needs": [], "history": []}
    if found["role"] == "supplier":
        out["capabilities"] = [{k: c.get(k) for k in PUBLISHED_CAPABILITY}
                               for c in matching.capabilities_shown(graph, credit_code)]
    else:
        out["needs"] = graph.read(catalog.list_needs, credit_code, "open", True)
    if user.is_organizer:
        out["history"] = [e for e in graph.read(audit_store.events, f"company:{credit_code}")
                          if e["subject"] == f"company:{credit_code}"]
    return out


def needs(graph, user, status: str | None, page: int, per_page: int) -> dict:
    """An anchor lists its own needs, organizers all, suppliers the open public ones."""
    if user.is_organizer:
        scope = {"company": None, "public_only": False}
    elif user.role == "anchor":
        scope = {"company": user.company, "public_only": False}
    else:
        scope = {"company": None, "public_only": True}
    rows, total = graph.read(lambda tx: (
        catalog.list_needs(tx, **scope, status=status, skip=(page - 1) * per_page,
                           limit=per_page),
        catalog.count_needs(tx, **scope, status=status)))
    return {"items": [matching.shown(r, "need") for r in rows], "page": page,
            "per_page": per_page, "total": total}
