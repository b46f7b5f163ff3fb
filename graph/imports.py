"""Import jobs: a previewed upload, then its progress and report while it runs.

A status changes only by a conditional update that first bumps `version`: on Neo4j 5 (read
committed) two transactions may both read the old status before either writes, but the bump
takes the node's write lock, so the status read after it is the latest committed one."""
from __future__ import annotations

import json

JOB_FIELDS = ("j {.id, .kind, .actor, .company, .filename, .status, .phase, .total, .done, "
              ".summary, .report, .created_at, .size}")


def create_job(tx, job: dict) -> None:
    """job: id, kind, actor, company, filename, size (bytes), total, summary (JSON text)."""
    tx.run("""
        CREATE (:ImportJob {id: $j.id, kind: $j.kind, actor: $j.actor, company: $j.company,
                            filename: $j.filename, size: $j.size, status: 'previewed',
                            total: $j.total, done: 0, summary: $j.summary,
                            created_at: timestamp()})""",
           j=job).consume()


def get_job(tx, job_id: str) -> dict | None:
    record = tx.run(f"MATCH (j:ImportJob {{id: $id}}) RETURN {JOB_FIELDS} AS job",
                    id=job_id).single()
    if not record:
        return None
    job = dict(record["job"])
    for key in ("summary", "report"):
        job[key] = json.loads(job[key]) if job.get(key) else None
    return job


def open_previews(tx, actor: str, ttl_ms: int) -> tuple[int, int]:
    """How many previews `actor` has that are neither imported nor expired, and their bytes."""
    record = tx.run("""
        MATCH (j:ImportJob {actor: $actor})
        WHERE j.status = 'previewed' AND j.created_at >= timestamp() - $ttl
        RETURN count(j) AS n, sum(coalesce(j.size, 0)) AS bytes""",
                    actor=actor, ttl=ttl_ms).single()
    return record["n"], record["bytes"] or 0


def expire_jobs(tx, ttl_ms: int) -> list[str]:
    """previewed → expired for previews older than `ttl_ms`; their ids."""
    return [r["id"] for r in tx.run("""
        MATCH (j:ImportJob) WHERE j.status = 'previewed' AND j.created_at < timestamp() - $ttl
        SET j.version = coalesce(j.version, 0) + 1
        WITH j WHERE j.status = 'previewed'
        SET j.status = 'expired'
        RETURN j.id AS id""", ttl=ttl_ms)]


def claim_job(tx, job_id: str, ttl_ms: int) -> bool:
    """previewed → running, once, unless older than `ttl_ms`: of two clicks, or two workers,
    only one starts the import."""
    record = tx.run("""
        MATCH (j:ImportJob {id: $id})
        SET j.version = coalesce(j.version, 0) + 1
        WITH j WHERE j.status = 'previewed' AND j.created_at >= timestamp() - $ttl
        SET j.status = 'running'
        RETURN count(j) AS n""", id=job_id, ttl=ttl_ms).single()
    return record["n"] > 0


def set_progress(tx, job_id: str, phase: str, done: int, total: int | None = None) -> None:
    """phase: reading | checking | storing; `done` of `total` rows stored (None: as it was)."""
    tx.run("MATCH (j:ImportJob {id: $id}) "
           "SET j.phase = $phase, j.done = $done, j.total = coalesce($total, j.total)",
           id=job_id, phase=phase, done=done, total=total).consume()


def finish_job(tx, job_id: str, status: str, report: dict) -> None:
    tx.run("MATCH (j:ImportJob {id: $id}) SET j.status = $status, j.report = $report",
           id=job_id, status=status, report=json.dumps(report, ensure_ascii=False)).consume()
