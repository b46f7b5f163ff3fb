"""Matchmaking fairs: the fair, who registered (with free slots), the proposed and requested
meetings between an anchor and a supplier (one node per pair and fair), and their outcomes.

(:Company)-[:REGISTERED]->(:FairRegistration)-[:FOR]->(:Fair)
(:Company {anchor})<-[:ANCHOR]-(:FairMeeting)-[:SUPPLIER]->(:Company), (:FairMeeting)-[:AT]->(:Fair)
(:ExpectedPurchase)-[:FROM_MEETING]->(:FairMeeting)
"""
from __future__ import annotations

FAIR_FIELDS = """.id, .name, .cluster, .venue, .days, .day_start, .day_end, .slot_minutes,
                 .breaks, .tables, .registration_opens, .registration_closes, .min_meetings,
                 .max_meetings, .request_expiry_hours, .status, .created_by, .created_at,
                 .schedule_report, .priority_groups, .weight_expected_value"""
MEETING_FIELDS = """.key, .fair, .anchor, .supplier, .need, .need_title, .fit, .tier, .reasons,
                    .anchor_pref, .supplier_pref, .status, .requested_by, .requested_at,
                    .expires_at, .slot, .table, .published, .attended, .outcome, .amount_fen,
                    .outcome_note"""


def create_fair(tx, fair: dict) -> None:
    tx.run("""
        CREATE (f:Fair) SET f = $fair
        WITH f OPTIONAL MATCH (c:Cluster {code: $fair.cluster})
        FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | CREATE (f)-[:FOR_CLUSTER]->(c))
    """, fair=fair).consume()


def get_fair(tx, fair_id: str) -> dict | None:
    record = tx.run(f"MATCH (f:Fair {{id: $id}}) RETURN f {{{FAIR_FIELDS}}} AS fair",
                    id=fair_id).single()
    return record["fair"] if record else None


def list_fairs(tx) -> list[dict]:
    return tx.run(f"""
        MATCH (f:Fair)
        OPTIONAL MATCH (r:FairRegistration {{fair: f.id}})
        WITH f, count(r) AS registered
        RETURN f {{{FAIR_FIELDS}, registered: registered}} AS fair
        ORDER BY f.days[0] DESC, f.id
    """).value()


def register(tx, row: dict) -> None:
    """Create or update one company's registration (its free slots) for a fair."""
    tx.run("""
        MATCH (f:Fair {id: $row.fair}), (c:Company {credit_code: $row.company})
        MERGE (r:FairRegistration {key: $row.key})
        ON CREATE SET r.fair = $row.fair, r.company = $row.company, r.role = $row.role,
                      r.registered_at = $row.at, r.checked_in = false
        SET r.available = $row.available, r.updated_at = $row.at
        MERGE (c)-[:REGISTERED]->(r)
        MERGE (r)-[:FOR]->(f)
    """, row=row).consume()


def registrations(tx, fair_id: str) -> list[dict]:
    return tx.run("""
        MATCH (r:FairRegistration {fair: $fair})<-[:REGISTERED]-(c:Company)
        RETURN r {.key, .company, .role, .available, .checked_in, .checked_in_at,
                  .registered_at, name: c.name, region: c.region} AS registration
        ORDER BY r.role, c.name
    """, fair=fair_id).value()


def set_checked_in(tx, fair_id: str, company: str, checked_in: bool, at: int) -> bool:
    return tx.run("""
        MATCH (r:FairRegistration {key: $key})
        SET r.checked_in = $checked_in, r.checked_in_at = CASE WHEN $checked_in THEN $at END
        RETURN r.key
    """, key=f"{fair_id}|{company}", checked_in=checked_in, at=at).single() is not None


# Proposal reasons stored before explanations stopped naming the anchors a supplier supplied
# ("曾配套 <anchors>", from other anchors' ledgers); later ones say how many.
NAMED_SUPPLY_REASON = '{"msgid": "曾配套 %(anchors)s"'


def drop_named_supply_reasons(tx) -> int:
    """Remove those reasons from stored proposals; idempotent. Filtered here, not in Cypher:
    the embedded server failed on a list predicate over the stored lists."""
    changed = [{"key": r["key"], "reasons": kept} for r in tx.run(
        "MATCH (m:FairMeeting) WHERE m.reasons IS NOT NULL RETURN m.key AS key, "
        "m.reasons AS reasons")
        if len(kept := [x for x in r["reasons"] if not str(x).startswith(NAMED_SUPPLY_REASON)])
        < len(r["reasons"])]
    tx.run("UNWIND $rows AS row MATCH (m:FairMeeting {key: row.key}) SET m.reasons = row.reasons",
           rows=changed).consume()
    return len(changed)


def add_proposals(tx, rows: list[dict]) -> int:
    """Store proposed pairs; an existing pair keeps its preferences and status, only its need,
    fit, tier and reasons are refreshed."""
    return tx.run("""
        UNWIND $rows AS row
        MATCH (a:Company {credit_code: row.anchor}), (s:Company {credit_code: row.supplier}),
              (f:Fair {id: row.fair})
        MERGE (m:FairMeeting {key: row.key})
        ON CREATE SET m.fair = row.fair, m.anchor = row.anchor, m.supplier = row.supplier,
                      m.status = 'proposed', m.published = false, m.created_at = row.at
        SET m.need = row.need, m.need_title = row.need_title, m.fit = row.fit, m.tier = row.tier,
            m.reasons = row.reasons
        MERGE (m)-[:ANCHOR]->(a)
        MERGE (m)-[:SUPPLIER]->(s)
        MERGE (m)-[:AT]->(f)
        RETURN count(m) AS n
    """, rows=rows).single()["n"]


def meetings(tx, fair_id: str, company: str | None = None,
             statuses: list[str] | None = None) -> list[dict]:
    return tx.run(f"""
        MATCH (m:FairMeeting {{fair: $fair}})
        WHERE ($company IS NULL OR m.anchor = $company OR m.supplier = $company)
          AND ($statuses IS NULL OR m.status IN $statuses)
        MATCH (m)-[:ANCHOR]->(a:Company), (m)-[:SUPPLIER]->(s:Company)
        RETURN m {{{MEETING_FIELDS}, anchor_name: a.name, supplier_name: s.name,
                   supplier_region: s.region}} AS meeting
        ORDER BY m.fit DESC, m.key
    """, fair=fair_id, company=company, statuses=statuses).value()


def get_meeting(tx, key: str) -> dict | None:
    record = tx.run(f"""
        MATCH (m:FairMeeting {{key: $key}})-[:ANCHOR]->(a:Company), (m)-[:SUPPLIER]->(s:Company)
        RETURN m {{{MEETING_FIELDS}, anchor_name: a.name, supplier_name: s.name}} AS meeting
    """, key=key).single()
    return record["meeting"] if record else None


def update_meeting(tx, key: str, changes: dict, expected_status: list[str] | None = None) -> bool:
    """Apply changes if the meeting is still in one of `expected_status`, so two people
    answering at once cannot both win. The version bump takes the node's write lock before the
    check: under read committed (Neo4j) the check then sees the other answer once committed."""
    return tx.run("""
        MATCH (m:FairMeeting {key: $key})
        SET m.version = coalesce(m.version, 0) + 1
        WITH m WHERE $expected IS NULL OR m.status IN $expected
        SET m += $changes
        RETURN m.key
    """, key=key, changes=changes, expected=expected_status).single() is not None


def expire_requests(tx, fair_id: str, now: int) -> int:
    return tx.run("""
        MATCH (m:FairMeeting {fair: $fair, status: 'requested'}) WHERE m.expires_at <= $now
        SET m.status = 'expired'
        RETURN count(m) AS n
    """, fair=fair_id, now=now).single()["n"]


def save_schedule(tx, fair_id: str, placements: list[dict], report: dict) -> None:
    """Replace the fair's unpublished placement in one transaction: clear every accepted
    meeting's slot, set the new ones, store the solver's report on the fair."""
    tx.run("""
        MATCH (m:FairMeeting {fair: $fair}) WHERE m.slot IS NOT NULL OR m.table IS NOT NULL
        SET m.slot = null, m.table = null
    """, fair=fair_id).consume()
    tx.run("""
        UNWIND $rows AS row
        MATCH (m:FairMeeting {key: row.key})
        SET m.slot = row.slot, m.table = row.table
    """, rows=placements).consume()
    tx.run("MATCH (f:Fair {id: $fair}) SET f.schedule_report = $report, f.status = 'scheduled'",
           fair=fair_id, report=report).consume()


def meeting_context(tx, fair_id: str, year: int, local: list[str], since: str) -> list[dict]:
    """Per accepted meeting, what priorities weigh: the need's part, the anchor's spend outside
    the city (suppliers not in `local`) on that part in `year`, the categories of the anchor's
    open needs, and whether the supplier joined the platform on or after `since`."""
    return tx.run("""
        MATCH (m:FairMeeting {fair: $fair, status: 'accepted'})
        MATCH (s:Company {credit_code: m.supplier})
        OPTIONAL MATCH (:Need {id: m.need})-[:FOR_CATEGORY]->(k:Category)
        CALL {
            WITH m, k
            OPTIONAL MATCH (p:Purchase {anchor: m.anchor})
            WHERE p.year = $year AND p.category = k.code AND NOT p.supplier IN $local
            RETURN coalesce(sum(p.amount_fen), 0) AS outside_fen
        }
        RETURN m.key AS key, m.anchor AS anchor, m.fit AS fit, k.code AS category,
               outside_fen, s.created_at >= datetime($since) AS new_supplier,
               [(:Company {credit_code: m.anchor})-[:POSTED]->(:Need {status: 'open'})
                 -[:FOR_CATEGORY]->(c:Category) | c.code] AS open_need_categories
    """, fair=fair_id, year=year, local=local, since=since).data()


def release_and_place(tx, released: list[str], placements: list[dict]) -> None:
    """On the day: no-show meetings give up their slot (their no-show stays on record) and
    standby meetings take free cells, published at once."""
    tx.run("""
        UNWIND $keys AS key
        MATCH (m:FairMeeting {key: key})
        SET m.released_slot = m.slot, m.slot = null, m.table = null
    """, keys=released).consume()
    tx.run("""
        UNWIND $rows AS row
        MATCH (m:FairMeeting {key: row.key}) WHERE m.slot IS NULL
        SET m.slot = row.slot, m.table = row.table, m.published = true, m.standby = true
    """, rows=placements).consume()


def publish(tx, fair_id: str) -> int:
    count = tx.run("""
        MATCH (m:FairMeeting {fair: $fair})
        SET m.published = (m.slot IS NOT NULL)
        RETURN count(CASE WHEN m.slot IS NOT NULL THEN 1 END) AS n
    """, fair=fair_id).single()["n"]
    tx.run("MATCH (f:Fair {id: $fair}) SET f.status = 'published'", fair=fair_id).consume()
    return count


def create_expected_purchase(tx, row: dict) -> bool:
    """One expected purchase per signed meeting (the key is the meeting's)."""
    record = tx.run("""
        MATCH (m:FairMeeting {key: $row.key, outcome: 'contract'})
        MATCH (a:Company {credit_code: m.anchor}), (s:Company {credit_code: m.supplier})
        MERGE (e:ExpectedPurchase {key: $row.key})
        ON CREATE SET e.anchor = m.anchor, e.supplier = m.supplier, e.amount_fen = m.amount_fen,
                      e.year = $row.year, e.fair = m.fair, e.created_by = $row.actor,
                      e.created_at = $row.at
        MERGE (e)-[:FROM_MEETING]->(m)
        MERGE (a)-[:EXPECTS]->(e)
        MERGE (e)-[:FROM]->(s)
        RETURN e.key
    """, row=row).single()
    return record is not None


def expected_purchases(tx, fair_id: str | None = None, anchor: str | None = None) -> list[dict]:
    return tx.run("""
        MATCH (a:Company)-[:EXPECTS]->(e:ExpectedPurchase)-[:FROM]->(s:Company)
        WHERE ($fair IS NULL OR e.fair = $fair) AND ($anchor IS NULL OR e.anchor = $anchor)
        RETURN e {.key, .anchor, .supplier, .amount_fen, .year, .fair, anchor_name: a.name,
                  supplier_name: s.name} AS expected
        ORDER BY e.year, a.name, s.name
    """, fair=fair_id, anchor=anchor).value()


def attended_by(tx, company: str) -> list[dict]:
    """Fairs the company registered for, newest first, with whether it checked in."""
    return tx.run("""
        MATCH (:Company {credit_code: $company})-[:REGISTERED]->(r:FairRegistration)-[:FOR]->(f:Fair)
        RETURN f.id AS id, f.name AS name, f.days AS days, r.checked_in AS checked_in
        ORDER BY f.days[0] DESC
    """, company=company).data()
