"""A fair's timetable: every accepted meeting placed in a slot at a table by the solver
(`scheduling`), published to the participants, and read back as each company's agenda (web,
print, .ics) and as the organizer's table plan."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from graph import fairs as fair_store
from matchmaker import clock, notifications
from matchmaker.errors import Conflict, ValidationError
from matchmaker.fairs import priorities, scheduling
from matchmaker.fairs.setup import get
from matchmaker.i18n import _l, joined
from matchmaker.policy import Policy


def run_scheduler(graph, fair_id: str, time_limit: float = 10.0,
                  policy: Policy | None = None) -> dict:
    """Schedule every accepted meeting; a published meeting stays where it was if it can.
    `policy` (the city's region) is needed only when the fair weights meetings by priority."""
    fair = get(graph, fair_id)
    graph.write(fair_store.expire_requests, fair_id, int(time.time()))
    regs = graph.read(fair_store.registrations, fair_id)
    participants = {r["company"]: scheduling.Participant(
        r["company"], r["name"], frozenset(r["available"]), fair["max_meetings"],
        fair["min_meetings"]) for r in regs}
    accepted = [m for m in graph.read(fair_store.meetings, fair_id, None, ["accepted"])
                if m["anchor"] in participants and m["supplier"] in participants]
    weights = priorities.weights(graph, policy, fair)
    requested = [scheduling.Meeting(
        m["key"], m["anchor"], m["supplier"],
        scheduling.meeting_value(m["anchor_pref"], m["supplier_pref"], m["fit"],
                                 *weights.get(m["key"], (False, 0))),
        must=(m["anchor_pref"], m["supplier_pref"]) == ("must", "must"),
        slot=m["slot"] if m["published"] else None,
        table=m["table"] if m["published"] else None) for m in accepted]
    try:
        result = scheduling.solve(participants, requested, len(fair["slots"]), fair["tables"],
                                  time_limit)
    except scheduling.ScheduleInfeasible as e:
        raise ValidationError(_l("无法排程：%(reasons)s", reasons=joined(e.reasons)),
                              field="schedule", details=e.reasons) from None
    names = {m["key"]: f"{m['anchor_name']} × {m['supplier_name']}" for m in accepted}
    report = {"status": result.status, "scheduled": len(result.placements),
              "requested": len(requested), "unscheduled": [names[k] for k in result.unscheduled],
              "moved": [names[k] for k in result.moved], "objective": result.objective,
              "bound": result.bound, "gap_pct": round(result.gap * 100, 2),
              "idle_slots": result.idle_slots, "seconds": result.seconds,
              "below_minimum": result.below_minimum, "at": int(time.time())}
    graph.write(fair_store.save_schedule, fair_id,
                [{"key": k, "slot": s, "table": t} for k, (s, t) in result.placements.items()],
                json.dumps(report, ensure_ascii=False))
    return report


def publish(graph, fair_id: str) -> int:
    """Publish the schedule; each company with a meeting in it hears (its agenda attached to
    the e-mail). Publishing again after a change tells them again."""
    fair = get(graph, fair_id)
    if fair["status"] not in ("scheduled", "published"):
        raise Conflict(_l("请先排程再发布"))
    count = graph.write(fair_store.publish, fair_id)
    scheduled = {m[side] for m in graph.read(fair_store.meetings, fair_id, None, ["accepted"])
                 if m["slot"] is not None for side in ("anchor", "supplier")}
    notifications.send(graph, [(company, "schedule_published", fair["name"],
                                f"/fairs/{fair_id}", fair_id) for company in sorted(scheduled)])
    return count


def agenda(graph, fair: dict, company: str) -> list[dict]:
    """The company's scheduled meetings in time order, with where and whom — once the
    schedule is published (a draft or a re-run awaiting publication stays with the organizer)."""
    if fair["status"] != "published":
        return []
    rows = []
    for m in graph.read(fair_store.meetings, fair["id"], company, ["accepted"]):
        if m["slot"] is None:
            continue
        slot = fair["slots"][m["slot"]]
        counterpart = m["supplier_name"] if m["anchor"] == company else m["anchor_name"]
        rows.append(dict(m, day=slot["day"], start=slot["start"], end=slot["end"],
                         table_no=m["table"] + 1, counterpart=counterpart))
    return sorted(rows, key=lambda r: r["slot"])


def table_plan(graph, fair: dict) -> list[dict]:
    """One row per slot, one cell per table: which pair sits there."""
    grid = {s["index"]: [None] * fair["tables"] for s in fair["slots"]}
    for m in graph.read(fair_store.meetings, fair["id"], None, ["accepted"]):
        if m["slot"] is not None and m["slot"] in grid and m["table"] < fair["tables"]:
            grid[m["slot"]][m["table"]] = m
    return [dict(s, tables=grid[s["index"]]) for s in fair["slots"]]


def agenda_ics(fair: dict, rows: list[dict], company_name: str) -> bytes:
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//matchmaker//fair agenda//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{fair['name']} · {company_name}")
    for r in rows:
        event = Event()
        event.add("uid", f"{r['key'].replace('|', '-')}@matchmaker")
        event.add("summary", f"洽谈：{r['counterpart']}（{r['table_no']}号桌）")
        # the city's wall-clock times, so that a calendar elsewhere shows them right
        event.add("dtstart", _city_time(r["day"], r["start"]))
        event.add("dtend", _city_time(r["day"], r["end"]))
        event.add("dtstamp", datetime.now(timezone.utc))
        event.add("location", f"{fair.get('venue') or ''} {r['table_no']}号桌".strip())
        if r.get("need_title"):
            event.add("description", f"需求：{r['need_title']}")
        calendar.add_component(event)
    calendar.add_missing_timezones()  # the VTIMEZONE of the city's zone
    return calendar.to_ical()


def _city_time(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=clock.zone())
