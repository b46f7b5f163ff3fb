"""A fair's set-up: the organizer's form (days, hours, slot length, breaks, tables, the
registration window, meetings per participant, priorities), its time slots, and the fair as the
other steps read it."""
from __future__ import annotations

import json
import re
import time
import uuid
from datetime import date, timedelta


from graph import fairs as fair_store
from matchmaker import clock
from matchmaker.errors import NotFound, ValidationError
from matchmaker.fairs import priorities
from matchmaker.i18n import _l

FAIR_STATUS_TEXT = {"open": _l("报名中"), "scheduled": _l("已排程（未发布）"),
                    "published": _l("日程已发布")}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _minutes(value: str, field: str) -> int:
    match = _TIME.match((value or "").strip())
    if not match:
        raise ValidationError(_l("“%(value)s”不是有效时间（应为 09:00 这样的格式）", value=value), field=field)
    return int(match.group(1)) * 60 + int(match.group(2))


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationError(_l("“%(value)s”不是有效日期（应为 2026-12-10 这样的格式）", value=value),
                              field=field) from None


def _int(value, field: str, low: int, high: int, label: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(_l("%(label)s应为整数", label=label), field=field) from None
    if not low <= number <= high:
        raise ValidationError(_l("%(label)s应在 %(low)s 到 %(high)s 之间", label=label, low=low,
                              high=high), field=field)
    return number


def parse_fair(form: dict, clusters: set[str]) -> dict:
    """Validate the organizer's form; every error names its field."""
    name = (form.get("name") or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(_l("请填写洽谈会名称（不超过100字）"), field="name")
    cluster = (form.get("cluster") or "").strip() or None
    if cluster and cluster not in clusters:
        raise ValidationError(_l("未知的产业集群“%(cluster)s”", cluster=cluster), field="cluster")
    days = sorted({_date(d, "days") for d in re.split(r"[,，\s]+", form.get("days") or "") if d})
    if days and form.get("day_count"):   # the form's date picker: first day + consecutive days
        count = _int(form.get("day_count"), "day_count", 1, 5, "连续举办天数")
        days = sorted({days[0] + timedelta(days=n) for n in range(count)} | set(days))
    if not days or len(days) > 5:
        raise ValidationError(_l("请填写1至5个举办日期，用逗号分隔"), field="days")
    start, end = _minutes(form.get("day_start"), "day_start"), _minutes(form.get("day_end"), "day_end")
    if end <= start:
        raise ValidationError(_l("结束时间应晚于开始时间"), field="day_end")
    breaks = []
    for part in re.split(r"[,，\s]+", form.get("breaks") or ""):
        if part:
            if "-" not in part:
                raise ValidationError(_l("休息时段“%(part)s”应为 12:00-13:30 这样的格式", part=part),
                                      field="breaks")
            b_start, b_end = (_minutes(p, "breaks") for p in part.split("-", 1))
            if b_end <= b_start:
                raise ValidationError(_l("休息时段“%(part)s”结束应晚于开始", part=part), field="breaks")
            breaks.append(f"{b_start // 60:02d}:{b_start % 60:02d}-{b_end // 60:02d}:{b_end % 60:02d}")
    opens = _date(form.get("registration_opens"), "registration_opens")
    closes = _date(form.get("registration_closes"), "registration_closes")
    if closes < opens:
        raise ValidationError(_l("报名截止日期不能早于开始日期"), field="registration_closes")
    if closes > days[0]:
        raise ValidationError(_l("报名应在洽谈会首日或之前截止"), field="registration_closes")
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
        "priority_groups": [group for group in priorities.GROUPS
                            if _checked(form.get(f"priority_{group}"))],
        "weight_expected_value": _checked(form.get("weight_expected_value")),
    }
    count = len(slots(fair))
    if not count:
        raise ValidationError(_l("按开始、结束时间和休息时段算不出任何洽谈时段"), field="slot_minutes")
    fair["min_meetings"] = _int(form.get("min_meetings") or 0, "min_meetings", 0, count,
                                "每方最少会谈数")
    fair["max_meetings"] = _int(form.get("max_meetings") or count, "max_meetings",
                                max(1, fair["min_meetings"]), count, "每方最多会谈数")
    return fair


def _checked(value) -> bool:
    return value is True or str(value).lower() in ("1", "y", "on", "true")


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
    graph.write(fair_store.create_fair, fair)
    return fair["id"]


def get(graph, fair_id: str) -> dict:
    fair = graph.read(fair_store.get_fair, fair_id)
    if not fair:
        raise NotFound(_l("洽谈会不存在"))
    fair["slots"] = slots(fair)
    fair["report"] = json.loads(fair["schedule_report"]) if fair.get("schedule_report") else None
    return fair


def default_form(today: date | None = None) -> dict:
    """Sensible defaults for a new fair: a one-day fair in four weeks, 30-minute slots."""
    day = (today or clock.today()) + timedelta(days=28)
    return {"days": day.isoformat(), "day_count": 1, "day_start": "09:00", "day_end": "17:00",
            "slot_minutes": 30, "breaks": "12:00-13:30", "tables": 20,
            "registration_opens": (today or clock.today()).isoformat(),
            "registration_closes": (day - timedelta(days=3)).isoformat(),
            "min_meetings": 0, "max_meetings": "", "request_expiry_hours": 72}
