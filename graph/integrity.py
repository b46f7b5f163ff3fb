"""Integrity flags on award proposals: what the rules read (purchases of a window, companies
with the office's decisions on them) and the flags they raised, with the office's review.

(:IntegrityFlag {key: rule|anchor|year|about, active})-[:FLAGS]->(anchor:Company). A flag that no
longer fires after a recomputation is kept inactive, so its review is there if it fires again.
"""
from __future__ import annotations

FLAG_FIELDS = """.key, .rule, .anchor, .anchor_name, .year, .about, .evidence, .fingerprint,
                 .active, .computed_at, .reviewed_by, .reviewed_at, .review_comment,
                 .reviewed_fingerprint"""


def trade(tx, year: int, until: str) -> dict:
    """Who traded in award year `year` (one pass over its purchases and the next year's first
    weeks, to `until`): the suppliers bought from in `year`, every buyer, and the pairs
    ("anchor|supplier") with credit notes in the next year's weeks."""
    record = tx.run("""
        MATCH (p:Purchase) WHERE p.year IN [$year, $year + 1] AND p.date <= $until
        RETURN collect(DISTINCT CASE WHEN p.year = $year THEN p.supplier END) AS suppliers,
               collect(DISTINCT p.anchor) AS buyers,
               collect(DISTINCT CASE WHEN p.year = $year + 1 AND p.amount_fen < 0
                                     THEN p.anchor + '|' + p.supplier END) AS credited
    """, year=year, until=until).single()
    return record.data() if record else {"suppliers": [], "buyers": [], "credited": []}


# The suppliers of one anchor's year that pass the screen. Grouped by amount to count repeats;
# over the whole city at once that grouping outgrew the embedded server's query heap (1M rows).
SCREEN_PAIRS = """
    MATCH (p:Purchase {anchor: $anchor}) WITH p WHERE p.year = $year
    WITH p.supplier AS s, p.amount_fen AS amount, count(*) AS n
    WITH s, sum(CASE WHEN amount > 0 AND amount % $round_unit = 0 THEN n ELSE 0 END) AS whole,
         max(CASE WHEN amount >= $repeat_fen THEN n ELSE 0 END) AS repeats
    WHERE whole >= $round_min OR repeats >= $repeat_min OR s IN $watched OR s IN $buyers
       OR $anchor + '|' + s IN $keys
    RETURN s
"""


def screened_purchases(tx, year: int, start: str, until: str, anchors: list[str],
                       screen: dict) -> list[list]:
    """[anchor, supplier, invoice_no, date, amount_fen] from `start` to `until` (ISO dates) of
    the pairs that pass the screen (incentives/integrity.py Screen, as a dict: watched, keys
    "anchor|supplier", buyers, amounts), both directions; the amounts are screened here, one
    anchor's year at a time, so that only those pairs' purchases leave the graph."""
    amounts = screen["amounts"]
    groups = []
    for anchor in anchors:
        groups += [(anchor, s) for s in tx.run(
            SCREEN_PAIRS, anchor=anchor, year=year, round_unit=amounts["round_unit_fen"],
            round_min=amounts["round_min"], repeat_fen=amounts["repeat_min_fen"],
            repeat_min=amounts["repeat_min"], watched=screen["watched"],
            buyers=screen["buyers"], keys=screen["keys"]).value()]
    by_buyer: dict[str, set[str]] = {}
    for a, s in groups:
        by_buyer.setdefault(a, set()).add(s)
        by_buyer.setdefault(s, set()).add(a)  # what the supplier bought back, if anything
    return tx.run("""
        UNWIND $groups AS g
        MATCH (p:Purchase {anchor: g.buyer})
        WHERE p.year IN $years AND p.date >= $start AND p.date <= $until
          AND p.supplier IN g.sellers
        RETURN [p.anchor, p.supplier, p.invoice_no, p.date, p.amount_fen] AS row
    """, groups=[{"buyer": b, "sellers": sorted(s)} for b, s in sorted(by_buyer.items())],
        years=[year, year + 1], start=start, until=until).value()


def companies(tx, codes: list[str]) -> list[dict]:
    """What the rules need of each company: profile, when it joined, and the office's
    decisions on it (the audit trail's company.status events, in no particular order)."""
    decisions: dict[str, list[dict]] = {}
    for e in tx.run("""
            MATCH (e:AuditEvent {action: 'company.status'})
            RETURN substring(e.subject, 8) AS code, e.at AS at, e.before AS before,
                   e.after AS after"""):
        decisions.setdefault(e["code"], []).append(
            {"at": e["at"], "before": e["before"], "after": e["after"]})
    return [r | {"decisions": decisions.get(r["code"], [])} for r in tx.run("""
        UNWIND $codes AS code
        MATCH (c:Company {credit_code: code})
        RETURN c.credit_code AS code, c.name AS name, c.status AS status,
               c.created_at AS created_at, c.legal_representative AS legal_representative,
               c.contact_phone AS phone, c.address AS address
    """, codes=codes).data()]


def save_flags(tx, year: int, rows: list[dict], at: int) -> None:
    """The flags of `year` as just computed (rows: key, rule, anchor, anchor_name, about,
    evidence, fingerprint); earlier ones that did not fire again become inactive. Reviews stay."""
    tx.run("""
        UNWIND $rows AS row
        MERGE (f:IntegrityFlag {key: row.key})
        ON CREATE SET f.created_at = $at
        SET f.rule = row.rule, f.anchor = row.anchor, f.anchor_name = row.anchor_name,
            f.year = $year, f.about = row.about, f.evidence = row.evidence,
            f.fingerprint = row.fingerprint, f.active = true, f.computed_at = $at
        WITH f, row
        MATCH (a:Company {credit_code: row.anchor})
        MERGE (f)-[:FLAGS]->(a)
    """, rows=rows, year=year, at=at).consume()
    tx.run("""
        MATCH (f:IntegrityFlag {year: $year}) WHERE f.active AND NOT f.key IN $keys
        SET f.active = false, f.computed_at = $at
    """, year=year, keys=[r["key"] for r in rows], at=at).consume()


def flags(tx, year: int) -> list[dict]:
    """The active flags of `year`, by anchor."""
    return tx.run(f"""
        MATCH (f:IntegrityFlag {{year: $year}}) WHERE f.active
        RETURN f {{{FLAG_FIELDS}}} AS flag ORDER BY f.anchor_name, f.anchor, f.key
    """, year=year).value()


def get_flag(tx, key: str) -> dict | None:
    record = tx.run(f"MATCH (f:IntegrityFlag {{key: $key}}) RETURN f {{{FLAG_FIELDS}}} AS flag",
                    key=key).single()
    return record["flag"] if record else None


def review(tx, key: str, comment: str, actor: str, at: int) -> bool:
    """The office's review of a flag, against the evidence it saw (the flag's fingerprint)."""
    return tx.run("""
        MATCH (f:IntegrityFlag {key: $key})
        SET f.reviewed_by = $actor, f.reviewed_at = $at, f.review_comment = $comment,
            f.reviewed_fingerprint = f.fingerprint
        RETURN f.key AS key
    """, key=key, comment=comment, actor=actor, at=at).single() is not None
