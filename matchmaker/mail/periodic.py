"""What the worker's periodic tick queues: each fair's reminder the day before it opens, and
its follow-ups 3 and 6 months after its last day. Each is one job under a key of its own, so
however many ticks (or workers) see it due, it is queued once; running it notifies every
registered company (in-app and by e-mail)."""
from __future__ import annotations

from datetime import date, timedelta

from neo4j.exceptions import ConstraintError

from graph import fairs as fair_store
from graph import jobs as job_store
from matchmaker import clock, jobs, notifications
from matchmaker.fairs import followup
from matchmaker.fairs.followup import add_months

FOLLOW_UP_MONTHS = followup.ROUNDS
FOLLOW_UP_WINDOW_DAYS = 7  # a follow-up missed while no worker ran still goes out this late


def due(fairs: list[dict], today: date) -> list[dict]:
    """The jobs due today for these fairs (rows for graph.jobs.enqueue)."""
    rows = []
    for fair in fairs:
        first, last = date.fromisoformat(fair["days"][0]), date.fromisoformat(fair["days"][-1])
        if first - timedelta(days=1) == today:
            rows.append(jobs.row("fair_reminder", {"fair": fair["id"]},
                                 key=f"fair_reminder|{fair['id']}"))
        for months in FOLLOW_UP_MONTHS:
            when = add_months(last, months)
            if when <= today < when + timedelta(days=FOLLOW_UP_WINDOW_DAYS):
                rows.append(jobs.row("follow_up", {"fair": fair["id"], "months": months},
                                     key=f"follow_up|{fair['id']}|{months}"))
    return rows


def tick(graph, today: date | None = None) -> int:
    """Queue what is due today (idempotent); the number of jobs due."""
    rows = due(graph.read(fair_store.list_fairs), today or clock.today())
    for row in rows:  # one at a time: another worker may queue the same job at once
        try:
            graph.write(job_store.enqueue, [row])
        except ConstraintError:
            pass  # it did: that is the one job
    return len(rows)


def remind(graph, payload: dict, config: dict) -> None:
    """The "fair_reminder" job: every registered company hears that the fair is tomorrow (its
    e-mail carries its agenda)."""
    _notify_registered(graph, payload["fair"], "fair_reminder")


def follow_up(graph, payload: dict, config: dict) -> None:
    """The "follow_up" job: the companies that held meetings at the fair are asked where each
    stands (fairs/followup.py). payload: fair, months."""
    followup.announce(graph, payload["fair"])


def _notify_registered(graph, fair_id: str, kind: str) -> None:
    fair = graph.read(fair_store.get_fair, fair_id)
    if fair:
        notifications.send(graph, [(r["company"], kind, fair["name"], f"/fairs/{fair_id}",
                                    fair_id)
                                   for r in graph.read(fair_store.registrations, fair_id)])
