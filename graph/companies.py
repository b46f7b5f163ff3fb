"""Companies (anchors and suppliers), their users, and their place in regions/parks/clusters."""
from __future__ import annotations

COMPANY_FIELDS = """
    credit_code: c.credit_code, name: c.name, role: c.role, status: c.status,
    address: c.address, contact_name: c.contact_name, contact_phone: c.contact_phone,
    legal_representative: c.legal_representative,
    region: r.code, region_name: r.name, park: p.code, park_name: p.name,
    clusters: [(c)-[:IN_CLUSTER]->(k:Cluster) | k.code],
    local: c.local, status_reason: c.status_reason
"""

RETURN_COMPANY = f"""
OPTIONAL MATCH (c)-[:REGISTERED_IN]->(r:Region)
OPTIONAL MATCH (c)-[:IN_PARK]->(p:Park)
RETURN c {{ {COMPANY_FIELDS} }} AS company
"""

UPSERT_COMPANIES = """
UNWIND $rows AS row
MERGE (c:Company {credit_code: row.credit_code})
ON CREATE SET c.created_at = datetime(), c.status = row.status
SET c.name = row.name, c.role = row.role, c.address = coalesce(row.address, c.address),
    c.contact_name = coalesce(row.contact_name, c.contact_name),
    c.contact_phone = coalesce(row.contact_phone, c.contact_phone),
    c.legal_representative = coalesce(row.legal_representative, c.legal_representative),
    c.local = row.local, c.updated_at = datetime()
WITH c, row
MATCH (region:Region {code: row.region})
OPTIONAL MATCH (c)-[old:REGISTERED_IN]->(:Region)
DELETE old
MERGE (c)-[:REGISTERED_IN]->(region)
WITH c, row
OPTIONAL MATCH (c)-[oldp:IN_PARK]->(:Park)
DELETE oldp
WITH c, row
OPTIONAL MATCH (park:Park {code: row.park})
FOREACH (_ IN CASE WHEN park IS NULL THEN [] ELSE [1] END | MERGE (c)-[:IN_PARK]->(park))
WITH c, row
OPTIONAL MATCH (c)-[oldk:IN_CLUSTER]->(:Cluster)
DELETE oldk
WITH c, row
UNWIND (CASE WHEN size(row.clusters) = 0 THEN [null] ELSE row.clusters END) AS cluster_code
OPTIONAL MATCH (k:Cluster {code: cluster_code})
FOREACH (_ IN CASE WHEN k IS NULL THEN [] ELSE [1] END | MERGE (c)-[:IN_CLUSTER]->(k))
RETURN count(DISTINCT c) AS n
"""


def upsert_companies(tx, rows: list[dict]) -> int:
    """rows: credit_code, name, role, status, address, contact_*, legal_representative, region,
    park, clusters, local (None for an optional field keeps the stored value)."""
    return tx.run(UPSERT_COMPANIES, rows=rows).single()["n"]


def create_company(tx, row: dict) -> None:
    """Create a new company; a second one with the same credit code raises ConstraintError."""
    tx.run("CREATE (c:Company {credit_code: $code, status: $status, created_at: datetime()})",
           code=row["credit_code"], status=row["status"]).consume()
    upsert_companies(tx, [row])


def get_company(tx, credit_code: str) -> dict | None:
    record = tx.run("MATCH (c:Company {credit_code: $code})" + RETURN_COMPANY,
                    code=credit_code).single()
    return record["company"] if record else None


COMPANY_FILTER = """
    MATCH (c:Company)
    WHERE ($role IS NULL OR c.role = $role) AND ($status IS NULL OR c.status = $status)
      AND ($search IS NULL OR c.name CONTAINS $search OR c.credit_code = $search)
      AND ($region IS NULL OR EXISTS {
            MATCH (c)-[:REGISTERED_IN]->(:Region)-[:PART_OF*0..3]->(:Region {code: $region})})
      AND ($park IS NULL OR EXISTS { MATCH (c)-[:IN_PARK]->(:Park {code: $park}) })
"""


def list_companies(tx, role: str | None = None, status: str | None = None,
                   search: str | None = None, region: str | None = None,
                   park: str | None = None, skip: int = 0, limit: int = 50) -> list[dict]:
    return [r["company"] for r in tx.run(
        COMPANY_FILTER + "WITH c ORDER BY c.name SKIP $skip LIMIT $limit" + RETURN_COMPANY,
        role=role, status=status, search=search or None, region=region or None,
        park=park or None, skip=skip, limit=limit)]


def count_companies(tx, role: str | None = None, status: str | None = None,
                    search: str | None = None, region: str | None = None,
                    park: str | None = None) -> int:
    return tx.run(COMPANY_FILTER + "RETURN count(c) AS n", role=role, status=status,
                  search=search or None, region=region or None,
                  park=park or None).single()["n"]


def set_status(tx, credit_code: str, status: str, reason: str | None) -> str | None:
    """The status before, or None when there is no such company."""
    record = tx.run("""
        MATCH (c:Company {credit_code: $code})
        WITH c, c.status AS before
        SET c.status = $status, c.status_reason = $reason, c.status_changed_at = datetime()
        RETURN before""", code=credit_code, status=status, reason=reason).single()
    return record["before"] if record else None


def names_and_addresses(tx) -> list[dict]:
    """Every company's code, name and address, for duplicate review of an import."""
    return tx.run("MATCH (c:Company) RETURN c.credit_code AS credit_code, c.name AS name, "
                  "c.address AS address").data()
