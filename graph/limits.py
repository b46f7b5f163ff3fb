"""Request counters for rate limits, kept in the graph so that every gunicorn worker and every
web machine counts together. One node per (limit, client, time window)."""
from __future__ import annotations


def count(tx, key: str) -> int:
    record = tx.run("MATCH (c:RateCounter {key: $key}) RETURN c.count AS n", key=key).single()
    return record["n"] if record else 0


def hit(tx, key: str, expires: int) -> int:
    """Count one more request in the window `key`; returns the new count. The increment
    happens under the node's write lock, so concurrent hits are never lost."""
    return tx.run("""
        MERGE (c:RateCounter {key: $key})
        ON CREATE SET c.count = 0, c.expires = $expires
        SET c.count = c.count + 1
        RETURN c.count AS n""", key=key, expires=expires).single()["n"]


def delete_expired(tx, now: int, limit: int = 1000) -> None:
    tx.run("MATCH (c:RateCounter) WHERE c.expires < $now WITH c LIMIT $limit DELETE c",
           now=now, limit=limit).consume()
