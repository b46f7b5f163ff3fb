"""An anchor's marks (judgments) on suppliers for one need, and suppliers' interest in needs."""
from __future__ import annotations


def set_mark(tx, need_id: str, supplier: str, status: str | None, reason: str = "",
             by: str | None = None) -> None:
    """The anchor's judgment of a supplier for a need, one per pair (key need|supplier):
    "shortlisted", "engaged", "not_a_fit" (with its reason, which may be empty), or None to
    remove it. Judgments are also what `train-ranker` learns from."""
    if status is None:
        tx.run("MATCH (j:Judgment {key: $key}) DETACH DELETE j",
               key=f"{need_id}|{supplier}").consume()
        return
    tx.run("""
        MATCH (n:Need {id: $need}), (s:Company {credit_code: $supplier})
        MERGE (j:Judgment {key: $key})
        ON CREATE SET j.need = $need, j.supplier = $supplier
        SET j.status = $status, j.reason = $reason, j.by = $by, j.at = timestamp()
        MERGE (n)-[:JUDGED]->(j)
        MERGE (j)-[:ABOUT]->(s)
    """, need=need_id, supplier=supplier, key=f"{need_id}|{supplier}", status=status,
           reason=reason, by=by).consume()


def marks_of(tx, need_id: str) -> dict[str, dict]:
    """{supplier: {status, reason}} of a need's judgments."""
    return {r["supplier"]: {"status": r["status"], "reason": r["reason"]} for r in tx.run("""
        MATCH (j:Judgment {need: $need})
        RETURN j.supplier AS supplier, j.status AS status, j.reason AS reason""", need=need_id)}


def marked_suppliers(tx, need_id: str) -> list[dict]:
    """Shortlisted and engaged suppliers with their contacts (the anchor will call them); only
    approved suppliers, whatever was marked."""
    return tx.run("""
        MATCH (j:Judgment {need: $need})-[:ABOUT]->(s:Company)
        WHERE j.status IN ['shortlisted', 'engaged'] AND s.status = 'approved'
          AND s.role = 'supplier'
        RETURN s.credit_code AS credit_code, s.name AS name, s.contact_name AS contact_name,
               s.contact_phone AS contact_phone, j.status AS status
        ORDER BY j.status DESC, s.name""", need=need_id).data()


def judgments(tx) -> list[dict]:
    """Every judgment, for training the re-ranker."""
    return tx.run("""
        MATCH (j:Judgment)
        RETURN j.need AS need, j.supplier AS supplier, j.status AS status, j.reason AS reason
        ORDER BY j.key""").data()


def marks_to_judgments(tx) -> int:
    """Marks stored before judgments (MARKED relationships) become judgments; idempotent."""
    return tx.run("""
        MATCH (n:Need)-[m:MARKED]->(s:Company)
        MERGE (j:Judgment {key: n.id + '|' + s.credit_code})
        ON CREATE SET j.need = n.id, j.supplier = s.credit_code, j.status = m.status,
                      j.reason = '', j.at = m.at
        MERGE (n)-[:JUDGED]->(j)
        MERGE (j)-[:ABOUT]->(s)
        DELETE m
        RETURN count(j) AS n""").single()["n"]


def add_interest(tx, need_id: str, supplier: str, message: str) -> bool:
    """False when the supplier had already said it is interested."""
    record = tx.run("""
        MATCH (n:Need {id: $need}), (s:Company {credit_code: $supplier})
        OPTIONAL MATCH (s)-[old:INTERESTED_IN]->(n)
        WITH n, s, old WHERE old IS NULL
        CREATE (s)-[:INTERESTED_IN {message: $message, at: timestamp()}]->(n)
        RETURN count(*) AS n""", need=need_id, supplier=supplier, message=message).single()
    return bool(record and record["n"])


def interested_in(tx, need_id: str) -> list[dict]:
    return tx.run("""
        MATCH (s:Company {status: 'approved', role: 'supplier'})
              -[i:INTERESTED_IN]->(:Need {id: $need})
        RETURN s.credit_code AS credit_code, s.name AS name, s.contact_name AS contact_name,
               s.contact_phone AS contact_phone, i.message AS message, i.at AS at
        ORDER BY i.at DESC""", need=need_id).data()


def interests_of(tx, supplier: str) -> list[str]:
    return tx.run("MATCH (:Company {credit_code: $s})-[:INTERESTED_IN]->(n:Need) RETURN n.id",
                  s=supplier).value()
