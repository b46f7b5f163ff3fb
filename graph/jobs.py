"""The background work queue: one Job node per unit of work (an e-mail to send, an import to
run, a fair's reminders to fan out), kept in the graph so that it survives restarts and every
machine's worker sees the same queue.

queued --claim--> running (a worker holds a lease) --> done | failed | skipped
running --attempt failed, attempts left--> queued (run_after later)
running --lease expired (its worker died)--> claimed again by any worker

Claims and state changes are lock-first conditional updates (see graph/imports.py): the version
bump takes the node's write lock before the status is read, so of two workers racing for a job
only one claims it (read committed on Neo4j 5, optimistic transactions on ArcadeDB). Only the
holder of a claim (its `claim` token) may renew, finish or requeue the job. Times are epoch ms
from the workers' clocks."""
from __future__ import annotations

JOB_FIELDS = """j {.key, .kind, .payload, .status, .attempts, .max_attempts, .run_after,
                   .lease_until, .worker, .claim, .last_error, .created_at, .finished_at,
                   .to, .topic}"""
DUE = """((j.status = 'queued' AND j.run_after <= $now)
          OR (j.status = 'running' AND j.lease_until < $now))"""


def enqueue(tx, rows: list[dict]) -> None:
    """rows: key (unique: the same key twice is one job), kind, payload (JSON text),
    max_attempts, run_after, created_at; for e-mail also `to` and `topic` (listed by the
    outbox)."""
    tx.run("""
        UNWIND $rows AS row
        MERGE (j:Job {key: row.key})
        ON CREATE SET j.kind = row.kind, j.payload = row.payload, j.status = 'queued',
                      j.attempts = 0, j.max_attempts = row.max_attempts,
                      j.run_after = row.run_after, j.created_at = row.created_at,
                      j.to = row.to, j.topic = row.topic, j.version = 0""", rows=rows).consume()


def claim(tx, worker: str, token: str, now: int, lease_ms: int) -> dict | None:
    """The next due job, now held by `worker` under `token` until now + lease; None when none
    is due or another worker took it first."""
    record = tx.run(f"""
        MATCH (j:Job) WHERE {DUE}
        WITH j ORDER BY j.run_after, j.created_at LIMIT 1
        SET j.version = coalesce(j.version, 0) + 1
        WITH j WHERE {DUE}
        SET j.status = 'running', j.worker = $worker, j.claim = $token,
            j.lease_until = $now + $lease, j.attempts = j.attempts + 1
        RETURN {JOB_FIELDS} AS job""", worker=worker, token=token, now=now,
                    lease=lease_ms).single()
    return dict(record["job"]) if record else None


def due_count(tx, now: int) -> int:
    return tx.run(f"MATCH (j:Job) WHERE {DUE} RETURN count(j) AS n", now=now).single()["n"]


def renew(tx, key: str, token: str, until: int) -> bool:
    """Extend the lease of a job still held under `token`."""
    return tx.run("""
        MATCH (j:Job {key: $key})
        SET j.version = coalesce(j.version, 0) + 1
        WITH j WHERE j.status = 'running' AND j.claim = $token
        SET j.lease_until = $until
        RETURN count(j) AS n""", key=key, token=token, until=until).single()["n"] > 0


def finish(tx, key: str, token: str, status: str, now: int, error: str | None = None) -> bool:
    """done, failed or skipped, by the holder of the claim only."""
    return tx.run("""
        MATCH (j:Job {key: $key})
        SET j.version = coalesce(j.version, 0) + 1
        WITH j WHERE j.status = 'running' AND j.claim = $token
        SET j.status = $status, j.finished_at = $now, j.last_error = $error, j.claim = null
        RETURN count(j) AS n""", key=key, token=token, status=status, now=now,
                  error=error).single()["n"] > 0


def requeue(tx, key: str, token: str, run_after: int, error: str) -> bool:
    """A failed attempt with attempts left: queued again, due at `run_after`."""
    return tx.run("""
        MATCH (j:Job {key: $key})
        SET j.version = coalesce(j.version, 0) + 1
        WITH j WHERE j.status = 'running' AND j.claim = $token
        SET j.status = 'queued', j.run_after = $run_after, j.last_error = $error,
            j.claim = null, j.lease_until = null
        RETURN count(j) AS n""", key=key, token=token, run_after=run_after,
                  error=error).single()["n"] > 0


def prune(tx, before: int, limit: int = 10_000) -> int:
    """Forget jobs that ended before `before`; how many."""
    return tx.run("""
        MATCH (j:Job) WHERE j.status IN ['done', 'failed', 'skipped'] AND j.finished_at < $before
        WITH j LIMIT $limit
        DETACH DELETE j
        RETURN count(*) AS n""", before=before, limit=limit).single()["n"]


def get_job(tx, key: str) -> dict | None:
    record = tx.run(f"MATCH (j:Job {{key: $key}}) RETURN {JOB_FIELDS} AS job", key=key).single()
    return dict(record["job"]) if record else None


def list_jobs(tx, kind: str, status: str | None, skip: int, limit: int) -> list[dict]:
    return [dict(r) for r in tx.run(f"""
        MATCH (j:Job {{kind: $kind}}) WHERE $status IS NULL OR j.status = $status
        RETURN {JOB_FIELDS} AS job
        ORDER BY j.created_at DESC, j.key SKIP $skip LIMIT $limit""",
                                     kind=kind, status=status, skip=skip, limit=limit).value()]


def count_by_status(tx, kind: str) -> dict[str, int]:
    return {r["status"]: r["n"] for r in tx.run(
        "MATCH (j:Job {kind: $kind}) RETURN j.status AS status, count(j) AS n", kind=kind)}
