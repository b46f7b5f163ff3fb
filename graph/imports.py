"""Import jobs: a previewed upload, then its progress and report while it runs."""
from __future__ import annotations

import json

JOB_FIELDS = "j {.id, .kind, .actor, .company, .filename, .status, .total, .done, .summary, .report, .created_at}"


def create_job(tx, job: dict) -> None:
    """job: id, kind, actor, company, filename, total, summary (JSON text)."""
    tx.run("""
        CREATE (:ImportJob {id: $j.id, kind: $j.kind, actor: $j.actor, company: $j.company,
                            filename: $j.filename, status: 'previewed', total: $j.total,
                            done: 0, summary: $j.summary, created_at: timestamp()})""",
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


def claim_job(tx, job_id: str) -> bool:
    """previewed → running, once: a second click does not start a second import."""
    record = tx.run("MATCH (j:ImportJob {id: $id}) WHERE j.status = 'previewed' "
                    "SET j.status = 'running' RETURN count(j) AS n", id=job_id).single()
    return record["n"] > 0


def set_progress(tx, job_id: str, done: int) -> None:
    tx.run("MATCH (j:ImportJob {id: $id}) SET j.done = $done", id=job_id, done=done).consume()


def finish_job(tx, job_id: str, status: str, report: dict) -> None:
    tx.run("MATCH (j:ImportJob {id: $id}) SET j.status = $status, j.report = $report",
           id=job_id, status=status, report=json.dumps(report, ensure_ascii=False)).consume()
