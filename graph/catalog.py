"""Needs (posted by anchors) and capabilities (of suppliers), stored with their embeddings."""
from __future__ import annotations

UPSERT_CAPABILITIES = """
UNWIND $rows AS row
MATCH (s:Company {credit_code: row.company})
MERGE (c:Capability {id: row.id})
SET c.products = row.products, c.processes = row.processes, c.materials = row.materials,
    c.equipment = row.equipment, c.certifications = row.certifications,
    c.capacity_per_year = row.capacity_per_year, c.text = row.text,
    c.text_bridged = row.text_bridged, c.requirements = row.requirements,
    c.requirements_version = row.requirements_version, c.stated_volume = row.stated_volume,
    c.emb = row.emb, c.emb_x = row.emb_x, c.updated_at = datetime()
MERGE (s)-[:HAS_CAPABILITY]->(c)
WITH s, c, row
OPTIONAL MATCH (c)-[old:IN_CATEGORY]->(:Category)
DELETE old
WITH s, c, row
UNWIND (CASE WHEN size(row.categories) = 0 THEN [null] ELSE row.categories END) AS code
OPTIONAL MATCH (k:Category {code: code})
FOREACH (_ IN CASE WHEN k IS NULL THEN [] ELSE [1] END |
    MERGE (c)-[:IN_CATEGORY]->(k)
    MERGE (s)-[:CAN_SUPPLY]->(k))
RETURN count(DISTINCT c) AS n
"""


def upsert_capabilities(tx, rows: list[dict]) -> int:
    return tx.run(UPSERT_CAPABILITIES, rows=rows).single()["n"]


def stored_vectors(tx, ids: list[str]) -> dict[str, dict]:
    """{text_bridged: {emb, emb_x}} of the capabilities with these ids."""
    return {r["text"]: {"emb": r["emb"], "emb_x": r["emb_x"]} for r in tx.run("""
        UNWIND $ids AS id MATCH (c:Capability {id: id})
        RETURN c.text_bridged AS text, c.emb AS emb, c.emb_x AS emb_x""", ids=ids)}


def capabilities_of(tx, company: str, with_vectors: bool = False) -> list[dict]:
    """With the stored requirements (JSON) read from its text; with vectors, also those."""
    vectors = ", .emb, .emb_x" if with_vectors else ""
    return tx.run(f"""
        MATCH (:Company {{credit_code: $company}})-[:HAS_CAPABILITY]->(c:Capability)
        RETURN c {{.id, .products, .processes, .materials, .equipment, .certifications,
                  .capacity_per_year, .text, .requirements, .stated_volume{vectors},
                  categories: [(c)-[:IN_CATEGORY]->(k:Category) | k.code]}} AS capability
        ORDER BY c.id""", company=company).value()


UPSERT_NEED = """
MATCH (a:Company {credit_code: $row.company})
MERGE (n:Need {id: $row.id})
ON CREATE SET n.created_at = datetime()
SET n.title = $row.title, n.description = $row.description, n.spec = $row.spec,
    n.annual_volume = $row.annual_volume, n.certs_required = $row.certs_required,
    n.delivery_region = $row.delivery_region, n.deadline = $row.deadline,
    n.status = $row.status, n.visibility = $row.visibility, n.text = $row.text,
    n.text_bridged = $row.text_bridged, n.requirements = $row.requirements,
    n.requirements_version = $row.requirements_version, n.stated_volume = $row.stated_volume,
    n.emb = $row.emb, n.emb_x = $row.emb_x, n.updated_at = datetime()
MERGE (a)-[:POSTED]->(n)
WITH a, n
OPTIONAL MATCH (n)-[old:FOR_CATEGORY]->(:Category)
DELETE old
WITH a, n
OPTIONAL MATCH (k:Category {code: $row.category})
FOREACH (_ IN CASE WHEN k IS NULL THEN [] ELSE [1] END |
    MERGE (n)-[:FOR_CATEGORY]->(k)
    MERGE (a)-[:NEEDS]->(k))
RETURN n.id AS id
"""


def upsert_need(tx, row: dict) -> str:
    return tx.run(UPSERT_NEED, row=row).single()["id"]


NEED_FIELDS = """n {.id, .title, .description, .spec, .annual_volume, .certs_required,
    .delivery_region, .deadline, .status, .visibility, .text, .requirements, .stated_volume,
    company: a.credit_code, company_name: a.name, company_status: a.status,
    category: head([(n)-[:FOR_CATEGORY]->(k:Category) | k.code]),
    category_name: head([(n)-[:FOR_CATEGORY]->(k:Category) | k.name]),
    clusters: [(a)-[:IN_CLUSTER]->(cl:Cluster) | cl.code]}"""


def get_need(tx, need_id: str, with_vectors: bool = False) -> dict | None:
    """With the stored requirements (JSON) read from its text; with vectors, also those."""
    extra = ", n.emb AS emb, n.emb_x AS emb_x" if with_vectors else ""
    record = tx.run(f"MATCH (a:Company)-[:POSTED]->(n:Need {{id: $id}}) "
                    f"RETURN {NEED_FIELDS} AS need{extra}", id=need_id).single()
    if not record:
        return None
    need = dict(record["need"])
    if with_vectors:
        need.update(emb=record["emb"], emb_x=record["emb_x"])
    return need


def needs_of(tx, company: str) -> list[dict]:
    return tx.run(f"""
        MATCH (a:Company {{credit_code: $company}})-[:POSTED]->(n:Need)
        RETURN {NEED_FIELDS} AS need ORDER BY n.created_at DESC""", company=company).value()


NEED_FILTER = """
    MATCH (a:Company)-[:POSTED]->(n:Need)
    WHERE ($company IS NULL OR a.credit_code = $company)
      AND ($status IS NULL OR n.status = $status)
      AND (NOT $public_only OR (n.status = 'open' AND n.visibility = 'public'
                               AND a.status = 'approved'))
"""


def list_needs(tx, company: str | None = None, status: str | None = None,
               public_only: bool = False, skip: int = 0, limit: int = 50) -> list[dict]:
    return tx.run(NEED_FILTER + f"""
        WITH a, n ORDER BY n.created_at DESC SKIP $skip LIMIT $limit
        RETURN {NEED_FIELDS} AS need""", company=company, status=status,
                  public_only=public_only, skip=skip, limit=limit).value()


def count_needs(tx, company: str | None = None, status: str | None = None,
                public_only: bool = False) -> int:
    return tx.run(NEED_FILTER + "RETURN count(n) AS n", company=company, status=status,
                  public_only=public_only).single()["n"]


def existing_needs(tx, ids: list[str]) -> list[str]:
    return tx.run("UNWIND $ids AS id MATCH (n:Need {id: id}) RETURN n.id", ids=ids).value()


def set_need_status(tx, need_id: str, status: str) -> None:
    tx.run("MATCH (n:Need {id: $id}) SET n.status = $status", id=need_id, status=status).consume()


def claim_announcement(tx, need_id: str) -> list[str] | None:
    """For the one call that may announce an open need to suppliers (once in the need's life,
    however often it is closed and reopened or published at once by two requests): the clusters
    of its anchor, which ranking needs beside the stored need; None for every other call. The
    version bump takes the write lock before the check, so this holds under read committed."""
    record = tx.run("""
        MATCH (a:Company)-[:POSTED]->(n:Need {id: $id})
        SET n.version = coalesce(n.version, 0) + 1
        WITH a, n WHERE n.status = 'open' AND n.announced_at IS NULL
        SET n.announced_at = timestamp()
        RETURN [(a)-[:IN_CLUSTER]->(cl:Cluster) | cl.code] AS clusters""", id=need_id).single()
    return None if record is None else record["clusters"]
