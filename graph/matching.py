"""Candidate retrieval for matching, through the vector indexes (never a scan in Python)."""
from __future__ import annotations

from graph.search_index import cosine, vector_index_name

# For each capability the vector index returns: its supplier and the structured facts the
# ranking needs (certifications, requirements read from its text, local, capacity, category
# link, prior supply to the cluster: the credit codes of the cluster's anchors it supplied, which
# explanations count but never name, since an anchor's ledger is its own).
# Both similarities are computed in the graph: shipping the vectors cost ~100 ms per match.
SUPPLIER_CANDIDATES = """
CALL db.index.vector.queryNodes($index, $k, $vector) YIELD node, score
WITH node AS c, score
MATCH (s:Company)-[:HAS_CAPABILITY]->(c)
WHERE s.status = 'approved' AND s.role = 'supplier'
OPTIONAL MATCH (s)-[:REGISTERED_IN]->(r:Region)
OPTIONAL MATCH (s)-[:IN_PARK]->(p:Park)
RETURN c.id AS capability, c.products AS products, c.text AS text,
       c.text_bridged AS text_bridged, c.certifications AS certifications,
       c.requirements AS requirements,
       c.capacity_per_year AS capacity, {cos_e} AS cos_e, {cos_x} AS cos_x,
       s.credit_code AS company, s.name AS company_name, s.local AS local,
       r.name AS region_name, p.name AS park_name,
       [(c)-[:IN_CATEGORY]->(k:Category) | k.code] AS categories,
       [(s)-[:SUPPLIED]->(a:Company {status: 'approved'})-[:IN_CLUSTER]->(cl:Cluster)
        WHERE cl.code IN $clusters | a.credit_code] AS supplied_cluster_anchors
"""


def supplier_candidates(graph, vectors: dict, k: int, clusters: list[str]) -> list[dict]:
    """Union of the nearest capabilities under both encoders, with both similarities."""
    return _nearest_under_both(graph, SUPPLIER_CANDIDATES, "Capability", "c", "capability",
                               vectors, k, clusters=clusters)


# Open public needs near a capability: only what picks the ones to rank (their fits come from
# each need's own ranking, service.match_supplier).
NEED_CANDIDATES = """
CALL db.index.vector.queryNodes($index, $k, $vector) YIELD node, score
WITH node AS n, score
MATCH (a:Company)-[:POSTED]->(n)
WHERE n.status = 'open' AND n.visibility = 'public' AND a.status = 'approved'
RETURN n.id AS need, a.credit_code AS company, {cos_e} AS cos_e, {cos_x} AS cos_x
"""


def need_candidates(graph, vectors: dict, k: int) -> list[dict]:
    return _nearest_under_both(graph, NEED_CANDIDATES, "Need", "n", "need", vectors, k)


def _nearest_under_both(graph, query: str, label: str, node: str, key: str, vectors: dict,
                        k: int, **params) -> list[dict]:
    """`query` through the vector index of each encoder, rows keyed by `key`, first one kept.
    The two index searches run side by side: at 100k nodes each takes ~12 ms of server time."""
    query = _with_cosines(graph, query, node)

    def nearest(prop: str):
        index = vector_index_name(graph, label, prop)
        return lambda tx: [r.data() for r in tx.run(
            query, index=index, k=k, vector=vectors[prop], emb=vectors["emb"],
            emb_x=vectors["emb_x"], **params)]
    found: dict[str, dict] = {}
    for rows in graph.read_parallel([nearest("emb"), nearest("emb_x")]):
        for row in rows:
            found.setdefault(row[key], row)
    return list(found.values())


def _with_cosines(graph, query: str, node: str) -> str:
    return query.replace("{cos_e}", cosine(graph, f"{node}.emb", "$emb")).replace(
        "{cos_x}", cosine(graph, f"{node}.emb_x", "$emb_x"))


# Re-rankers trained by `matchmaker train-ranker` (matching/fit.py): versioned, the newest used.
def newest_ranker_version(tx) -> int | None:
    return tx.run("MATCH (m:RankerModel) RETURN max(m.version) AS v").single()["v"]


def ranker_model(tx, version: int) -> str:
    return tx.run("MATCH (m:RankerModel {version: $v}) RETURN m.model AS model",
                  v=version).single()["model"]


def store_ranker(tx, version: int, model: str) -> None:
    tx.run("CREATE (:RankerModel {version: $v, model: $model, at: timestamp()})",
           v=version, model=model).consume()


# Needs and capabilities whose requirements are missing or stale (backfill-requirements):
# per role, the node's label and the property holding its certifications.
REQUIREMENT_NODES = {"need": ("Need", "certs_required"),
                     "capability": ("Capability", "certifications")}


def without_requirements(tx, role: str, version: int, limit: int) -> list[dict]:
    """Nodes without requirements or with requirements read by a reader older than `version`
    (nodes written before versions were kept count as version 1)."""
    label, certs = REQUIREMENT_NODES[role]
    return tx.run(f"""
        MATCH (x:{label})
        WHERE x.requirements IS NULL OR coalesce(x.requirements_version, 1) < $version
        RETURN x.id AS id, x.text AS text, x.{certs} AS certifications,
               x.text_bridged AS text_bridged LIMIT $limit""", version=version, limit=limit).data()


def set_requirements(tx, role: str, rows: list[dict]) -> None:
    label, certs = REQUIREMENT_NODES[role]
    tx.run(f"""
        UNWIND $rows AS row MATCH (x:{label} {{id: row.id}})
        SET x.requirements = row.requirements, x.requirements_version = row.requirements_version,
            x.stated_volume = row.stated_volume, x.{certs} = row.certifications,
            x.text_bridged = row.text_bridged
        REMOVE x.requirement_chips""", rows=rows).consume()
