"""Award records (proposals and decisions). Key: rule|subject|year|seq; seq 0 is the original
award, later seqs are adjustments opened when data change after approval."""
from __future__ import annotations

FIELDS = """.key, .base, .seq, .kind, .rule, .subject, .subject_name, .year, .amount_fen,
            .status, .reason, .reason_text, .calculation, .superseded_by, .created_at,
            .updated_at, .decided_by, .decided_at, .comment"""


def awards(tx, year: int | None = None, subject: str | None = None,
           status: str | None = None) -> list[dict]:
    return tx.run(f"""
        MATCH (a:Award)
        WHERE ($year IS NULL OR a.year = $year) AND ($subject IS NULL OR a.subject = $subject)
          AND ($status IS NULL OR a.status = $status)
        RETURN a {{{FIELDS}}} AS award ORDER BY a.year DESC, a.rule, a.subject, a.seq
    """, year=year, subject=subject, status=status).value()


def get_award(tx, key: str) -> dict | None:
    record = tx.run(f"MATCH (a:Award {{key: $key}}) RETURN a {{{FIELDS}}} AS award",
                    key=key).single()
    return record["award"] if record else None


def earlier_awards(tx, rule: str, year: int) -> list[dict]:
    """Approved or still open awards of a rule before `year` (R2: each tier once per park)."""
    return tx.run("""
        MATCH (a:Award {rule: $rule}) WHERE a.year < $year
          AND a.status IN ['approved', 'proposed']
        RETURN a.subject AS subject, a.tier_fen AS tier_fen, a.amount_fen AS amount_fen
    """, rule=rule, year=year).data()


def create_award(tx, row: dict) -> None:
    tx.run("""
        CREATE (a:Award {key: $row.key, base: $row.base, seq: $row.seq, kind: $row.kind,
                         rule: $row.rule, subject: $row.subject, subject_name: $row.subject_name,
                         year: $row.year, amount_fen: $row.amount_fen, status: $row.status,
                         reason: $row.reason, reason_text: $row.reason_text,
                         calculation: $row.calculation, superseded_by: $row.superseded_by,
                         tier_fen: $row.tier_fen, created_at: $row.at, updated_at: $row.at})
        WITH a
        OPTIONAL MATCH (c:Company {credit_code: $row.subject})
        OPTIONAL MATCH (p:Park {code: $row.subject})
        FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END | CREATE (a)-[:AWARDED_TO]->(c))
        FOREACH (_ IN CASE WHEN p IS NULL THEN [] ELSE [1] END | CREATE (a)-[:AWARDED_TO]->(p))
    """, row=row).consume()


def update_open_award(tx, key: str, row: dict) -> bool:
    """Only open records change; a decided award is immutable (checked under the node's write
    lock, taken by the version bump, so a decision committed meanwhile is seen)."""
    return tx.run("""
        MATCH (a:Award {key: $key})
        SET a.version = coalesce(a.version, 0) + 1
        WITH a WHERE a.status IN ['proposed', 'not_computable', 'superseded']
        SET a.amount_fen = $row.amount_fen, a.status = $row.status, a.reason = $row.reason,
            a.reason_text = $row.reason_text, a.calculation = $row.calculation,
            a.superseded_by = $row.superseded_by, a.tier_fen = $row.tier_fen,
            a.updated_at = $row.at
        RETURN a.key AS key
    """, key=key, row=row).single() is not None


def decide(tx, key: str, from_statuses: list[str], status: str, actor: str, comment: str,
           at: int) -> bool:
    """True when the award was in one of `from_statuses` and now has `status`. Two organizers
    deciding at once: the version bump takes the write lock first, so only one passes the
    check on any backend (Neo4j runs read committed: a check before the lock could pass twice)."""
    return tx.run("""
        MATCH (a:Award {key: $key})
        SET a.version = coalesce(a.version, 0) + 1
        WITH a WHERE a.status IN $from
        SET a.status = $status, a.decided_by = $actor, a.decided_at = $at, a.comment = $comment,
            a.updated_at = $at
        RETURN a.key AS key
    """, key=key, status=status, actor=actor, comment=comment, at=at,
        **{"from": from_statuses}).single() is not None
