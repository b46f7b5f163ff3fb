"""An anchor's marks on suppliers for one need, and suppliers' interest in needs."""
from __future__ import annotations


def set_mark(tx, need_id: str, supplier: str, status: str | None) -> None:
    """status: "shortlisted", "engaged", or None to remove the mark."""
    tx.run("""
        MATCH (n:Need {id: $need}), (s:Company {credit_code: $supplier})
        OPTIONAL MATCH (n)-[old:MARKED]->(s)
        DELETE old
        WITH n, s WHERE $status IS NOT NULL
        CREATE (n)-[:MARKED {status: $status, at: timestamp()}]->(s)
    """, need=need_id, supplier=supplier, status=status).consume()


def marks_of(tx, need_id: str) -> dict[str, str]:
    return {r["supplier"]: r["status"] for r in tx.run("""
        MATCH (:Need {id: $need})-[m:MARKED]->(s:Company)
        RETURN s.credit_code AS supplier, m.status AS status""", need=need_id)}


def marked_suppliers(tx, need_id: str) -> list[dict]:
    """Shortlisted and engaged suppliers with their contacts (the anchor will call them); only
    approved suppliers, whatever was marked."""
    return tx.run("""
        MATCH (:Need {id: $need})-[m:MARKED]->(s:Company {status: 'approved', role: 'supplier'})
        RETURN s.credit_code AS credit_code, s.name AS name, s.contact_name AS contact_name,
               s.contact_phone AS contact_phone, m.status AS status
        ORDER BY m.status DESC, s.name""", need=need_id).data()


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
