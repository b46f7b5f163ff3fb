"""Matchmaking fairs (配套洽谈会): set-up, registration, proposed pairs from the matching engine,
meeting requests with expiry, the schedule, agendas, outcomes and expected purchases."""
from __future__ import annotations

import json
import re
import time
import uuid
from datetime import date, datetime, timedelta

from graph import catalog
from graph import fairs as store
from matchmaker import ledger, notifications, scheduling
from matchmaker.errors import Conflict, Forbidden, NotFound, ValidationError
from matchmaker.matching import service as matching

PREFERENCE_TEXT = {"must": "必须见", "meet": "愿意见", "no": "不考虑"}
STATUS_TEXT = {"proposed": "推荐", "requested": "已邀约", "accepted": "已确认", "declined": "已婉拒",
               "expired": "邀约已过期"}
OUTCOME_TEXT = {"no_interest": "无意向", "follow_up": "继续跟进", "intent": "签订意向",
                "contract": "签订合同"}
FAIR_STATUS_TEXT = {"open": "报名中", "scheduled": "已排程（未发布）", "published": "日程已发布"}
PROPOSALS_PER_NEED = 30
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# ---------------------------------------------------------------- set-up and time slots

def _minutes(value: str, field: str) -> int:
    match = _TIME.match((value or "").strip())
    if not match:
        raise ValidationError(f"“{value}”不是有效时间（应为 09:00 这样的格式）", field=field)
    return int(match.group(1)) * 60 + int(match.group(2))


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError(f"“{value}”不是有效日期（应为 2026-12-10 这样的格式）",
                              field=field) from None


def _int(value, field: str, low: int, high: int, label: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{label}应为整数", field=field) from None
    if not low <= number <= high:
        raise ValidationError(f"{label}应在 {low} 到 {high} 之间", field=field)
    return number


def parse_fair(form: dict, clusters: set[str]) -> dict:
    """Validate the organizer's form; every error names its field."""
    name = (form.get("name") or "").strip()
    if not name or len(name) > 100:
        raise ValidationError("请填写洽谈会名称（不超过100字）", field="name")
    cluster = (form.get("cluster") or "").strip() or None
    if cluster and cluster not in clusters:
        raise ValidationError(f"未知的产业集群“{cluster}”", field="cluster")
    days = sorted({_date(d, "days") for d in re.split(r"[,，\s]+", form.get("days") or "") if d})
    if not days or len(days) > 5:
        raise ValidationError("请填写1至5个举办日期，用逗号分隔", field="days")
    start, end = _minutes(form.get("day_start"), "day_start"), _minutes(form.get("day_end"), "day_end")
    if end <= start:
        raise ValidationError("结束时间应晚于开始时间", field="day_end")
    breaks = []
    for part in re.split(r"[,，\s]+", form.get("breaks") or ""):
        if part:
            if "-" not in part:
                raise ValidationError(f"休息时段“{part}”应为 12:00-13:30 这样的格式", field="breaks")
            b_start, b_end = (_minutes(p, "breaks") for p in part.split("-", 1))
            if b_end <= b_start:
                raise ValidationError(f"休息时段“{part}”结束应晚于开始", field="breaks")
            breaks.append(f"{b_start // 60:02d}:{b_start % 60:02d}-{b_end // 60:02d}:{b_end % 60:02d}")
    opens = _date(form.get("registration_opens"), "registration_opens")
    closes = _date(form.get("registration_closes"), "registration_closes")
    if closes < opens:
        raise ValidationError("报名截止日期不能早于开始日期", field="registration_closes")
    if closes > days[0]:
        raise ValidationError("报名应在洽谈会首日或之前截止", field="registration_closes")
    fair = {
        "name": name, "cluster": cluster, "venue": (form.get("venue") or "").strip()[:200],
        "days": [d.isoformat() for d in days],
        "day_start": f"{start // 60:02d}:{start % 60:02d}",
        "day_end": f"{end // 60:02d}:{end % 60:02d}",
        "slot_minutes": _int(form.get("slot_minutes"), "slot_minutes", 10, 240, "每场时长（分钟）"),
        "breaks": breaks,
        "tables": _int(form.get("tables"), "tables", 1, 1000, "洽谈桌数量"),
        "registration_opens": opens.isoformat(), "registration_closes": closes.isoformat(),
        "request_expiry_hours": _int(form.get("request_expiry_hours") or 72,
                                     "request_expiry_hours", 1, 720, "邀约有效期（小时）"),
    }
    count = len(slots(fair))
    if not count:
        raise ValidationError("按开始、结束时间和休息时段算不出任何洽谈时段", field="slot_minutes")
    fair["min_meetings"] = _int(form.get("min_meetings") or 0, "min_meetings", 0, count,
                                "每方最少会谈数")
    fair["max_meetings"] = _int(form.get("max_meetings") or count, "max_meetings",
                                max(1, fair["min_meetings"]), count, "每方最多会谈数")
    return fair


def slots(fair: dict) -> list[dict]:
    """The fair's time slots in order: each day from start to end in slot-length steps, a slot
    that overlaps a break left out. Index is the slot's number everywhere else."""
    length = fair["slot_minutes"]
    start, end = _minutes(fair["day_start"], "day_start"), _minutes(fair["day_end"], "day_end")
    breaks = [tuple(_minutes(t, "breaks") for t in b.split("-")) for b in fair.get("breaks") or []]
    out = []
    for day in fair["days"]:
        t = start
        while t + length <= end:
            clash = next((b for b in breaks if t < b[1] and b[0] < t + length), None)
            if clash:
                t = max(t, clash[1])
                continue
            out.append({"index": len(out), "day": day,
                        "start": f"{t // 60:02d}:{t % 60:02d}",
                        "end": f"{(t + length) // 60:02d}:{(t + length) % 60:02d}"})
            t += length
    return out


def create(graph, form: dict, clusters: set[str], actor: str) -> str:
    fair = parse_fair(form, clusters)
    fair.update({"id": "F" + uuid.uuid4().hex[:10], "status": "open", "created_by": actor,
                 "created_at": int(time.time())})
    graph.write(store.create_fair, fair)
    return fair["id"]


def get(graph, fair_id: str) -> dict:
    fair = graph.read(store.get_fair, fair_id)
    if not fair:
        raise NotFound("洽谈会不存在")
    fair["slots"] = slots(fair)
    fair["report"] = json.loads(fair["schedule_report"]) if fair.get("schedule_report") else None
    return fair


# ---------------------------------------------------------------- registration and proposals

def register(graph, fair_id: str, user, available: list, today: date | None = None) -> int:
    """Register the user's company with the slots it is free; returns the proposals added."""
    fair = get(graph, fair_id)
    if user.role not in ("anchor", "supplier") or not user.company:
        raise Forbidden("只有主机企业和配套企业可以报名")
    today = today or date.today()
    if not fair["registration_opens"] <= today.isoformat() <= fair["registration_closes"]:
        raise Conflict(f"报名时间为 {fair['registration_opens']} 至 {fair['registration_closes']}")
    if fair["status"] == "published":
        raise Conflict("日程已发布，报名已结束")
    try:
        chosen = sorted({int(s) for s in available})
    except (TypeError, ValueError):
        raise ValidationError("可参会时段无效", field="available") from None
    if not chosen or not set(chosen) <= {s["index"] for s in fair["slots"]}:
        raise ValidationError("请至少选择一个可参会时段", field="available")
    graph.write(store.register, {"key": f"{fair_id}|{user.company}", "fair": fair_id,
                                 "company": user.company, "role": user.role,
                                 "available": chosen, "at": int(time.time())})
    return refresh_proposals(graph, fair_id, user.company, user.role)


def refresh_proposals(graph, fair_id: str, company: str, role: str) -> int:
    """Pairs the matching engine proposes between this company and those already registered:
    an anchor's open needs against registered suppliers, or a supplier against registered
    anchors' open needs. Each pair keeps the need it fits best, with the fit and reasons the
    need's ranking gives (the same as on the need page)."""
    registered = {r["company"]: r["role"] for r in graph.read(store.registrations, fair_id)}
    best: dict[tuple[str, str], dict] = {}

    def offer(anchor, supplier, need, title, match):
        pair = (anchor, supplier)
        if pair not in best or match["fit"] > best[pair]["fit"]:
            best[pair] = {"key": f"{fair_id}|{anchor}|{supplier}", "fair": fair_id,
                          "anchor": anchor, "supplier": supplier, "need": need,
                          "need_title": title, "fit": match["fit"], "tier": match["tier"],
                          "reasons": matching.short_reasons(match["explanation"]),
                          "at": int(time.time())}

    if role == "anchor":
        for need in graph.read(catalog.needs_of, company):
            if need["status"] != "open":
                continue
            found = matching.match_need(graph, need["id"], None, limit=PROPOSALS_PER_NEED)
            for r in found["matches"]:
                if registered.get(r["company"]) == "supplier":
                    offer(company, r["company"], need["id"], need["title"], r)
    else:
        anchors = {c for c, role in registered.items() if role == "anchor"}
        for r in matching.match_supplier(graph, company, PROPOSALS_PER_NEED, anchors):
            offer(r["anchor_credit_code"], company, r["need"], r["title"], r)
    return graph.write(store.add_proposals, list(best.values())) if best else 0


# ---------------------------------------------------------------- preferences and requests

def _side(meeting: dict, user) -> str:
    if user.company == meeting["anchor"]:
        return "anchor"
    if user.company == meeting["supplier"]:
        return "supplier"
    raise NotFound("会谈不存在")


def _meeting(graph, key: str) -> dict:
    meeting = graph.read(store.get_meeting, key)
    if not meeting:
        raise NotFound("会谈不存在")
    return meeting


def _not_published(meeting: dict) -> None:
    if meeting.get("published"):
        raise Conflict("日程已发布，如需调整请联系主办方")


def set_preference(graph, key: str, user, preference: str) -> None:
    """必须见 / 愿意见 / 不考虑. 'No thanks' declines a pending or confirmed meeting."""
    if preference not in PREFERENCE_TEXT:
        raise ValidationError("意向应为 必须见、愿意见 或 不考虑", field="preference")
    meeting = _meeting(graph, key)
    side = _side(meeting, user)
    changes = {f"{side}_pref": preference}
    if preference == "no":
        _not_published(meeting)
        changes["status"] = "declined"
    graph.write(store.update_meeting, key, changes)


def send_request(graph, key: str, user, now: int | None = None) -> None:
    meeting = _meeting(graph, key)
    side = _side(meeting, user)
    fair = get(graph, meeting["fair"])
    if fair["status"] == "published":
        raise Conflict("日程已发布，不能再发起邀约")
    now = now or int(time.time())
    graph.write(store.expire_requests, fair["id"], now)
    changes = {"status": "requested", "requested_by": side, "requested_at": now,
               "expires_at": now + fair["request_expiry_hours"] * 3600}
    if not meeting.get(f"{side}_pref") or meeting[f"{side}_pref"] == "no":
        changes[f"{side}_pref"] = "meet"
    if not graph.write(store.update_meeting, key, changes, ["proposed", "expired", "declined"]):
        raise Conflict("该会谈已在邀约中或已确认")
    invited = meeting["supplier" if side == "anchor" else "anchor"]
    notifications.send(graph, [(invited, "meeting_request", fair["name"],
                                f"/fairs/{fair['id']}")])


def answer_request(graph, key: str, user, accept: bool, now: int | None = None) -> None:
    meeting = _meeting(graph, key)
    side = _side(meeting, user)
    graph.write(store.expire_requests, meeting["fair"], now or int(time.time()))
    if meeting["requested_by"] == side:
        raise Forbidden("只能由被邀约方答复")
    changes = {"status": "accepted" if accept else "declined"}
    if accept and not meeting.get(f"{side}_pref"):
        changes[f"{side}_pref"] = "meet"
    if not graph.write(store.update_meeting, key, changes, ["requested"]):
        raise Conflict("邀约已过期或已答复")


# ---------------------------------------------------------------- schedule

def run_scheduler(graph, fair_id: str, time_limit: float = 10.0) -> dict:
    """Schedule every accepted meeting; a published meeting stays where it was if it can."""
    fair = get(graph, fair_id)
    graph.write(store.expire_requests, fair_id, int(time.time()))
    regs = graph.read(store.registrations, fair_id)
    participants = {r["company"]: scheduling.Participant(
        r["company"], r["name"], frozenset(r["available"]), fair["max_meetings"],
        fair["min_meetings"]) for r in regs}
    accepted = [m for m in graph.read(store.meetings, fair_id, None, ["accepted"])
                if m["anchor"] in participants and m["supplier"] in participants]
    requested = [scheduling.Meeting(
        m["key"], m["anchor"], m["supplier"],
        scheduling.meeting_value(m["anchor_pref"], m["supplier_pref"], (m["fit"] or 0) / 100),
        must=(m["anchor_pref"], m["supplier_pref"]) == ("must", "must"),
        slot=m["slot"] if m["published"] else None,
        table=m["table"] if m["published"] else None) for m in accepted]
    try:
        result = scheduling.solve(participants, requested, len(fair["slots"]), fair["tables"],
                                  time_limit)
    except scheduling.ScheduleInfeasible as e:
        raise ValidationError("无法排程：" + "；".join(e.reasons), field="schedule",
                              details=e.reasons) from None
    names = {m["key"]: f"{m['anchor_name']} × {m['supplier_name']}" for m in accepted}
    report = {"status": result.status, "scheduled": len(result.placements),
              "requested": len(requested), "unscheduled": [names[k] for k in result.unscheduled],
              "moved": [names[k] for k in result.moved], "objective": result.objective,
              "bound": result.bound, "gap_pct": round(result.gap * 100, 2),
              "idle_slots": result.idle_slots, "seconds": result.seconds,
              "below_minimum": result.below_minimum, "at": int(time.time())}
    graph.write(store.save_schedule, fair_id,
                [{"key": k, "slot": s, "table": t} for k, (s, t) in result.placements.items()],
                json.dumps(report, ensure_ascii=False))
    return report


def publish(graph, fair_id: str) -> int:
    fair = get(graph, fair_id)
    if fair["status"] not in ("scheduled", "published"):
        raise Conflict("请先排程再发布")
    return graph.write(store.publish, fair_id)


def agenda(graph, fair: dict, company: str) -> list[dict]:
    """The company's scheduled meetings in time order, with where and whom."""
    rows = []
    for m in graph.read(store.meetings, fair["id"], company, ["accepted"]):
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
    for m in graph.read(store.meetings, fair["id"], None, ["accepted"]):
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
        event.add("dtstart", datetime.fromisoformat(f"{r['day']}T{r['start']}"))
        event.add("dtend", datetime.fromisoformat(f"{r['day']}T{r['end']}"))
        event.add("dtstamp", datetime.now())
        event.add("location", f"{fair.get('venue') or ''} {r['table_no']}号桌".strip())
        if r.get("need_title"):
            event.add("description", f"需求：{r['need_title']}")
        calendar.add_component(event)
    return calendar.to_ical()


# ---------------------------------------------------------------- on the day

def check_in(graph, fair_id: str, company: str, present: bool) -> None:
    if not graph.write(store.set_checked_in, fair_id, company, present, int(time.time())):
        raise NotFound("该企业未报名此洽谈会")


def record_outcome(graph, key: str, user, form: dict) -> None:
    """Outcome of a held meeting (either party or an organizer), or a no-show."""
    meeting = _meeting(graph, key)
    if not user.is_organizer:
        _side(meeting, user)
    if meeting["status"] != "accepted" or meeting["slot"] is None:
        raise Conflict("只有已排程的会谈可以登记结果")
    if form.get("attended") == "no":
        graph.write(store.update_meeting, key, {"attended": False, "outcome": None,
                                                "amount_fen": None})
        return
    outcome = form.get("outcome")
    if outcome not in OUTCOME_TEXT:
        raise ValidationError("请选择洽谈结果", field="outcome")
    amount = None
    if outcome == "contract":
        try:
            amount = ledger.parse_amount_fen(form.get("amount_yuan"))
        except ValueError as e:
            raise ValidationError(f"合同金额：{e}", field="amount_yuan") from None
    note = (form.get("note") or "").strip()
    if len(note) > 500:
        raise ValidationError("备注不能超过500字", field="note")
    graph.write(store.update_meeting, key, {"attended": True, "outcome": outcome,
                                            "amount_fen": amount, "outcome_note": note})


def to_expected_purchase(graph, key: str, actor: str, year: int | None = None) -> None:
    meeting = _meeting(graph, key)
    if meeting.get("outcome") != "contract":
        raise Conflict("只有签订合同的会谈可以转为预计采购")
    fair = get(graph, meeting["fair"])
    year = year or int(fair["days"][-1][:4])
    graph.write(store.create_expected_purchase, {"key": key, "year": year, "actor": actor,
                                                 "at": int(time.time())})


def outcomes(graph, fair_id: str) -> dict:
    """Counts for the organizer's dashboard, and the signed amounts."""
    rows = graph.read(store.meetings, fair_id)
    by_status: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    for m in rows:
        by_status[m["status"]] = by_status.get(m["status"], 0) + 1
        if m.get("outcome"):
            by_outcome[m["outcome"]] = by_outcome.get(m["outcome"], 0) + 1
    signed = [m for m in rows if m.get("outcome") == "contract"]
    expected = {e["key"] for e in graph.read(store.expected_purchases, fair_id)}
    return {"by_status": by_status, "by_outcome": by_outcome,
            "no_shows": sum(1 for m in rows if m.get("attended") is False),
            "signed": [dict(m, expected=m["key"] in expected) for m in signed],
            "signed_fen": sum(m["amount_fen"] or 0 for m in signed)}


def default_form(today: date | None = None) -> dict:
    """Sensible defaults for a new fair: a one-day fair in four weeks, 30-minute slots."""
    day = (today or date.today()) + timedelta(days=28)
    return {"days": day.isoformat(), "day_start": "09:00", "day_end": "17:00",
            "slot_minutes": 30, "breaks": "12:00-13:30", "tables": 20,
            "registration_opens": (today or date.today()).isoformat(),
            "registration_closes": (day - timedelta(days=3)).isoformat(),
            "min_meetings": 0, "max_meetings": "", "request_expiry_hours": 72}
