"""Background jobs: what services queue for the worker (`matchmaker worker`), and the retry
policy. The queue is Job nodes in the graph (graph/jobs.py), so it needs nothing beyond the
graph server, survives restarts and is shared by every machine's worker."""
from __future__ import annotations

import json
import time
import uuid

from graph import jobs as job_store

MAX_ATTEMPTS = 8
FIRST_RETRY_S = 60  # the wait after the first failed attempt; doubled after each further one
LONGEST_RETRY_S = 3600
KEEP_DAYS = 90  # ended jobs (the outbox's history) are forgotten after this


class Retry(Exception):
    """A handler's attempt failed for a reason that may pass (a mail server that is down or
    busy): the job is queued again after a back-off, until it has no attempts left."""


class GiveUp(Exception):
    """A handler's attempt failed for good (a recipient the mail server refuses): no retry."""


def now_ms() -> int:
    return int(time.time() * 1000)


def row(kind: str, payload: dict, key: str | None = None, max_attempts: int = MAX_ATTEMPTS,
        run_after: int | None = None, **listed) -> dict:
    """A job for `enqueue`/`graph.jobs.enqueue`. A `key` makes queueing idempotent (the same key
    twice is one job); `listed` are fields kept on the node for listing (e-mail: to, topic)."""
    at = now_ms()
    return {"key": key or f"{kind}|{uuid.uuid4().hex}", "kind": kind,
            "payload": json.dumps(payload, ensure_ascii=False), "max_attempts": max_attempts,
            "run_after": at if run_after is None else run_after, "created_at": at,
            "to": listed.get("to"), "topic": listed.get("topic")}


def enqueue(graph, kind: str, payload: dict, key: str | None = None,
            max_attempts: int = MAX_ATTEMPTS) -> str:
    job = row(kind, payload, key, max_attempts)
    graph.write(job_store.enqueue, [job])
    return job["key"]


def backoff_ms(attempts: int, first_s: float = FIRST_RETRY_S) -> int:
    """The wait before attempt `attempts` + 1: first_s, then doubling, at most an hour."""
    return int(min(first_s * 2 ** (attempts - 1), LONGEST_RETRY_S) * 1000)
