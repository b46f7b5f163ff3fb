"""Reference data: regions (GB/T 2260 hierarchy), and the city's parks, clusters and category
taxonomy, which the office edits.

A park, cluster or category is never deleted: retiring sets `retired_at` (it leaves the lists
new records choose from, and stays on the records that have it), merging also sets
`merged_into` after its records moved to the survivor. Every edit bumps the one
(:ReferenceVersion) node, so each process can tell in one small read that what it kept is stale.
"""
from __future__ import annotations

# kind → label; a label cannot be a query parameter, so only these are ever interpolated.
LABELS = {"park": "Park", "cluster": "Cluster", "category": "Category"}

MERGE_REGIONS = """
UNWIND $rows AS row
MERGE (r:Region {code: row.code})
SET r.name = row.name, r.level = row.level, r.kind = row.kind
"""

LINK_REGIONS = """
UNWIND $rows AS row
MATCH (child:Region {code: row.code}), (parent:Region {code: row.parent})
MERGE (child)-[:PART_OF]->(parent)
"""


def merge_regions(tx, rows: list[dict]) -> None:
    tx.run(MERGE_REGIONS, rows=rows).consume()
    tx.run(LINK_REGIONS, rows=[r for r in rows if r["parent"]]).consume()


def count_regions(tx) -> int:
    return tx.run("MATCH (r:Region) RETURN count(r) AS n").single()["n"]


# ----------------------------------------------------------------------------- version

def version(tx) -> int:
    record = tx.run("MATCH (v:ReferenceVersion {key: 'reference'}) RETURN v.n AS n").single()
    return record["n"] if record else 0


def bump_version(tx) -> None:
    tx.run("MERGE (v:ReferenceVersion {key: 'reference'}) "
           "SET v.n = coalesce(v.n, 0) + 1").consume()


# ----------------------------------------------------------------------------- create

def codes(tx, kind: str) -> set[str]:
    """Every code of the kind, retired and merged ones included."""
    return set(tx.run(f"MATCH (n:{LABELS[kind]}) RETURN n.code AS code").value())


def create_parks(tx, rows: list[dict]) -> None:
    """rows: code, name, region, aliases."""
    tx.run("""
        UNWIND $rows AS row
        MATCH (region:Region {code: row.region})
        CREATE (p:Park {code: row.code, name: row.name, aliases: row.aliases})
        CREATE (p)-[:LOCATED_IN]->(region)
    """, rows=rows).consume()


def create_clusters(tx, rows: list[dict]) -> None:
    """rows: code, name, name_en, aliases."""
    tx.run("""
        UNWIND $rows AS row
        CREATE (:Cluster {code: row.code, name: row.name, name_en: row.name_en,
                          aliases: row.aliases})
    """, rows=rows).consume()


def create_categories(tx, rows: list[dict]) -> None:
    """rows: code, name, name_en, aliases, parent (None for a top-level category)."""
    tx.run("""
        UNWIND $rows AS row
        CREATE (:Category {code: row.code, name: row.name, name_en: row.name_en,
                           aliases: row.aliases})
    """, rows=rows).consume()
    tx.run("""
        UNWIND $rows AS row
        MATCH (c:Category {code: row.code}), (p:Category {code: row.parent})
        CREATE (c)-[:SUBCATEGORY_OF]->(p)
    """, rows=[r for r in rows if r.get("parent")]).consume()


# ----------------------------------------------------------------------------- lists

STATUS = """CASE WHEN n.merged_into IS NOT NULL THEN 'merged'
                 WHEN n.retired_at IS NOT NULL THEN 'retired' ELSE 'active' END"""


def list_clusters(tx, everything: bool = False) -> list[dict]:
    """The live clusters (what new records choose from); `everything`: retired and merged too."""
    return tx.run(f"""
        MATCH (n:Cluster) WHERE $everything OR n.retired_at IS NULL
        RETURN n.code AS code, n.name AS name, n.name_en AS name_en,
               coalesce(n.aliases, []) AS aliases, {STATUS} AS status,
               n.merged_into AS merged_into
        ORDER BY code""", everything=everything).data()


def list_parks(tx, everything: bool = False) -> list[dict]:
    """The live parks with their region; `everything`: retired and merged too."""
    return tx.run(f"""
        MATCH (n:Park)-[:LOCATED_IN]->(r:Region) WHERE $everything OR n.retired_at IS NULL
        RETURN n.code AS code, n.name AS name, r.code AS region, r.name AS region_name,
               coalesce(n.aliases, []) AS aliases, {STATUS} AS status,
               n.merged_into AS merged_into
        ORDER BY code""", everything=everything).data()


def list_categories(tx, everything: bool = False) -> list[dict]:
    """The live categories with their parent; `everything`: retired and merged too."""
    return tx.run(f"""
        MATCH (n:Category) WHERE $everything OR n.retired_at IS NULL
        OPTIONAL MATCH (n)-[:SUBCATEGORY_OF]->(p:Category)
        RETURN n.code AS code, n.name AS name, n.name_en AS name_en, p.code AS parent,
               coalesce(n.aliases, []) AS aliases, {STATUS} AS status,
               n.merged_into AS merged_into
        ORDER BY code""", everything=everything).data()


LISTS = {"park": list_parks, "cluster": list_clusters, "category": list_categories}

USES = {
    "park": "size([(n)<-[:IN_PARK]-(:Company) | 1])",
    "cluster": "size([(n)<-[:IN_CLUSTER]-(:Company) | 1])",
    "category": "size([(n)<-[:FOR_CATEGORY|IN_CATEGORY]-() | 1])"
                " + COUNT { MATCH (p:Purchase) WHERE p.category = n.code }",
}


def uses(tx, kind: str) -> dict[str, int]:
    """code → how many records name it (companies; needs, capabilities and purchases)."""
    return {r["code"]: r["n"] for r in tx.run(
        f"MATCH (n:{LABELS[kind]}) RETURN n.code AS code, {USES[kind]} AS n")}


def get_item(tx, kind: str, code: str) -> dict | None:
    rows = [r for r in LISTS[kind](tx, True) if r["code"] == code]
    return rows[0] if rows else None


def children(tx, code: str) -> list[str]:
    """The live parts of a category."""
    return tx.run("""
        MATCH (c:Category)-[:SUBCATEGORY_OF]->(:Category {code: $code})
        WHERE c.retired_at IS NULL RETURN c.code AS code ORDER BY code""", code=code).value()


# ----------------------------------------------------------------------------- edits

def rename(tx, kind: str, code: str, name: str, name_en: str | None) -> None:
    tx.run(f"MATCH (n:{LABELS[kind]} {{code: $code}}) "
           "SET n.name = $name, n.name_en = coalesce($name_en, n.name_en)",
           code=code, name=name, name_en=name_en).consume()


def move_park(tx, code: str, region: str) -> None:
    tx.run("""
        MATCH (p:Park {code: $code}), (r:Region {code: $region})
        OPTIONAL MATCH (p)-[old:LOCATED_IN]->(:Region)
        DELETE old
        CREATE (p)-[:LOCATED_IN]->(r)
    """, code=code, region=region).consume()


def set_aliases(tx, kind: str, code: str, aliases: list[str]) -> None:
    tx.run(f"MATCH (n:{LABELS[kind]} {{code: $code}}) SET n.aliases = $aliases",
           code=code, aliases=aliases).consume()


def set_retired(tx, kind: str, code: str, at: int | None) -> None:
    """`at` None brings a retired item back."""
    tx.run(f"MATCH (n:{LABELS[kind]} {{code: $code}}) SET n.retired_at = $at",
           code=code, at=at).consume()


def mark_merged(tx, kind: str, code: str, into: str, at: int) -> None:
    tx.run(f"MATCH (n:{LABELS[kind]} {{code: $code}}) "
           "SET n.merged_into = $into, n.retired_at = $at", code=code, into=into,
           at=at).consume()


# What points at each kind: these relationships move to the survivor of a merge.
INCOMING = {
    "park": ("IN_PARK",),
    "cluster": ("IN_CLUSTER", "FOR_CLUSTER"),
    "category": ("IN_CATEGORY", "FOR_CATEGORY", "CAN_SUPPLY", "NEEDS",
                 "SUBCATEGORY_OF"),
}

# Records that also keep the code as a property (read by code, without the relationship).
CODE_PROPERTIES = {
    "cluster": (("Fair", "cluster"),),
    "category": (("Purchase", "category"), ("MaterialGroup", "category")),
}


def move_relationships(tx, kind: str, code: str, into: str) -> int:
    """Point everything that points at `code` at `into` instead; how many moved."""
    label, moved = LABELS[kind], 0
    for rel in INCOMING[kind]:
        moved += tx.run(f"""
            MATCH (x)-[r:{rel}]->(:{label} {{code: $code}})
            MATCH (survivor:{label} {{code: $into}})
            WHERE x <> survivor
            MERGE (x)-[:{rel}]->(survivor)
            DELETE r
            RETURN count(*) AS n""", code=code, into=into).single()["n"]
    for record_label, prop in CODE_PROPERTIES.get(kind, ()):
        tx.run(f"MATCH (x:{record_label}) WHERE x.{prop} = $code SET x.{prop} = $into",
               code=code, into=into).consume()
    return moved


# ----------------------------------------------------------------------------- park proposals

def propose_park(tx, row: dict) -> bool:
    """Remember a park name no park answers to, and the company that named it (row: key,
    text, region, company, actor, at); True when the name is new."""
    new = tx.run("MATCH (pp:ParkProposal {key: $key}) RETURN count(pp) AS n",
                 key=row["key"]).single()["n"] == 0
    tx.run("""
        MERGE (pp:ParkProposal {key: $row.key})
        ON CREATE SET pp.text = $row.text, pp.status = 'open', pp.companies = [],
                      pp.proposed_by = $row.actor, pp.proposed_at = $row.at
        SET pp.region = coalesce(pp.region, $row.region),
            pp.companies = CASE WHEN $row.company IS NULL OR $row.company IN pp.companies
                                THEN pp.companies ELSE pp.companies + $row.company END
    """, row=row).consume()
    return new


RETURN_PROPOSAL = """
OPTIONAL MATCH (r:Region {code: pp.region})
OPTIONAL MATCH (c:Company) WHERE c.credit_code IN pp.companies
WITH pp, r, collect(c {.credit_code, .name}) AS named
RETURN pp {.key, .text, .region, .status, .park, .proposed_at, .resolved_by, .companies,
           region_name: r.name, named: named} AS p
"""


def park_proposals(tx, status: str = "open") -> list[dict]:
    """Each with `companies` (the credit codes that named it) and `named` (those stored)."""
    return tx.run(f"MATCH (pp:ParkProposal {{status: $status}}) {RETURN_PROPOSAL} "
                  "ORDER BY p.proposed_at, p.key", status=status).value()


def get_proposal(tx, key: str) -> dict | None:
    record = tx.run(f"MATCH (pp:ParkProposal {{key: $key}}) {RETURN_PROPOSAL}",
                    key=key).single()
    return record["p"] if record else None


def resolve_proposal(tx, key: str, status: str, park: str | None, actor: str, at: int) -> int:
    """Close a proposal; with a park, the companies that named it and have no park yet are
    placed in it. How many were placed."""
    tx.run("""
        MATCH (pp:ParkProposal {key: $key})
        SET pp.status = $status, pp.park = $park, pp.resolved_by = $actor, pp.resolved_at = $at
    """, key=key, status=status, park=park, actor=actor, at=at).consume()
    if park is None:
        return 0
    return tx.run("""
        MATCH (pp:ParkProposal {key: $key}), (park:Park {code: $park})
        MATCH (c:Company) WHERE c.credit_code IN pp.companies
          AND NOT EXISTS { MATCH (c)-[:IN_PARK]->(:Park) }
        CREATE (c)-[:IN_PARK]->(park)
        RETURN count(c) AS n""", key=key, park=park).single()["n"]


# ----------------------------------------------------------------------------- regions

def list_regions(tx, within: str) -> list[dict]:
    """Regions inside `within` (districts and counties of the city), for filters."""
    return tx.run("""
        MATCH (r:Region)-[:PART_OF*1..3]->(:Region {code: $code})
        RETURN r.code AS code, r.name AS name ORDER BY code""", code=within).data()
