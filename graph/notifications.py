"""In-app notifications. The audience is a company's credit code, or "organizers"."""
from __future__ import annotations


def create_notifications(tx, rows: list[dict]) -> None:
    """rows: id, audience, kind, subject (what the kind's sentence names), link."""
    tx.run("""
        UNWIND $rows AS row
        CREATE (:Notification {id: row.id, audience: row.audience, kind: row.kind,
                               subject: row.subject, link: row.link, read: false,
                               created_at: timestamp()})""", rows=rows).consume()


def notifications_for(tx, audiences: list[str], limit: int = 50) -> list[dict]:
    return tx.run("""
        MATCH (n:Notification) WHERE n.audience IN $audiences
        RETURN n {.id, .kind, .subject, .link, .read, .created_at} AS n
        ORDER BY n.created_at DESC LIMIT $limit""", audiences=audiences, limit=limit).value()


def unread_count(tx, audiences: list[str]) -> int:
    return tx.run("MATCH (n:Notification) WHERE n.audience IN $audiences AND NOT n.read "
                  "RETURN count(n) AS n", audiences=audiences).single()["n"]


def mark_read(tx, audiences: list[str], ids: list[str] | None) -> None:
    """The given notifications (all of the audience's when ids is None) become read."""
    tx.run("""
        MATCH (n:Notification) WHERE n.audience IN $audiences AND NOT n.read
          AND ($ids IS NULL OR n.id IN $ids)
        SET n.read = true""", audiences=audiences, ids=ids).consume()
