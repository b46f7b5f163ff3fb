"""Append-only audit trail: who did what to which record, with the state before and after."""
from __future__ import annotations

import json
import time
import uuid


def event(actor: str, action: str, subject: str, before=None, after=None) -> dict:
    return {"id": uuid.uuid4().hex, "at": int(time.time()), "actor": actor, "action": action,
            "subject": subject,
            "before": None if before is None else json.dumps(before, ensure_ascii=False),
            "after": None if after is None else json.dumps(after, ensure_ascii=False)}


def record(tx, events: list[dict]) -> None:
    if events:
        tx.run("""
            UNWIND $events AS e
            CREATE (:AuditEvent {id: e.id, at: e.at, actor: e.actor, action: e.action,
                                 subject: e.subject, before: e.before, after: e.after})
        """, events=events).consume()


def events(tx, subject_prefix: str | None = None, limit: int = 200) -> list[dict]:
    rows = tx.run("""
        MATCH (e:AuditEvent)
        WHERE $prefix IS NULL OR e.subject STARTS WITH $prefix
        RETURN e {.id, .at, .actor, .action, .subject, .before, .after} AS e
        ORDER BY e.at DESC, e.id LIMIT $limit
    """, prefix=subject_prefix, limit=limit).value()
    for row in rows:
        for side in ("before", "after"):
            row[side] = json.loads(row[side]) if row[side] else None
    return rows
