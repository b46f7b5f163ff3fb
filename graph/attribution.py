"""Reads behind a fair's follow-up: the pairs that met, their purchases, and the anchors'
purchase sums in a date window. Purchases are found through their own anchor/supplier keys
(indexed), so the reads do not depend on how purchases hang off the company nodes."""
from __future__ import annotations


def met_pairs(tx, fair_id: str, region: str) -> list[dict]:
    """Meetings of the fair that were held (attended, outcome recorded), with whether the
    supplier counts as local and the expected purchase the meeting was turned into."""
    return tx.run("""
        MATCH (m:FairMeeting {fair: $fair}) WHERE m.attended = true AND m.outcome IS NOT NULL
        MATCH (m)-[:ANCHOR]->(a:Company), (m)-[:SUPPLIER]->(s:Company)
        OPTIONAL MATCH (e:ExpectedPurchase {key: m.key})
        RETURN m.key AS key, m.anchor AS anchor, m.supplier AS supplier, m.outcome AS outcome,
               m.amount_fen AS declared_fen, e.amount_fen AS expected_fen,
               a.name AS anchor_name, s.name AS supplier_name,
               s.status = 'approved' AND EXISTS {
                   MATCH (s)-[:REGISTERED_IN]->(:Region)-[:PART_OF*0..3]->(:Region {code: $region})
               } AS local
        ORDER BY a.name, s.name
    """, fair=fair_id, region=region).data()


def pair_purchases(tx, pairs: list[list[str]]) -> list[dict]:
    """Every purchase between each [anchor, supplier] pair, any date (sought by the supplier:
    one supplier has far fewer purchases than an anchor)."""
    return tx.run("""
        UNWIND $pairs AS pair
        MATCH (p:Purchase {supplier: pair[1]}) WHERE p.anchor = pair[0]
        RETURN p.anchor AS anchor, p.supplier AS supplier, p.date AS date,
               p.amount_fen AS amount_fen
    """, pairs=pairs).data()


def local_suppliers(tx, region: str) -> list[str]:
    return tx.run("""
        MATCH (:Region {code: $region})<-[:PART_OF*0..3]-(:Region)<-[:REGISTERED_IN]
              -(s:Company {role: 'supplier', status: 'approved'})
        RETURN DISTINCT s.credit_code AS code
    """, region=region).value()


def window_totals(tx, start: str, end: str, local: list[str]) -> dict[str, dict]:
    """{anchor: {total_fen, local_fen}} over purchases dated in [start, end) (ISO dates)."""
    return {r["anchor"]: {"total_fen": r["total_fen"], "local_fen": r["local_fen"]}
            for r in tx.run("""
        MATCH (p:Purchase) WHERE p.year IN $years AND p.date >= $start AND p.date < $end
        RETURN p.anchor AS anchor, sum(p.amount_fen) AS total_fen,
               sum(CASE WHEN p.supplier IN $local THEN p.amount_fen ELSE 0 END) AS local_fen
    """, years=list(range(int(start[:4]), int(end[:4]) + 1)), start=start, end=end,
                local=local)}


# --- follow-up questions 3 and 6 months after a fair ---

def save_follow_up(tx, row: dict) -> None:
    tx.run("""
        MATCH (m:FairMeeting {key: $row.meeting})
        MERGE (f:FollowUp {key: $row.key})
        SET f.meeting = $row.meeting, f.fair = m.fair, f.company = $row.company,
            f.round = $row.round, f.status = $row.status, f.note = $row.note,
            f.answered_by = $row.actor, f.answered_at = $row.at
        MERGE (f)-[:ABOUT]->(m)
    """, row=row).consume()


def follow_ups(tx, fair_id: str) -> list[dict]:
    return tx.run("""
        MATCH (f:FollowUp {fair: $fair})
        RETURN f {.key, .meeting, .company, .round, .status, .note, .answered_at} AS answer
        ORDER BY f.round, f.meeting
    """, fair=fair_id).value()


def held_meetings_of(tx, company: str) -> list[dict]:
    """Held meetings of a company with the fair's first day, for its follow-up questions."""
    return tx.run("""
        MATCH (m:FairMeeting) WHERE (m.anchor = $company OR m.supplier = $company)
          AND m.attended = true AND m.outcome IS NOT NULL
        MATCH (f:Fair {id: m.fair}), (m)-[:ANCHOR]->(a:Company), (m)-[:SUPPLIER]->(s:Company)
        RETURN m.key AS key, m.fair AS fair, f.name AS fair_name, f.days[0] AS day,
               f.days[size(f.days) - 1] AS last_day,
               m.anchor AS anchor, m.supplier AS supplier, a.name AS anchor_name,
               s.name AS supplier_name, m.outcome AS outcome
        ORDER BY day DESC, a.name, s.name
    """, company=company).data()


def participants_of(tx, fair_id: str) -> list[str]:
    """Companies with at least one held meeting at the fair."""
    return tx.run("""
        MATCH (m:FairMeeting {fair: $fair}) WHERE m.attended = true AND m.outcome IS NOT NULL
        UNWIND [m.anchor, m.supplier] AS company
        RETURN DISTINCT company
    """, fair=fair_id).value()
