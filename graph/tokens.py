"""API tokens: stored by the SHA-256 of the secret only, tied to the user who made them."""
from __future__ import annotations

TOKEN_FIELDS = """t {.token_hash, .name, .scopes, .prefix, .created_at, .last_used, .revoked,
    expires_at: coalesce(t.expires_at, t.created_at + $year_ms)}"""
YEAR_MS = 365 * 86400 * 1000  # tokens made before expiry existed last a year


def create_token(tx, email: str, row: dict) -> None:
    """row: token_hash, prefix (first characters, for recognising it), name, scopes,
    expires_at (epoch milliseconds)."""
    tx.run("""
        MATCH (u:User {email: $email})
        CREATE (t:ApiToken {token_hash: $row.token_hash, prefix: $row.prefix, name: $row.name,
                            scopes: $row.scopes, revoked: false, created_at: timestamp(),
                            expires_at: $row.expires_at})
        CREATE (u)-[:HAS_TOKEN]->(t)
    """, email=email, row=row).consume()


def find_token(tx, token_hash: str, now_ms: int) -> dict | None:
    """The live token and its owner's email, or None when unknown, revoked or expired."""
    record = tx.run("""
        MATCH (u:User)-[:HAS_TOKEN]->(t:ApiToken {token_hash: $h})
        WHERE NOT t.revoked AND coalesce(t.expires_at, t.created_at + $year_ms) > $now
        RETURN u.email AS email, t.scopes AS scopes""", h=token_hash, now=now_ms,
                    year_ms=YEAR_MS).single()
    return record.data() if record else None


def touch_token(tx, token_hash: str, at: int) -> None:
    tx.run("MATCH (t:ApiToken {token_hash: $h}) SET t.last_used = $at",
           h=token_hash, at=at).consume()


def tokens_of(tx, email: str) -> list[dict]:
    return tx.run(f"""
        MATCH (:User {{email: $email}})-[:HAS_TOKEN]->(t:ApiToken)
        RETURN {TOKEN_FIELDS} AS token ORDER BY t.created_at DESC""", email=email,
                  year_ms=YEAR_MS).value()


def revoke_token(tx, email: str, prefix: str) -> bool:
    """Only the owner's own token; True when one was revoked."""
    record = tx.run("""
        MATCH (:User {email: $email})-[:HAS_TOKEN]->(t:ApiToken {prefix: $prefix})
        WHERE NOT t.revoked
        SET t.revoked = true, t.revoked_at = timestamp()
        RETURN count(t) AS n""", email=email, prefix=prefix).single()
    return record["n"] > 0
