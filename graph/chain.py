"""Chain map analyses (seed 001 §1/§3, 002 §三.4): demand per part, local capability, spending
local vs elsewhere, single sources, parks. Plain Neo4j 5 Cypher; runs on the embedded server too,
and purchases are read in the shapes graph/ledger.py explains.

"Local" is always decided through the region hierarchy (:Region {code: $region}), and a cluster
of None means every cluster."""
from __future__ import annotations

from graph import ledger

LOCAL_SUPPLIER = """EXISTS {
    MATCH (s)-[:REGISTERED_IN]->(:Region)-[:PART_OF*0..3]->(:Region {code: $region}) }"""

# Demand for a part: anchors that posted an open need for it or bought it in the year. Spending
# is summed from the purchases' own anchor/category keys, and the local share by walking from the
# policy region down to its suppliers once (as the ledger's rates do), never per purchase.
OPEN_NEEDS = """
MATCH (a:Company {role: 'anchor', status: 'approved'})-[:POSTED]->(n:Need {status: 'open'})
      -[:FOR_CATEGORY]->(k:Category)
RETURN a.credit_code AS anchor, k.code AS category, collect(n.id) AS need_ids
"""
SPEND = """
MATCH (p:Purchase {year: $year})
RETURN p.anchor AS anchor, p.category AS category, sum(p.amount_fen) AS total_fen
"""
LOCAL_CODES = """
MATCH (:Region {code: $region})<-[:PART_OF*0..3]-(:Region)<-[:REGISTERED_IN]-(s:Company)
RETURN collect(DISTINCT s.credit_code) AS codes
"""
LOCAL_SPEND = """
UNWIND $local AS supplier
MATCH (p:Purchase {supplier: supplier}) WITH p WHERE p.year = $year
RETURN p.anchor AS anchor, p.category AS category, sum(p.amount_fen) AS local_fen
"""
CATEGORY_FACTS = """
MATCH (k:Category) WHERE k.code IN $codes
OPTIONAL MATCH (k)-[:SUBCATEGORY_OF]->(parent:Category)
RETURN k.code AS category, k.name AS name, parent.name AS parent,
       COUNT { MATCH (s:Company {status: 'approved', role: 'supplier'})-[:CAN_SUPPLY]->(k)
               WHERE """ + LOCAL_SUPPLIER + """ } AS local_suppliers
"""


def _anchors_in(tx, cluster: str | None) -> dict[str, str]:
    """{credit code: name} of the cluster's anchors (every anchor when cluster is None)."""
    return {a["anchor"]: a["name"] for a in ledger.anchors(tx)
            if cluster is None or cluster in a["clusters"]}


def demand_by_category(tx, year: int, region: str, cluster: str | None = None,
                       spend: bool = True) -> list[dict]:
    """Parts with demand; without `spend`, only the parts of open needs and no spending (the
    purchases are not read)."""
    anchors = _anchors_in(tx, cluster)
    rows: dict[str, dict] = {}

    def row(category):
        return rows.setdefault(category, {"category": category, "anchors": set(), "need_ids": [],
                                          "total_fen": 0, "local_fen": 0})
    for r in tx.run(OPEN_NEEDS):
        if r["anchor"] in anchors:
            row(r["category"])["need_ids"] += r["need_ids"]
            row(r["category"])["anchors"].add(anchors[r["anchor"]])
    if spend:
        for r in tx.run(SPEND, year=year):
            if r["anchor"] in anchors and r["category"]:
                row(r["category"])["total_fen"] += r["total_fen"]
                row(r["category"])["anchors"].add(anchors[r["anchor"]])
        local = tx.run(LOCAL_CODES, region=region).single()["codes"]
        for r in tx.run(LOCAL_SPEND, year=year, local=local):
            if r["anchor"] in anchors and r["category"] in rows:
                rows[r["category"]]["local_fen"] += r["local_fen"]
    for r in tx.run(CATEGORY_FACTS, codes=list(rows), region=region):
        rows[r["category"]].update(r.data())
    out = [dict(r, anchors=sorted(r["anchors"]), need_ids=sorted(r["need_ids"]))
           for r in rows.values() if "name" in r]
    return sorted(out, key=lambda r: (-(r["total_fen"] - r["local_fen"]), -len(r["need_ids"]),
                                      r["category"]))


def outside_sources(tx, year: int, region: str, categories: list[str],
                    cluster: str | None = None, per_category: int = 5) -> dict[str, list[dict]]:
    """The non-local suppliers anchors buy each part from today: whom to invite to settle."""
    anchors = None if cluster is None else list(_anchors_in(tx, cluster))
    rows = tx.run("""
        UNWIND $categories AS code
        MATCH (p:Purchase {category: code})
        WITH code, p WHERE p.year = $year AND ($anchors IS NULL OR p.anchor IN $anchors)
        WITH code, p.supplier AS supplier, sum(p.amount_fen) AS amount_fen
        MATCH (s:Company {credit_code: supplier})
        WHERE NOT """ + LOCAL_SUPPLIER + """
        OPTIONAL MATCH (s)-[:REGISTERED_IN]->(r:Region)
        WITH code, s, r, amount_fen
        ORDER BY amount_fen DESC
        WITH code, collect({credit_code: s.credit_code, name: s.name, region: r.name,
                            amount_fen: amount_fen}) AS sources
        RETURN code, sources[0..$n] AS sources
    """, categories=categories, year=year, region=region, anchors=anchors,
        n=per_category).data()
    return {r["code"]: r["sources"] for r in rows}


def single_sources(tx, year: int, cluster: str | None = None) -> list[dict]:
    """Parts an anchor bought from exactly one supplier in the year."""
    return tx.run("""
        MATCH (p:Purchase {year: $year}) WHERE p.category IS NOT NULL
        WITH p.anchor AS anchor, p.category AS code, collect(DISTINCT p.supplier) AS suppliers,
             sum(p.amount_fen) AS amount_fen
        WHERE size(suppliers) = 1
        MATCH (a:Company {credit_code: anchor, role: 'anchor', status: 'approved'})
        WHERE $cluster IS NULL OR EXISTS { MATCH (a)-[:IN_CLUSTER]->(:Cluster {code: $cluster}) }
        MATCH (k:Category {code: code}), (s:Company {credit_code: suppliers[0]})
        RETURN a.credit_code AS anchor, a.name AS anchor_name, k.code AS category,
               k.name AS category_name, s.name AS supplier, amount_fen
        ORDER BY amount_fen DESC
    """, year=year, cluster=cluster).data()


def category_spend_by_anchor(tx, year: int, region: str, category: str) -> dict[str, dict]:
    """{anchor: {total_fen, local_fen}} for one part: the base of the what-if."""
    rows = tx.run("""
        MATCH (p:Purchase {category: $category}) WITH p WHERE p.year = $year
        WITH p.anchor AS anchor, p.supplier AS supplier, sum(p.amount_fen) AS amount_fen
        MATCH (s:Company {credit_code: supplier})
        WITH anchor, amount_fen, """ + LOCAL_SUPPLIER + """ AS local
        RETURN anchor, sum(amount_fen) AS total_fen,
               sum(CASE WHEN local THEN amount_fen ELSE 0 END) AS local_fen
    """, year=year, region=region, category=category).data()
    return {r["anchor"]: {"total_fen": r["total_fen"], "local_fen": r["local_fen"]}
            for r in rows}


def map_links(tx, year: int, region: str, cluster: str | None,
              categories: list[str]) -> list[dict]:
    """The chain map's anchor → part links: for each of the cluster's anchors and each of
    `categories`, its open needs and what it bought in the year (total and from local
    suppliers). Spending comes from `category_spend_by_anchor`, one part at a time."""
    anchors = _anchors_in(tx, cluster)
    links: dict[tuple[str, str], dict] = {}

    def link(anchor, category):
        return links.setdefault((anchor, category), {
            "anchor": anchor, "anchor_name": anchors[anchor], "category": category,
            "open_needs": 0, "total_fen": 0, "local_fen": 0})
    wanted = set(categories)
    for r in tx.run(OPEN_NEEDS):
        if r["anchor"] in anchors and r["category"] in wanted:
            link(r["anchor"], r["category"])["open_needs"] += len(r["need_ids"])
    for category in categories:
        for anchor, spend in category_spend_by_anchor(tx, year, region, category).items():
            if anchor in anchors and spend["total_fen"]:
                link(anchor, category).update(spend)
    return sorted(links.values(), key=lambda r: (r["anchor_name"], r["category"]))


def local_suppliers(tx, region: str, category: str) -> list[dict]:
    """The approved local suppliers able to supply a part (the count of CATEGORY_FACTS)."""
    return tx.run("""
        MATCH (s:Company {status: 'approved', role: 'supplier'})-[:CAN_SUPPLY]->
              (:Category {code: $category})
        WHERE """ + LOCAL_SUPPLIER + """
        OPTIONAL MATCH (s)-[:REGISTERED_IN]->(r:Region)
        OPTIONAL MATCH (s)-[:IN_PARK]->(pk:Park)
        RETURN s.credit_code AS credit_code, s.name AS name, r.name AS region,
               pk.name AS park
        ORDER BY name
    """, region=region, category=category).data()


def purchase_years(tx, first: int, last: int) -> list[int]:
    """The years between `first` and `last` with at least one purchase (an indexed look-up
    per year, not a scan of the ledger)."""
    return [r["year"] for r in tx.run("""
        UNWIND range($first, $last) AS year
        WITH year WHERE EXISTS { MATCH (:Purchase {year: year}) }
        RETURN year ORDER BY year
    """, first=first, last=last)]


def parks(tx) -> list[dict]:
    """Parks with their companies and the clusters their suppliers already serve (the output
    per year is `ledger.park_output`, the same figure R2 uses)."""
    return tx.run("""
        MATCH (pk:Park)-[:LOCATED_IN]->(r:Region)
        OPTIONAL MATCH (c:Company)-[:IN_PARK]->(pk)
        WITH pk, r, count(c) AS companies,
             count(CASE WHEN c.role = 'anchor' THEN 1 END) AS anchors
        RETURN pk.code AS park, pk.name AS name, r.name AS region, companies, anchors,
               [(pk)<-[:IN_PARK]-(:Company)-[:SUPPLIED]->(:Company)-[:IN_CLUSTER]->(k:Cluster)
                | k.name] AS clusters_served
        ORDER BY pk.code
    """).data()
