"""Follow-up questions: 3 and 6 months after a fair, each company that held meetings there is
asked where each meeting stands. Answers are kept per meeting, company and round and shown
beside the purchases measured in the ledger."""
from __future__ import annotations

import calendar
import time
from datetime import date


from graph import attribution as attribution_store
from graph import fairs as fair_store
from matchmaker import clock, notifications
from matchmaker.errors import Conflict, Forbidden, NotFound, ValidationError
from matchmaker.i18n import _l

ROUNDS = (3, 6)
STATUS_TEXT = {"no_contact": _l("未再联系"), "negotiating": _l("洽谈中"),
               "samples": _l("送样 / 试制"), "contract": _l("已签合同")}


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def current_round(fair_day: date, today: date) -> int | None:
    """The latest round due, counted from the fair's last day (as the worker asks): a fair 7
    months ago asks the 6-month question, not the 3-month."""
    due = [r for r in ROUNDS if add_months(fair_day, r) <= today]
    return due[-1] if due else None


def questions(graph, company: str, today: date | None = None) -> list[dict]:
    """The company's held meetings whose fair has a round due, with its answer so far."""
    today = today or clock.today()
    out = []
    answers: dict[str, dict] = {}
    for m in graph.read(attribution_store.held_meetings_of, company):
        round_ = current_round(date.fromisoformat(m["last_day"]), today)
        if round_ is None:
            continue
        if m["fair"] not in answers:
            answers[m["fair"]] = {(a["meeting"], a["round"]): a
                                  for a in graph.read(attribution_store.follow_ups, m["fair"])
                                  if a["company"] == company}
        out.append({**m, "round": round_, "answer": answers[m["fair"]].get((m["key"], round_))})
    return out


def answer(graph, user, meeting_key: str, round_: int, status: str, note: str,
           today: date | None = None) -> None:
    meeting = graph.read(fair_store.get_meeting, meeting_key)
    if not meeting:
        raise NotFound(_l("会谈不存在"))
    if user.company not in (meeting["anchor"], meeting["supplier"]):
        raise Forbidden(_l("只能回复本企业参加的会谈"))
    if not meeting.get("attended") or not meeting.get("outcome"):
        raise Conflict(_l("只有实际举行的会谈需要回访"))
    fair = graph.read(fair_store.get_fair, meeting["fair"])
    if round_ != current_round(date.fromisoformat(fair["days"][-1]), today or clock.today()):
        raise ValidationError(_l("该轮回访尚未开始或已结束"), field="round")
    if status not in STATUS_TEXT:
        raise ValidationError(_l("请选择会谈进展"), field="status")
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError(_l("备注不能超过500字"), field="note")
    graph.write(attribution_store.save_follow_up, {
        "key": f"{meeting_key}|{user.company}|{round_}", "meeting": meeting_key,
        "company": user.company, "round": round_, "status": status, "note": note,
        "actor": user.email, "at": int(time.time())})


def announce(graph, fair_id: str) -> int:
    """Ask the companies that held meetings at the fair where their meetings stand (in-app and
    by e-mail). The worker's tick queues this once per fair and round (mail/periodic.py)."""
    fair = graph.read(fair_store.get_fair, fair_id)
    if not fair:
        return 0
    companies = graph.read(attribution_store.participants_of, fair_id)
    notifications.send(graph, [(company, "follow_up", fair["name"], "/fairs/follow-ups", fair_id)
                               for company in companies])
    return len(companies)
