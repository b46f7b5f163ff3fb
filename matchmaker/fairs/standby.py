"""Standby on the day: when meetings turn into no-shows, fill the freed time from the unmet
meetings of participants who are here, without moving anyone else's meeting."""
from __future__ import annotations

import time
from datetime import datetime

from graph import fairs as fair_store
from matchmaker import clock, notifications
from matchmaker.errors import Conflict
from matchmaker.fairs import scheduling
from matchmaker.fairs.setup import get
from matchmaker.i18n import _l


def first_open_slot(fair: dict, now: datetime) -> int:
    """The first slot that has not begun (len(slots) when the fair is over)."""
    moment = now.strftime("%Y-%m-%d %H:%M")
    return next((s["index"] for s in fair["slots"] if f"{s['day']} {s['start']}" > moment),
                len(fair["slots"]))


def fill(graph, fair_id: str, now: datetime | None = None, time_limit: float = 5.0) -> dict:
    """Release the slots of meetings marked as no-shows that have not begun, place the
    checked-in participants' accepted but unscheduled meetings into free time from now on, and
    tell both sides of each new meeting. Returns what was freed and what was placed."""
    fair = get(graph, fair_id)
    if fair["status"] != "published":
        raise Conflict(_l("日程发布后才能在当天安排候补会谈"))
    start = first_open_slot(fair, now or clock.now())
    regs = {r["company"]: r for r in graph.read(fair_store.registrations, fair_id)}
    here = {code for code, r in regs.items() if r.get("checked_in")}
    accepted = graph.read(fair_store.meetings, fair_id, None, ["accepted"])
    freed = [m for m in accepted if m["slot"] is not None and m["slot"] >= start
             and m.get("attended") is False]
    freed_keys = {m["key"] for m in freed}
    staying = [m for m in accepted if m["slot"] is not None and m["key"] not in freed_keys]
    candidates = [m for m in accepted if m["slot"] is None and m.get("attended") is None
                  and m["anchor"] in here and m["supplier"] in here]
    participants = {code: scheduling.Participant(code, r["name"], frozenset(r["available"]),
                                                 fair["max_meetings"])
                    for code, r in regs.items()}
    result = scheduling.fill_freed(
        participants, {m["key"]: (m["slot"], m["table"]) for m in staying},
        {m["key"]: (m["anchor"], m["supplier"]) for m in staying},
        [scheduling.Meeting(m["key"], m["anchor"], m["supplier"],
                            scheduling.meeting_value(m["anchor_pref"], m["supplier_pref"],
                                                     m["fit"]))
         for m in candidates],
        range(start, len(fair["slots"])), fair["tables"], time_limit)
    graph.write(fair_store.release_and_place, [m["key"] for m in freed],
                [{"key": k, "slot": s, "table": t} for k, (s, t) in result.placements.items()])
    by_key = {m["key"]: m for m in candidates}
    notices = []
    for key, (slot, table) in result.placements.items():
        m, when = by_key[key], fair["slots"][slot]
        subject = f"{fair['name']} · {when['day']} {when['start']}"
        notices += [(m["anchor"], "standby_meeting", f"{subject} · {m['supplier_name']}",
                     f"/fairs/{fair_id}/agenda"),
                    (m["supplier"], "standby_meeting", f"{subject} · {m['anchor_name']}",
                     f"/fairs/{fair_id}/agenda")]
    notifications.send(graph, notices)
    return {"from_slot": start, "freed": len(freed), "placed": len(result.placements),
            "status": result.status, "at": int(time.time())}
