"""The worker process (`matchmaker worker`, started by `make run` beside gunicorn): it claims due
jobs from the queue in the graph one at a time and runs them, and every WORKER_TICK_SECONDS it
queues the periodic work (fair reminders and follow-ups) and forgets jobs that ended long ago.

Any number of workers, on one machine or several, share the queue: a claim is atomic, and while
a job runs its worker renews the lease; a job whose worker died is claimed again once the lease
has expired. So a job runs at least once: an e-mail sent just before its worker died is sent
again (with the same Message-ID)."""
from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import uuid

from graph import jobs as job_store
from graph import ledger as ledger_store
from matchmaker import jobs
from matchmaker.clock import today as city_today
from matchmaker.imports import jobs as imports
from matchmaker.mail import periodic
from matchmaker.mail import service as mail

log = logging.getLogger(__name__)

# kind -> handler(graph, payload, config): returns None (done) or "skipped"; raises jobs.Retry
# for a failure that may pass, jobs.GiveUp for one that will not.
HANDLERS = {
    "mail": mail.deliver,
    "import": imports.run_job,
    "fair_reminder": periodic.remind,
    "follow_up": periodic.follow_up,
}


class Worker:
    def __init__(self, app, name: str | None = None, clock=jobs.now_ms, today=city_today):
        self.app, self.graph, self.config = app, app.extensions["graph"], app.config
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.clock, self.today = clock, today
        self.lease_ms = int(self.config["JOB_LEASE_SECONDS"] * 1000)
        self.stopping = threading.Event()

    def run_one(self) -> dict | None:
        """Claim one due job and run it; the job as claimed, None when none could be claimed."""
        job = self.graph.write(job_store.claim, self.name, uuid.uuid4().hex, self.clock(),
                               self.lease_ms)
        if job:
            self._run(job)
        return job

    def tick(self) -> None:
        """The periodic work: queue what is due today, forget long-ended jobs, rebuild the
        yearly purchase totals a write left stale (an import rebuilds its own when it ends)."""
        periodic.tick(self.graph, self.today())
        self.graph.write(job_store.prune, self.clock() - jobs.KEEP_DAYS * 86_400_000)
        ledger_store.rebuild_stale_totals(self.graph)

    def run_once(self) -> int:
        """Tick, then run jobs until none is due (what tests call); the number run."""
        self.tick()
        count = 0
        while self.run_one() or self.graph.read(job_store.due_count, self.clock()):
            count += 1  # a lost race (another worker took the job) counts too: rare
        return count

    def run_forever(self) -> None:
        """Until SIGTERM or SIGINT: the job in hand is finished first (a second signal stops at
        once; that job's lease then expires and another worker takes it)."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        log.info("worker %s started", self.name)
        next_tick = 0.0
        while not self.stopping.is_set():
            if self.clock() >= next_tick:
                next_tick = self.clock() + self.config["WORKER_TICK_SECONDS"] * 1000
                try:
                    self.tick()
                except Exception:  # another worker's tick queued the same job first, …
                    log.exception("periodic tick failed")
            try:
                job = self.run_one()
            except Exception:  # the graph server is down: wait, then try again
                log.exception("claiming a job failed")
                job = None
            if not job:
                self.stopping.wait(self.config["WORKER_POLL_SECONDS"])
        log.info("worker %s stopped", self.name)

    def _stop(self, signum, frame) -> None:
        if self.stopping.is_set():
            raise KeyboardInterrupt
        log.info("worker %s stopping after the job in hand", self.name)
        self.stopping.set()

    def _run(self, job: dict) -> None:
        key, token = job["key"], job["claim"]
        handler = HANDLERS.get(job["kind"])
        if handler is None:
            self.graph.write(job_store.finish, key, token, "failed", self.clock(),
                             f"unknown job kind {job['kind']!r}")
            return
        if job["attempts"] > job["max_attempts"]:  # the worker of the last attempt died
            self.graph.write(job_store.finish, key, token, "failed", self.clock(),
                             job["last_error"] or "处理中断（尝试次数已用完）")
            return
        done = threading.Event()
        renewing = threading.Thread(target=self._renew, args=(key, token, done), daemon=True,
                                    name=f"lease-{key[:20]}")
        renewing.start()
        try:
            with self.app.app_context():
                outcome = handler(self.graph, json.loads(job["payload"]), self.config)
        except jobs.GiveUp as e:
            self.graph.write(job_store.finish, key, token, "failed", self.clock(), str(e))
        except Exception as e:  # jobs.Retry, or anything unforeseen: try again later
            if not isinstance(e, jobs.Retry):
                log.exception("job %s failed", key)
            error = str(e) or type(e).__name__
            if job["attempts"] >= job["max_attempts"]:
                self.graph.write(job_store.finish, key, token, "failed", self.clock(), error)
            else:
                wait = jobs.backoff_ms(job["attempts"], self.config["JOB_FIRST_RETRY_SECONDS"])
                self.graph.write(job_store.requeue, key, token, self.clock() + wait, error)
        else:
            self.graph.write(job_store.finish, key, token, outcome or "done", self.clock())
        finally:
            done.set()
            renewing.join()

    def _renew(self, key: str, token: str, done: threading.Event) -> None:
        """Keep the lease while the job runs: renewed every third of its length."""
        while not done.wait(self.lease_ms / 3000):
            try:
                if not self.graph.write(job_store.renew, key, token, self.clock() + self.lease_ms):
                    log.warning("job %s: lease lost to another worker", key)
                    return
            except Exception:
                log.exception("job %s: renewing the lease failed", key)
