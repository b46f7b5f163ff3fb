"""Reference data: regions (GB/T 2260 hierarchy), parks, clusters, category taxonomy."""
from __future__ import annotations

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


def merge_parks(tx, rows: list[dict]) -> None:
    tx.run("""
        UNWIND $rows AS row
        MATCH (region:Region {code: row.region})
        MERGE (p:Park {code: row.code})
        SET p.name = row.name
        MERGE (p)-[:LOCATED_IN]->(region)
    """, rows=rows).consume()


def merge_clusters(tx, rows: list[dict]) -> None:
    tx.run("""
        UNWIND $rows AS row
        MERGE (c:Cluster {code: row.code})
        SET c.name = row.name, c.name_en = row.name_en
    """, rows=rows).consume()


def merge_categories(tx, rows: list[dict]) -> None:
    """rows: code, name, name_en, parent (None for a top-level category)."""
    tx.run("""
        UNWIND $rows AS row
        MERGE (c:Category {code: row.code})
        SET c.name = row.name, c.name_en = row.name_en
    """, rows=rows).consume()
    tx.run("""
        UNWIND $rows AS row
        MATCH (c:Category {code: row.code}), (p:Category {code: row.parent})
        MERGE (c)-[:SUBCATEGORY_OF]->(p)
    """, rows=[r for r in rows if r.get("parent")]).consume()


def list_clusters(tx) -> list[dict]:
    return tx.run("MATCH (c:Cluster) RETURN c.code AS code, c.name AS name, "
                  "c.name_en AS name_en ORDER BY code").data()


def list_parks(tx) -> list[dict]:
    return tx.run("""
        MATCH (p:Park)-[:LOCATED_IN]->(r:Region)
        RETURN p.code AS code, p.name AS name, r.code AS region, r.name AS region_name
        ORDER BY code""").data()


def list_categories(tx) -> list[dict]:
    return tx.run("""
        MATCH (c:Category)
        OPTIONAL MATCH (c)-[:SUBCATEGORY_OF]->(p:Category)
        RETURN c.code AS code, c.name AS name, c.name_en AS name_en, p.code AS parent
        ORDER BY code""").data()


def regions_within(tx, code: str) -> list[str]:
    return [r["code"] for r in tx.run(
        "MATCH (r:Region)-[:PART_OF*0..3]->(:Region {code: $code}) RETURN r.code AS code",
        code=code)]


def list_regions(tx, within: str) -> list[dict]:
    """Regions inside `within` (districts and counties of the city), for filters."""
    return tx.run("""
        MATCH (r:Region)-[:PART_OF*1..3]->(:Region {code: $code})
        RETURN r.code AS code, r.name AS name ORDER BY code""", code=within).data()
