"""Reads behind each role's home page (the figures an office, an anchor or a supplier sees
first). Aggregations stay in the graph; Python sees a few rows."""
from __future__ import annotations


def interest_by_need(tx, company: str, since_ms: int) -> list[dict]:
    """The company's open needs with how many suppliers said they can supply, and how many of
    them since `since_ms` (epoch milliseconds)."""
    return tx.run("""
        MATCH (:Company {credit_code: $company})-[:POSTED]->(n:Need {status: 'open'})
        OPTIONAL MATCH (s:Company {status: 'approved'})-[i:INTERESTED_IN]->(n)
        WITH n, count(i) AS interested, count(CASE WHEN i.at >= $since THEN 1 END) AS new
        RETURN n.id AS id, n.title AS title, interested, new
        ORDER BY new DESC, interested DESC, n.title
    """, company=company, since=since_ms).data()


def next_fairs(tx, today: str, limit: int = 3) -> list[dict]:
    return tx.run("""
        MATCH (f:Fair) WHERE f.days[size(f.days) - 1] >= $today
        OPTIONAL MATCH (r:FairRegistration {fair: f.id})
        WITH f, count(r) AS registered
        RETURN f.id AS id, f.name AS name, f.days AS days, f.venue AS venue, f.status AS status,
               registered
        ORDER BY f.days[0] LIMIT $limit
    """, today=today, limit=limit).data()


def requests_to_answer(tx, company: str) -> list[dict]:
    """Meeting requests the company has been sent and not yet answered."""
    return tx.run("""
        MATCH (m:FairMeeting {status: 'requested'})
        WHERE (m.anchor = $company AND m.requested_by = 'supplier')
           OR (m.supplier = $company AND m.requested_by = 'anchor')
        MATCH (f:Fair {id: m.fair}), (m)-[:ANCHOR]->(a:Company), (m)-[:SUPPLIER]->(s:Company)
        RETURN m.fair AS fair, f.name AS fair_name, m.expires_at AS expires_at,
               CASE WHEN m.anchor = $company THEN s.name ELSE a.name END AS counterpart
        ORDER BY m.expires_at
    """, company=company).data()


def upcoming_meetings(tx, company: str, today: str) -> list[dict]:
    """The company's published meetings at fairs not yet over, in time order."""
    return tx.run("""
        MATCH (m:FairMeeting {status: 'accepted'})
        WHERE (m.anchor = $company OR m.supplier = $company) AND m.slot IS NOT NULL
        MATCH (f:Fair {id: m.fair, status: 'published'})
        WHERE f.days[size(f.days) - 1] >= $today
        MATCH (m)-[:ANCHOR]->(a:Company), (m)-[:SUPPLIER]->(s:Company)
        RETURN m.fair AS fair, f.name AS fair_name, m.slot AS slot, m.table AS table,
               CASE WHEN m.anchor = $company THEN s.name ELSE a.name END AS counterpart
        ORDER BY f.days[0], m.slot
    """, company=company, today=today).data()
