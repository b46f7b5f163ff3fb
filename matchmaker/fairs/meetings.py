"""Meetings between a fair's participants: preferences (must meet / willing / no thanks),
requests that the other side accepts or declines before they expire, and on the day: check-in,
outcomes and expected purchases."""
from __future__ import annotations

import time
from datetime import date


from graph import fairs as fair_store
from matchmaker import clock, notifications
from matchmaker.errors import Conflict, Forbidden, NotFound, ValidationError
from matchmaker.fairs.setup import get
from matchmaker.money import parse_amount_fen
from matchmaker.i18n import _l

PREFERENCE_TEXT = {"must": _l("必须见"), "meet": _l("愿意见"), "no": _l("不考虑")}
STATUS_TEXT = {"proposed": _l("推荐"), "requested": _l("已邀约"), "accepted": _l("已确认"),
               "declined": _l("已婉拒"), "expired": _l("邀约已过期")}
OUTCOME_TEXT = {"no_interest": _l("无意向"), "follow_up": _l("继续跟进"), "intent": _l("签订意向"),
                "contract": _l("签订合同")}


def _side(meeting: dict, user) -> str:
    if user.company == meeting["anchor"]:
        return "anchor"
    if user.company == meeting["supplier"]:
        return "supplier"
    raise NotFound(_l("会谈不存在"))


def _meeting(graph, key: str) -> dict:
    meeting = graph.read(fair_store.get_meeting, key)
    if not meeting:
        raise NotFound(_l("会谈不存在"))
    return meeting


def _not_published(meeting: dict) -> None:
    if meeting.get("published"):
        raise Conflict(_l("日程已发布，如需调整请联系主办方"))


def set_preference(graph, key: str, user, preference: str) -> None:
    """必须见 / 愿意见 / 不考虑. 'No thanks' declines a pending or confirmed meeting."""
    if preference not in PREFERENCE_TEXT:
        raise ValidationError(_l("意向应为 必须见、愿意见 或 不考虑"), field="preference")
    meeting = _meeting(graph, key)
    side = _side(meeting, user)
    changes = {f"{side}_pref": preference}
    if preference == "no":
        _not_published(meeting)
        changes["status"] = "declined"
    graph.write(fair_store.update_meeting, key, changes)


def send_request(graph, key: str, user, now: int | None = None) -> None:
    meeting = _meeting(graph, key)
    side = _side(meeting, user)
    fair = get(graph, meeting["fair"])
    if fair["status"] == "published":
        raise Conflict(_l("日程已发布，不能再发起邀约"))
    now = now or int(time.time())
    graph.write(fair_store.expire_requests, fair["id"], now)
    changes = {"status": "requested", "requested_by": side, "requested_at": now,
               "expires_at": now + fair["request_expiry_hours"] * 3600}
    if not meeting.get(f"{side}_pref") or meeting[f"{side}_pref"] == "no":
        changes[f"{side}_pref"] = "meet"
    if not graph.write(fair_store.update_meeting, key, changes, ["proposed", "expired", "declined"]):
        raise Conflict(_l("该会谈已在邀约中或已确认"))
    invited = meeting["supplier" if side == "anchor" else "anchor"]
    notifications.send(graph, [(invited, "meeting_request",
                                f"{meeting[f'{side}_name']}（{fair['name']}）",
                                f"/fairs/{fair['id']}", fair["id"])])


def answer_request(graph, key: str, user, accept: bool, now: int | None = None) -> None:
    meeting = _meeting(graph, key)
    side = _side(meeting, user)
    graph.write(fair_store.expire_requests, meeting["fair"], now or int(time.time()))
    if meeting["requested_by"] == side:
        raise Forbidden(_l("只能由被邀约方答复"))
    changes = {"status": "accepted" if accept else "declined"}
    if accept and not meeting.get(f"{side}_pref"):
        changes[f"{side}_pref"] = "meet"
    if not graph.write(fair_store.update_meeting, key, changes, ["requested"]):
        raise Conflict(_l("邀约已过期或已答复"))
    fair = get(graph, meeting["fair"])
    notifications.send(graph, [(meeting[meeting["requested_by"]],
                                "meeting_accepted" if accept else "meeting_declined",
                                fair["name"], f"/fairs/{fair['id']}", fair["id"])])


def check_in(graph, fair_id: str, company: str, present: bool) -> None:
    if not graph.write(fair_store.set_checked_in, fair_id, company, present, int(time.time())):
        raise NotFound(_l("该企业未报名此洽谈会"))


def record_outcome(graph, key: str, user, form: dict, today: date | None = None) -> None:
    """Outcome of a held meeting (either party or an organizer), or a no-show: only from the
    fair's first day, and a held meeting only when both sides checked in."""
    meeting = _meeting(graph, key)
    if not user.is_organizer:
        _side(meeting, user)
    if meeting["status"] != "accepted" or meeting["slot"] is None:
        raise Conflict(_l("只有已排程的会谈可以登记结果"))
    fair = get(graph, meeting["fair"])
    if (today or clock.today()) < date.fromisoformat(fair["days"][0]):
        raise Conflict(_l("洽谈会 %(n)s 举行，届时才能登记会谈结果", n=fair['days'][0]))
    if form.get("attended") != "no":
        present = {r["company"] for r in graph.read(fair_store.registrations, fair["id"])
                   if r.get("checked_in")}
        if not {meeting["anchor"], meeting["supplier"]} <= present:
            raise Conflict(_l("双方都签到后才能登记会谈结果；未到场请登记为未到场"))
    if form.get("attended") == "no":
        graph.write(fair_store.update_meeting, key, {"attended": False, "outcome": None,
                                                "amount_fen": None})
        return
    outcome = form.get("outcome")
    if outcome not in OUTCOME_TEXT:
        raise ValidationError(_l("请选择洽谈结果"), field="outcome")
    amount = None
    if outcome == "contract":
        try:
            amount = parse_amount_fen(form.get("amount_yuan"))
        except ValueError as e:
            raise ValidationError(_l("合同金额：%(e)s", e=e), field="amount_yuan") from None
    note = (form.get("note") or "").strip()
    if len(note) > 500:
        raise ValidationError(_l("备注不能超过500字"), field="note")
    graph.write(fair_store.update_meeting, key, {"attended": True, "outcome": outcome,
                                            "amount_fen": amount, "outcome_note": note})


def to_expected_purchase(graph, key: str, actor: str, year: int | None = None) -> None:
    meeting = _meeting(graph, key)
    if meeting.get("outcome") != "contract":
        raise Conflict(_l("只有签订合同的会谈可以转为预计采购"))
    fair = get(graph, meeting["fair"])
    year = year or int(fair["days"][-1][:4])
    graph.write(fair_store.create_expected_purchase, {"key": key, "year": year, "actor": actor,
                                                 "at": int(time.time())})


def outcomes(graph, fair_id: str) -> dict:
    """Counts for the organizer's dashboard, and the signed amounts."""
    rows = graph.read(fair_store.meetings, fair_id)
    by_status: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    for m in rows:
        by_status[m["status"]] = by_status.get(m["status"], 0) + 1
        if m.get("outcome"):
            by_outcome[m["outcome"]] = by_outcome.get(m["outcome"], 0) + 1
    signed = [m for m in rows if m.get("outcome") == "contract"]
    expected = {e["key"] for e in graph.read(fair_store.expected_purchases, fair_id)}
    return {"by_status": by_status, "by_outcome": by_outcome,
            "no_shows": sum(1 for m in rows if m.get("attended") is False),
            "signed": [dict(m, expected=m["key"] in expected) for m in signed],
            "signed_fen": sum(m["amount_fen"] or 0 for m in signed)}
