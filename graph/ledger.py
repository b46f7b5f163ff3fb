"""Purchase ledger: Purchase nodes and the aggregations behind rates and awards.

A purchase is a node keyed anchor|supplier|invoice, which a relationship cannot be, so
re-imports never double count even under concurrent writers, and corrections and audit events
can name the exact record. It names its anchor, supplier and part by their codes (indexed
properties) and hangs off no company: a million purchases would otherwise append a million
edges to a few dozen anchor vertices, the slowest write of an import (measured: nodes alone
~79k rows/s, with the three per-purchase edges ~10k rows/s). What the graph needs of the
relationship is one SUPPLIED edge per supplier→anchor pair. Reads join on the codes.

Rates and awards read yearly totals, not purchases: one PurchaseTotal node per anchor, supplier
and year (amount_fen, rows), kept in the transaction that creates or corrects its purchases, so
the office's home page reads a few thousand totals instead of every purchase of the year (at
200k purchases the rates took 0.65 s a page, and grew with the ledger). `rebuild_totals` makes
them again from the purchases (at start-up when there are none yet, or by hand).

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
WITH p, row, p.year AS old_year, p.amount_fen AS old_amount
SET p.amount_fen = row.amount_fen, p.date = row.date, p.year = row.year,
    p.category = row.category, p.category_text = row.category_text, p.corrected_at = $at
RETURN p.anchor AS anchor, p.supplier AS supplier, old_year, old_amount,
       row.year AS year, row.amount_fen AS amount_fen
"""

# Added to the totals under a write lock on each (Neo4j's documented way to make a read and the
# write that depends on it atomic; the embedded server retries one of two conflicting writers).
ADD_TOTALS = """
UNWIND $totals AS t
MERGE (y:PurchaseTotal {key: t.key})
ON CREATE SET y.anchor = t.anchor, y.supplier = t.supplier, y.year = t.year,
              y.amount_fen = 0, y.rows = 0
SET y._lock = true REMOVE y._lock
WITH y, t
SET y.amount_fen = y.amount_fen + t.amount_fen, y.rows = y.rows + t.rows
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
    at `at` (epoch s) by `source` (import, api, form); their totals follow."""
    if not rows:
        return 0
    created = tx.run(CREATE, rows=rows, at=at, source=source).single()["n"]
    _add_totals(tx, [(r["anchor"], r["supplier"], r["year"], r["amount_fen"], 1) for r in rows])
    return created


def _add_totals(tx, changes: list[tuple[str, str, int, int, int]]) -> None:
    """(anchor, supplier, year, amount_fen, rows) changes, summed per total first."""
    summed: dict[tuple[str, str, int], list[int]] = {}
    for anchor, supplier, year, amount, rows in changes:
        total = summed.setdefault((anchor, supplier, year), [0, 0])
        total[0] += amount
        total[1] += rows
    tx.run(ADD_TOTALS, totals=[
        {"key": total_key(a, s, y), "anchor": a, "supplier": s, "year": y,
         "amount_fen": amount, "rows": rows}
        for (a, s, y), (amount, rows) in summed.items() if amount or rows]).consume()


def total_key(anchor: str, supplier: str, year: int) -> str:
    return f"{anchor}|{supplier}|{year}"


def link_suppliers(tx, pairs: list[tuple[str, str]]) -> None:
    """[(anchor, supplier)]: the pairs that now trade (an import passes each pair once)."""
    suppliers: dict[str, list[str]] = {}
    for anchor, supplier in pairs:
        suppliers.setdefault(anchor, []).append(supplier)
    if suppliers:
        tx.run(LINK_SUPPLIERS, anchors=[{"code": a, "suppliers": s}
                                        for a, s in suppliers.items()]).consume()


def correct_purchases(tx, rows: list[dict], at: int) -> int:
    """New amount, date and part for stored purchases; their totals move with them (a new
    date may move a purchase to another year)."""
    if not rows:
        return 0
    corrected = tx.run(CORRECT, rows=rows, at=at).data()
    _add_totals(tx, [change for c in corrected for change in (
        (c["anchor"], c["supplier"], c["old_year"], -c["old_amount"], -1),
        (c["anchor"], c["supplier"], c["year"], c["amount_fen"], 1))])
    return len(corrected)


def rebuild_totals(tx, anchor: str) -> int:
    """One anchor's totals made again from its purchases; returns how many."""
    tx.run("MATCH (t:PurchaseTotal {anchor: $anchor}) DELETE t", anchor=anchor).consume()
    return tx.run("""
        MATCH (p:Purchase {anchor: $anchor})
        WITH p.supplier AS supplier, p.year AS year, sum(p.amount_fen) AS amount_fen,
             count(p) AS rows
        CREATE (t:PurchaseTotal {key: $anchor + '|' + supplier + '|' + toString(year),
                                 anchor: $anchor, supplier: supplier, year: year,
                                 amount_fen: amount_fen, rows: rows})
        RETURN count(t) AS n""", anchor=anchor).single()["n"]


def rebuild_all_totals(graph) -> int:
    """Every anchor's totals made again, one anchor per transaction (a city's whole ledger at
    once outgrows the embedded server's query memory); returns how many."""
    codes = graph.read(lambda tx: [r["code"] for r in tx.run(
        "MATCH (c:Company) RETURN c.credit_code AS code")])
    return sum(graph.write(rebuild_totals, code) for code in codes)


def totals_missing(tx) -> bool:
    """Purchases are stored but no totals yet (a ledger imported before totals were kept)."""
    return tx.run("""
        OPTIONAL MATCH (p:Purchase) WITH p LIMIT 1
        OPTIONAL MATCH (t:PurchaseTotal) WITH p, t LIMIT 1
        RETURN p IS NOT NULL AND t IS NULL AS missing""").single()["missing"]


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
# years filtered after.
ANCHOR_TOTALS = """
UNWIND $years AS y
MATCH (t:PurchaseTotal {year: y})
RETURN t.anchor AS anchor, t.year AS year, sum(t.amount_fen) AS total_fen, sum(t.rows) AS rows
"""
ONE_ANCHOR_TOTALS = """
MATCH (t:PurchaseTotal {anchor: $anchor}) WITH t WHERE t.year IN $years
RETURN t.anchor AS anchor, t.year AS year, sum(t.amount_fen) AS total_fen, sum(t.rows) AS rows
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
    out = {(r["anchor"], r["year"]): {"total_fen": r["total_fen"], "local_fen": 0,
                                      "rows": r["rows"]}
           for r in tx.run(ONE_ANCHOR_TOTALS if anchor else ANCHOR_TOTALS, years=years,
                           anchor=anchor)}
    local = local_suppliers(tx, region)
    for r in tx.run(ANCHOR_LOCAL_TOTALS if anchor else LOCAL_TOTALS, years=years, local=local,
                    anchor=anchor):
        out[(r["anchor"], r["year"])]["local_fen"] = r["local_fen"]
    return out


def anchors(tx, anchor: str | None = None) -> list[dict]:
    """Every anchor company (only `anchor` when given) with its clusters."""
    only = "WHERE a.credit_code = $anchor" if anchor else ""
    return tx.run(ANCHORS.format(only=only), anchor=anchor).data()


def park_output(tx, years: list[int]) -> list[dict]:
    """Supporting output of each park: what approved anchors bought from the park's approved
    suppliers. From the years' totals, summed per supplier, then per park."""
    park_of = {r["supplier"]: r for r in tx.run("""
        MATCH (k:Park)<-[:IN_PARK]-(s:Company {status: 'approved'})
        RETURN s.credit_code AS supplier, k.code AS park, k.name AS name""")}
    anchors = tx.run("MATCH (a:Company {role: 'anchor', status: 'approved'}) "
                     "RETURN collect(a.credit_code) AS codes").single()["codes"]
    totals: dict[tuple[str, int], dict] = {}
    for r in tx.run("""
            UNWIND $suppliers AS supplier
            MATCH (t:PurchaseTotal {supplier: supplier})
            WITH t WHERE t.year IN $years AND t.anchor IN $anchors
            RETURN t.supplier AS supplier, t.year AS year, sum(t.amount_fen) AS output_fen
            """, years=years, suppliers=list(park_of), anchors=anchors):
        park = park_of[r["supplier"]]
        row = totals.setdefault((park["park"], r["year"]), {
            "park": park["park"], "name": park["name"], "year": r["year"], "output_fen": 0})
        row["output_fen"] += r["output_fen"]
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
