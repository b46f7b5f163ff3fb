"""Purchase ledger: Purchase nodes and the aggregations behind rates and awards.

A purchase is a node keyed anchor|supplier|invoice, which a relationship cannot be, so
re-imports never double count even under concurrent writers, and corrections and audit events
can name the exact record. It names its anchor, supplier and part by their codes (indexed
properties) and hangs off no company: a million purchases would otherwise append a million
edges to a few dozen anchor vertices, the slowest write of an import (measured: nodes alone
~79k rows/s, with the three per-purchase edges ~10k rows/s). What the graph needs of the
relationship is one SUPPLIED edge per supplier→anchor pair. Reads join on the codes.

Rates, awards and park output read yearly totals, not every purchase: one PurchaseTotal per
anchor, supplier and year (at 200k purchases the office home page's rates took 0.65-0.83 s
and grew with the ledger). Writing a purchase only marks its anchor's totals stale (a
StaleTotals node); the import rebuilds them once it has stored its rows, the
worker rebuilds any left stale, and until then reads sum that anchor's purchases themselves, so
a figure is never behind the ledger. Added to at each write instead, the totals had cost a
million-row import 31.7 -> 75.4 s (a synthetic ledger's pairs hardly repeat within a year).

Reads are shaped for the embedded server's index choice, in plain Cypher: purchases are found
by one code and filtered by year afterwards (`WITH p WHERE p.year = $year`: given both in the
pattern, the server seeks the year index, every purchase of the year), and the purchases of a
list of suppliers are sought supplier by supplier (`UNWIND`): `p.supplier IN $codes` compares
every purchase with the whole list there (the rates' local totals over 200k purchases:
3.7 s -> 0.3 s).
"""
from __future__ import annotations

EXISTING = """
UNWIND $keys AS k
MATCH (p:Purchase {key: k})
RETURN p.key AS key, p.amount_fen AS amount_fen, p.date AS date,
       coalesce(p.category_text, p.category, '') AS category_text
"""

CREATE = """
UNWIND $rows AS row
CREATE (p:Purchase {key: row.key, anchor: row.anchor, supplier: row.supplier,
                    invoice_no: row.invoice_no, date: row.date, year: row.year,
                    amount_fen: row.amount_fen, category: row.category,
                    category_text: row.category_text, created_at: $at, source: $source})
RETURN count(p) AS n
"""

CORRECT = """
UNWIND $rows AS row
MATCH (p:Purchase {key: row.key})
SET p.amount_fen = row.amount_fen, p.date = row.date, p.year = row.year,
    p.category = row.category, p.category_text = row.category_text, p.corrected_at = $at
RETURN count(p) AS n
"""


def existing_purchases(tx, keys: list[str]) -> dict[str, dict]:
    return {r["key"]: r for r in tx.run(EXISTING, keys=keys).data()}


# One SUPPLIED edge per supplier→anchor pair: the "prior supply to this cluster" signal of
# matching reads it without walking every purchase. Pairs come grouped by anchor, each anchor
# found once, and each pair is looked for from the supplier's side, which has few such edges.
# Only an anchor missing a pair is write-locked (Neo4j's documented way to serialize a read and
# the write that depends on it; on the embedded server two transactions writing one vertex
# conflict and one is retried) and its pairs looked for again under the lock: purchases of
# pairs that already trade write nothing to the anchor, so they never conflict. A MERGE here
# cost more per pair the more edges the anchors had, and an anchor gains thousands (180k new
# pairs: 10.2 -> 3.7 server CPU s).
LINK_SUPPLIERS = """
UNWIND $anchors AS anchor
MATCH (a:Company {credit_code: anchor.code})
UNWIND anchor.suppliers AS code
MATCH (s:Company {credit_code: code})
WHERE NOT (s)-[:SUPPLIED]->(a)
WITH a, collect(s) AS missing
SET a._lock = true REMOVE a._lock
WITH a, missing
UNWIND missing AS s
WITH a, s WHERE NOT (s)-[:SUPPLIED]->(a)
CREATE (s)-[:SUPPLIED]->(a)
"""


def create_purchases(tx, rows: list[dict], at: int, source: str) -> int:
    """Rows whose keys are new (the unique constraint rejects a concurrent duplicate), created
    at `at` (epoch s) by `source` (import, api, form); their anchors' totals are now stale."""
    if not rows:
        return 0
    mark_stale(tx, [r["anchor"] for r in rows])
    return tx.run(CREATE, rows=rows, at=at, source=source).single()["n"]


def mark_stale(tx, anchors: list[str]) -> None:
    """These anchors' yearly totals no longer match their purchases. Each anchor keeps one
    StaleTotals node, never deleted (a write waiting on a rebuild's lock never finds it gone)."""
    tx.run("UNWIND $anchors AS anchor MERGE (m:StaleTotals {anchor: anchor}) SET m.stale = true",
           anchors=sorted(set(anchors))).consume()


def stale_anchors(tx, anchors: list[str] | None = None) -> list[str]:
    """The anchors whose totals are stale (only among `anchors` if given)."""
    if anchors is None:
        return [r["anchor"] for r in tx.run(
            "MATCH (m:StaleTotals) WHERE m.stale RETURN m.anchor AS anchor")]
    return [r["anchor"] for r in tx.run(
        "UNWIND $anchors AS anchor MATCH (m:StaleTotals {anchor: anchor}) "
        "WHERE m.stale RETURN m.anchor AS anchor", anchors=anchors)]


def rebuild_totals(tx, anchor: str) -> int:
    """One anchor's totals made again from its purchases, if they are stale; returns how
    many totals were made (0: they were not stale).
    The mark is write-locked before anything is read: a write marks before it stores, so a
    write in flight is waited for (Neo4j) or one of the two is retried (the embedded server),
    and two rebuilds of one anchor run one after the other, the second finding it fresh.
    Purchases stored by a write that comes after the lock mark the anchor again."""
    mark = tx.run("MATCH (m:StaleTotals {anchor: $anchor}) SET m._lock = true REMOVE m._lock "
                  "RETURN m.stale AS stale", anchor=anchor).single()
    if not (mark and mark["stale"]):
        return 0
    tx.run("MATCH (t:PurchaseTotal {anchor: $anchor}) DELETE t", anchor=anchor).consume()
    made = tx.run("""
        MATCH (p:Purchase {anchor: $anchor})
        WITH p.supplier AS supplier, p.year AS year, sum(p.amount_fen) AS amount_fen,
             count(p) AS rows
        CREATE (t:PurchaseTotal {anchor: $anchor, supplier: supplier, year: year,
                                 amount_fen: amount_fen, rows: rows})
        RETURN count(t) AS n""", anchor=anchor).single()["n"]
    tx.run("MATCH (m:StaleTotals {anchor: $anchor}) SET m.stale = false", anchor=anchor).consume()
    return made


def rebuild_stale_totals(graph, anchors: list[str] | None = None) -> int:
    """Rebuild the stale totals (of `anchors` only, if given), one anchor per transaction (a
    city's whole ledger at once outgrows the embedded server's query memory)."""
    return sum(graph.write(rebuild_totals, anchor)
               for anchor in graph.read(stale_anchors, anchors))


def mark_untotalled_anchors(tx) -> int:
    """A ledger stored before totals were kept: every company with purchases and no totals is
    marked stale (cheap at start-up; the worker then builds them)."""
    return tx.run("""
        MATCH (c:Company)
        WHERE EXISTS { MATCH (:Purchase {anchor: c.credit_code}) }
          AND NOT EXISTS { MATCH (:PurchaseTotal {anchor: c.credit_code}) }
        MERGE (m:StaleTotals {anchor: c.credit_code}) SET m.stale = true
        RETURN count(m) AS n""").single()["n"]


def link_suppliers(tx, pairs: list[tuple[str, str]]) -> None:
    """[(anchor, supplier)]: the pairs that now trade (an import passes each pair once)."""
    suppliers: dict[str, list[str]] = {}
    for anchor, supplier in pairs:
        suppliers.setdefault(anchor, []).append(supplier)
    if suppliers:
        tx.run(LINK_SUPPLIERS, anchors=[{"code": a, "suppliers": s}
                                        for a, s in suppliers.items()]).consume()


def correct_purchases(tx, rows: list[dict], at: int) -> int:
    if not rows:
        return 0
    mark_stale(tx, [r["anchor"] for r in rows])
    return tx.run(CORRECT, rows=rows, at=at).single()["n"]


def company_roles(tx, codes: list[str]) -> dict[str, str]:
    """{credit code: role} of the known companies among `codes`."""
    return {code: c["role"] for code, c in company_standing(tx, codes).items()}


def company_standing(tx, codes: list[str]) -> dict[str, dict]:
    """{credit code: {role, status}} of the known companies among `codes`."""
    return {r["code"]: {"role": r["role"], "status": r["status"]} for r in tx.run(
        "UNWIND $codes AS code MATCH (c:Company {credit_code: code}) "
        "RETURN c.credit_code AS code, c.role AS role, c.status AS status", codes=codes)}


def material_groups(tx, anchors: list[str]) -> dict[str, str]:
    """{anchor|normalized text: part code}: how the office mapped these anchors' material
    groups (the category texts of their ERP)."""
    return {r["key"]: r["category"] for r in tx.run(
        "UNWIND $anchors AS a MATCH (g:MaterialGroup {anchor: a}) "
        "RETURN g.key AS key, g.category AS category", anchors=anchors)}


def map_material_group(tx, key: str, anchor: str, text: str, category: str) -> int:
    """Remember that `anchor`'s material group `text` is the part `category`, and file its
    purchases under it; returns how many purchases moved."""
    tx.run("""
        MERGE (g:MaterialGroup {key: $key})
        SET g.anchor = $anchor, g.text = $text, g.category = $category
    """, key=key, anchor=anchor, text=text, category=category).consume()
    return tx.run("""
        MATCH (p:Purchase {anchor: $anchor}) WHERE p.category_text = $text
        SET p.category = $category
        RETURN count(p) AS n""", anchor=anchor, text=text, category=category).single()["n"]


def unmapped_groups(tx, year: int, limit: int = 200) -> list[dict]:
    """Material groups of `year`'s purchases that no part was found for, biggest first."""
    return tx.run("""
        MATCH (p:Purchase {year: $year})
        WHERE p.category IS NULL AND coalesce(p.category_text, '') <> ''
        WITH p.anchor AS anchor, p.category_text AS text, count(p) AS rows,
             sum(p.amount_fen) AS amount_fen
        MATCH (a:Company {credit_code: anchor})
        RETURN anchor, a.name AS anchor_name, text, rows, amount_fen
        ORDER BY amount_fen DESC LIMIT $limit""", year=year, limit=limit).data()


def purchases_of(tx, anchor: str, year: int, skip: int = 0, limit: int = 100) -> list[dict]:
    return tx.run("""
        MATCH (p:Purchase {anchor: $anchor}) WITH p WHERE p.year = $year
        WITH p ORDER BY p.date DESC, p.invoice_no SKIP $skip LIMIT $limit
        OPTIONAL MATCH (s:Company {credit_code: p.supplier})
        RETURN p.invoice_no AS invoice_no, p.date AS date, p.amount_fen AS amount_fen,
               p.category AS category, p.supplier AS supplier, s.name AS supplier_name
    """, anchor=anchor, year=year, skip=skip, limit=limit).data()


# --- aggregations (run in the graph; Python only sees one row per anchor/park and year) ---

# From the yearly totals: each year sought by its own value, one anchor's by its code, the
# years filtered after; an anchor marked stale is summed from its own purchases instead.
ANCHOR_TOTALS = """
UNWIND $years AS y
MATCH (t:PurchaseTotal {year: y})
RETURN t.anchor AS anchor, t.year AS year, sum(t.amount_fen) AS total_fen, sum(t.rows) AS rows
"""
ONE_ANCHOR_TOTALS = """
MATCH (t:PurchaseTotal {anchor: $anchor}) WITH t WHERE t.year IN $years
RETURN t.anchor AS anchor, t.year AS year, sum(t.amount_fen) AS total_fen, sum(t.rows) AS rows
"""
# Stale anchors' purchases summed per supplier and year, as a total would hold them.
STALE_SUMS = """
UNWIND $anchors AS anchor
MATCH (p:Purchase {anchor: anchor}) WITH p WHERE p.year IN $years
RETURN p.anchor AS anchor, p.supplier AS supplier, p.year AS year,
       sum(p.amount_fen) AS amount_fen, count(p) AS rows
"""

# Local = the supplier is approved and registered in a division inside the policy region (any
# depth); the codes are gathered once and the totals sought by them (one anchor's totals
# filtered by them).
LOCAL_SUPPLIERS = """
MATCH (:Region {code: $region})<-[:PART_OF*0..3]-(:Region)<-[:REGISTERED_IN]
      -(s:Company {status: 'approved'})
RETURN collect(DISTINCT s.credit_code) AS codes
"""

LOCAL_TOTALS = """
UNWIND $local AS supplier
MATCH (t:PurchaseTotal {supplier: supplier}) WITH t WHERE t.year IN $years
RETURN t.anchor AS anchor, t.year AS year, sum(t.amount_fen) AS local_fen
"""
ANCHOR_LOCAL_TOTALS = """
MATCH (t:PurchaseTotal {anchor: $anchor}) WITH t WHERE t.year IN $years AND t.supplier IN $local
RETURN t.anchor AS anchor, t.year AS year, sum(t.amount_fen) AS local_fen
"""


def local_suppliers(tx, region: str) -> list[str]:
    return tx.run(LOCAL_SUPPLIERS, region=region).single()["codes"]


ANCHORS = """
MATCH (a:Company {{role: 'anchor', status: 'approved'}}) {only}
RETURN a.credit_code AS anchor, a.name AS name, a.status AS status,
       [(a)-[:IN_CLUSTER]->(k:Cluster) | k.code] AS clusters
ORDER BY a.name
"""


def anchor_year_totals(tx, years: list[int], region: str,
                       anchor: str | None = None) -> dict[tuple[str, int], dict]:
    """{(anchor, year): {total_fen, local_fen, rows}} for anchors with purchases in `years`
    (only `anchor`'s when given)."""
    stale = set(stale_anchors(tx, [anchor] if anchor else None))
    out: dict[tuple[str, int], dict] = {}

    def row(r) -> dict:  # made when first seen: a rebuild may commit between the queries
        return out.setdefault((r["anchor"], r["year"]), {"total_fen": 0, "local_fen": 0, "rows": 0})

    for r in tx.run(ONE_ANCHOR_TOTALS if anchor else ANCHOR_TOTALS, years=years, anchor=anchor):
        if r["anchor"] not in stale:
            row(r).update(total_fen=r["total_fen"], rows=r["rows"])
    local = local_suppliers(tx, region)
    for r in tx.run(ANCHOR_LOCAL_TOTALS if anchor else LOCAL_TOTALS, years=years, local=local,
                    anchor=anchor):
        if r["anchor"] not in stale:
            row(r)["local_fen"] = r["local_fen"]
    local = set(local)
    for r in tx.run(STALE_SUMS, anchors=sorted(stale), years=years):
        summed = row(r)
        summed["total_fen"] += r["amount_fen"]
        summed["rows"] += r["rows"]
        if r["supplier"] in local:
            summed["local_fen"] += r["amount_fen"]
    return out


def anchors(tx, anchor: str | None = None) -> list[dict]:
    """Every anchor company (only `anchor` when given) with its clusters."""
    only = "WHERE a.credit_code = $anchor" if anchor else ""
    return tx.run(ANCHORS.format(only=only), anchor=anchor).data()


def park_output(tx, years: list[int]) -> list[dict]:
    """Supporting output of each park: what approved anchors bought from the park's approved
    suppliers: the years' totals (a stale anchor's purchases), summed per supplier, then per
    park."""
    park_of = {r["supplier"]: r for r in tx.run("""
        MATCH (k:Park)<-[:IN_PARK]-(s:Company {status: 'approved'})
        RETURN s.credit_code AS supplier, k.code AS park, k.name AS name""")}
    anchors = tx.run("MATCH (a:Company {role: 'anchor', status: 'approved'}) "
                     "RETURN collect(a.credit_code) AS codes").single()["codes"]
    stale = set(stale_anchors(tx, anchors))
    fresh = [a for a in anchors if a not in stale]
    sums = [(r["supplier"], r["year"], r["output_fen"]) for r in tx.run("""
            UNWIND $suppliers AS supplier
            MATCH (t:PurchaseTotal {supplier: supplier})
            WITH t WHERE t.year IN $years AND t.anchor IN $anchors
            RETURN t.supplier AS supplier, t.year AS year, sum(t.amount_fen) AS output_fen
            """, years=years, suppliers=list(park_of), anchors=fresh)]
    sums += [(r["supplier"], r["year"], r["amount_fen"])
             for r in tx.run(STALE_SUMS, anchors=sorted(stale), years=years)
             if r["supplier"] in park_of]
    totals: dict[tuple[str, int], dict] = {}
    for supplier, year, fen in sums:
        park = park_of[supplier]
        row = totals.setdefault((park["park"], year), {
            "park": park["park"], "name": park["name"], "year": year, "output_fen": 0})
        row["output_fen"] += fen
    return [totals[k] for k in sorted(totals)]


# --- confirmed prior-year figures (for R1 when the ledger has no data for that year) ---

def set_baseline(tx, anchor: str, year: int, local_fen: int, actor: str, at: int) -> dict | None:
    record = tx.run("""
        MATCH (a:Company {credit_code: $anchor})
        MERGE (b:Baseline {key: $key})
        ON CREATE SET b.anchor = $anchor, b.year = $year
        WITH a, b, b.local_fen AS before
        SET b.local_fen = $local_fen, b.entered_by = $actor, b.entered_at = $at
        MERGE (a)-[:HAS_BASELINE]->(b)
        RETURN before
    """, anchor=anchor, year=year, key=f"{anchor}|{year}", local_fen=local_fen, actor=actor,
        at=at).single()
    return None if record is None else {"before": record["before"]}


def baselines(tx, year: int) -> dict[str, int]:
    return {r["anchor"]: r["local_fen"] for r in tx.run(
        "MATCH (b:Baseline {year: $year}) RETURN b.anchor AS anchor, b.local_fen AS local_fen",
        year=year)}
