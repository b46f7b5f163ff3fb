"""Fairs end to end on the real graph and model: set-up, registration, proposals from the
matching engine, requests with expiry, schedule, agenda/.ics/table plan/Excel, outcomes."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from conftest import csrf_token, login
from openpyxl import load_workbook

from graph import fairs as fair_store
from matchmaker import clock
from matchmaker.auth import accounts
from matchmaker.fairs import meetings, proposals, setup, timetable
from matchmaker.matching import service as matching

TODAY = clock.today()


def fair_form(**overrides):
    day = TODAY + timedelta(days=10)
    form = {"name": "工程机械配套洽谈会", "cluster": "CM", "venue": "长沙国际会展中心",
            "days": day.isoformat(), "day_start": "09:00", "day_end": "11:00",
            "slot_minutes": "30", "breaks": "10:00-10:30", "tables": "2",
            "registration_opens": TODAY.isoformat(),
            "registration_closes": (day - timedelta(days=1)).isoformat(),
            "min_meetings": "0", "max_meetings": "", "request_expiry_hours": "48"}
    form.update(overrides)
    return form


@pytest.fixture
def people(app, graph, make_company):
    model = app.config["EMBEDDING_MODEL"]
    anchor = make_company("星联重工", role="anchor", clusters=["CM"], user="buyer@x.cn")
    pump = make_company("浏阳液压有限公司", region="430181", user="sales@pump.cn")
    paint = make_company("宁乡涂装有限公司", region="430182", user="sales@paint.cn")
    make_company("旁观配套企业", region="430181", user="other@s.cn")
    matching.save_capabilities(graph, model, pump["credit_code"], [{
        "products": "液压油缸、液压泵", "processes": "精密加工、焊接", "categories": ["HYD-CYL"]}])
    matching.save_capabilities(graph, model, paint["credit_code"], [{
        "products": "工程机械结构件喷涂", "processes": "静电喷涂", "categories": []}])
    matching.save_need(graph, model, anchor["credit_code"], {
        "title": "挖掘机液压油缸", "description": "斗杆油缸，年需求2000件", "category": "HYD-CYL"})
    accounts.create_user(graph, "office@c.cn", "洽谈会办公室", "organizer", "correct-horse-1")
    return {"anchor": anchor, "pump": pump, "paint": paint}


class As:
    """The service layer's view of a signed-in user."""
    def __init__(self, company, role):
        self.company, self.role, self.is_organizer = company, role, False


def post(client, path, data):
    data = dict(data, csrf_token=csrf_token(client, "/fairs/"))
    return client.post(path, data=data)


def create_fair(client, **overrides):
    login(client, "office@c.cn")
    response = post(client, "/fairs/new", fair_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/fairs/")})
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_slots_skip_breaks_and_span_days():
    fair = setup.parse_fair(fair_form(days=f"{TODAY + timedelta(days=10)},"
                                             f"{TODAY + timedelta(days=11)}"), {"CM"})
    got = [(s["day"][-2:], s["start"], s["end"]) for s in setup.slots(fair)]
    d1, d2 = (TODAY + timedelta(days=10)).isoformat()[-2:], (TODAY + timedelta(days=11)).isoformat()[-2:]
    assert got == [(d1, "09:00", "09:30"), (d1, "09:30", "10:00"), (d1, "10:30", "11:00"),
                   (d2, "09:00", "09:30"), (d2, "09:30", "10:00"), (d2, "10:30", "11:00")]
    assert fair["max_meetings"] == 6


@pytest.mark.parametrize("field,value,message", [
    ("day_end", "08:00", "结束时间应晚于开始时间"),
    ("days", "2026-13-40", "不是有效日期"),
    ("tables", "-1", "洽谈桌数量应在 1 到 1000 之间"),
    ("breaks", "12点", "应为 12:00-13:30 这样的格式"),
    ("cluster", "XX", "未知的产业集群"),
    ("max_meetings", "99", "每方最多会谈数应在"),
])
def test_bad_fair_form_names_the_field(client, people, graph, field, value, message):
    login(client, "office@c.cn")
    response = post(client, "/fairs/new", fair_form(**{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert re.search(rf'has-error">\s*<label for="{field}"', html)
    assert graph.read(fair_store.list_fairs) == []


def test_full_fair_flow(client, app, graph, people):
    fair_id = create_fair(client, days=TODAY.isoformat(), registration_closes=TODAY.isoformat())
    pump, paint, anchor = people["pump"]["credit_code"], people["paint"]["credit_code"], \
        people["anchor"]["credit_code"]

    login(client, "sales@pump.cn")   # registers before the anchor: proposals come later
    assert post(client, f"/fairs/{fair_id}/register", {"available": ["0", "1", "2"]}
                ).status_code == 302
    login(client, "sales@paint.cn")
    post(client, f"/fairs/{fair_id}/register", {"available": ["1"]})
    login(client, "buyer@x.cn")
    post(client, f"/fairs/{fair_id}/register", {"available": ["0", "1", "2"]})
    page = client.get(f"/fairs/{fair_id}").get_data(as_text=True)
    assert "浏阳液压有限公司" in page and "推荐洽谈对象" in page and "匹配：" in page
    pairs = {m["supplier"]: m for m in graph.read(fair_store.meetings, fair_id)}
    assert pump in pairs and pairs[pump]["need_title"] == "挖掘机液压油缸"

    key = pairs[pump]["key"]
    post(client, f"/fairs/{fair_id}/meetings/{key}/preference", {"preference": "must"})
    post(client, f"/fairs/{fair_id}/meetings/{key}/request", {})
    assert graph.read(fair_store.get_meeting, key)["status"] == "requested"
    from graph import notifications as notification_store   # the invitation names who invites
    assert any(n["kind"] == "meeting_request" and "星联重工" in n["subject"]
               for n in graph.read(notification_store.notifications_for, [pump]))
    # The requester cannot answer its own request; a stranger cannot see the meeting.
    post(client, f"/fairs/{fair_id}/meetings/{key}/answer", {"accept": "1"})
    assert graph.read(fair_store.get_meeting, key)["status"] == "requested"
    login(client, "other@s.cn")
    post(client, f"/fairs/{fair_id}/meetings/{key}/answer", {"accept": "1"})
    assert graph.read(fair_store.get_meeting, key)["status"] == "requested"

    login(client, "sales@pump.cn")
    post(client, f"/fairs/{fair_id}/meetings/{key}/preference", {"preference": "must"})
    post(client, f"/fairs/{fair_id}/meetings/{key}/answer", {"accept": "1"})
    assert graph.read(fair_store.get_meeting, key)["status"] == "accepted"

    if paint in pairs:   # a second accepted pair competes for the anchor's time
        login(client, "buyer@x.cn")
        post(client, f"/fairs/{fair_id}/meetings/{pairs[paint]['key']}/request", {})
        login(client, "sales@paint.cn")
        post(client, f"/fairs/{fair_id}/meetings/{pairs[paint]['key']}/answer", {"accept": "1"})

    login(client, "office@c.cn")
    post(client, f"/fairs/{fair_id}/schedule", {})
    fair = setup.get(graph, fair_id)
    assert fair["status"] == "scheduled" and fair["report"]["scheduled"] >= 1
    assert "全部已安排" in client.get(f"/fairs/{fair_id}").get_data(as_text=True) \
        or "未能安排" in client.get(f"/fairs/{fair_id}").get_data(as_text=True)
    login(client, "sales@pump.cn")   # nobody sees a schedule before it is published
    assert "星联重工" not in client.get(f"/fairs/{fair_id}/agenda").get_data(as_text=True)
    assert "星联重工" not in client.get(f"/fairs/{fair_id}/agenda.ics").get_data(as_text=True)
    login(client, "office@c.cn")
    post(client, f"/fairs/{fair_id}/publish", {})
    assert setup.get(graph, fair_id)["status"] == "published"
    plan = client.get(f"/fairs/{fair_id}/tables").get_data(as_text=True)
    assert "浏阳液压有限公司" in plan and "1号桌" in plan
    book = load_workbook(io.BytesIO(client.get(f"/fairs/{fair_id}/export.xlsx").data))
    assert any(row[5] == "浏阳液压有限公司" for row in book.active.iter_rows(values_only=True))

    login(client, "sales@pump.cn")
    agenda = client.get(f"/fairs/{fair_id}/agenda").get_data(as_text=True)
    assert "星联重工" in agenda and "打印" in agenda
    ics = client.get(f"/fairs/{fair_id}/agenda.ics")
    assert ics.mimetype == "text/calendar"
    from icalendar import Calendar
    events = Calendar.from_ical(ics.data).walk("VEVENT")
    assert len(events) == 1 and "星联重工" in str(events[0]["summary"])
    slot = setup.get(graph, fair_id)["slots"][graph.read(fair_store.get_meeting, key)["slot"]]
    assert events[0].decoded("dtstart").strftime("%H:%M") == slot["start"]

    # Outcomes: only once both sides checked in; then the supplier records a contract, a bad
    # amount refused with its field named.
    early = post(client, f"/fairs/{fair_id}/meetings/{key}/outcome",
                 {"outcome": "contract", "amount_yuan": "100"})
    assert "双方都签到后" in client.get(early.headers["Location"]).get_data(as_text=True)
    login(client, "office@c.cn")
    for company in (pump, anchor):
        post(client, f"/fairs/{fair_id}/checkin/{company}", {"present": "1"})
    assert [r["checked_in"] for r in graph.read(fair_store.registrations, fair_id)
            if r["company"] == pump] == [True]
    login(client, "sales@pump.cn")
    bad = post(client, f"/fairs/{fair_id}/meetings/{key}/outcome",
                {"outcome": "contract", "amount_yuan": "-5"})
    assert "合同金额" in client.get(bad.headers["Location"]).get_data(as_text=True)
    post(client, f"/fairs/{fair_id}/meetings/{key}/outcome",
         {"outcome": "contract", "amount_yuan": "1,250,000.50"})
    assert graph.read(fair_store.get_meeting, key)["amount_fen"] == 125_000_050

    login(client, "office@c.cn")
    dashboard = client.get(f"/fairs/{fair_id}").get_data(as_text=True)
    assert "¥1,250,000.50" in dashboard
    book = load_workbook(io.BytesIO(client.get(f"/fairs/{fair_id}/export.xlsx").data))
    signed = [row for row in book.active.iter_rows(values_only=True) if row[7] == "签订合同"]
    assert [row[8] for row in signed] == [1250000.5]
    post(client, f"/fairs/{fair_id}/meetings/{key}/expected-purchase", {})
    post(client, f"/fairs/{fair_id}/meetings/{key}/expected-purchase", {})   # no double count
    expected = graph.read(fair_store.expected_purchases, fair_id)
    assert [(e["anchor"], e["supplier"], e["amount_fen"]) for e in expected] == [
        (anchor, pump, 125_000_050)]


def test_requests_expire(client, graph, people):
    fair_id = create_fair(client, request_expiry_hours="1")
    anchor = As(people["anchor"]["credit_code"], "anchor")
    pump = As(people["pump"]["credit_code"], "supplier")
    proposals.register(graph, fair_id, pump, [0, 1])
    proposals.register(graph, fair_id, anchor, [0, 1])
    key = f"{fair_id}|{anchor.company}|{pump.company}"
    meetings.send_request(graph, key, anchor, now=1_000)
    with pytest.raises(Exception, match="邀约已过期或已答复"):
        meetings.answer_request(graph, key, pump, True, now=1_000 + 3601)
    assert graph.read(fair_store.get_meeting, key)["status"] == "expired"
    meetings.send_request(graph, key, anchor, now=10_000)   # may be sent again
    meetings.answer_request(graph, key, pump, True, now=10_001)
    assert graph.read(fair_store.get_meeting, key)["status"] == "accepted"


def test_registration_window_and_infeasible_schedule_message(client, graph, people):
    fair_id = create_fair(client, registration_opens=(TODAY + timedelta(days=1)).isoformat())
    with pytest.raises(Exception, match="报名时间为"):
        proposals.register(graph, fair_id, As(people["pump"]["credit_code"], "supplier"), [0])
    # Two mutual must-meets for one supplier with a single free slot: refused, with names.
    fair_id = create_fair(client)
    anchor = As(people["anchor"]["credit_code"], "anchor")
    second = As(people["paint"]["credit_code"], "anchor")   # a second party for the supplier
    pump = As(people["pump"]["credit_code"], "supplier")
    proposals.register(graph, fair_id, pump, [0])
    proposals.register(graph, fair_id, anchor, [0, 1, 2])
    graph.write(fair_store.register, {"key": f"{fair_id}|{second.company}", "fair": fair_id,
                                 "company": second.company, "role": "anchor",
                                 "available": [0, 1, 2], "at": 0})
    rows = [{"key": f"{fair_id}|{a}|{pump.company}", "fair": fair_id, "anchor": a,
             "supplier": pump.company, "need": None, "need_title": None, "fit": 80,
             "tier": "medium", "reasons": [], "at": 0} for a in (anchor.company, second.company)]
    graph.write(fair_store.add_proposals, rows)
    for row in rows:
        graph.write(fair_store.update_meeting, row["key"], {"status": "accepted", "anchor_pref": "must",
                                                       "supplier_pref": "must"})
    login(client, "office@c.cn")
    response = post(client, f"/fairs/{fair_id}/schedule", {})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "无法排程" in page and "浏阳液压有限公司 有 2 场双方必见会谈，但最多只能安排 1 场" in page
    assert setup.get(graph, fair_id)["status"] == "open"


def test_no_show_is_counted_and_outcome_needs_a_scheduled_meeting(client, graph, people):
    fair_id = create_fair(client)
    anchor = As(people["anchor"]["credit_code"], "anchor")
    pump = As(people["pump"]["credit_code"], "supplier")
    proposals.register(graph, fair_id, pump, [0, 1])
    proposals.register(graph, fair_id, anchor, [0, 1])
    key = f"{fair_id}|{anchor.company}|{pump.company}"
    with pytest.raises(Exception, match="只有已排程的会谈可以登记结果"):
        meetings.record_outcome(graph, key, anchor, {"outcome": "follow_up"})
    meetings.send_request(graph, key, pump)
    meetings.answer_request(graph, key, anchor, True)
    timetable.run_scheduler(graph, fair_id, time_limit=2)
    timetable.publish(graph, fair_id)
    with pytest.raises(Exception, match="届时才能登记"):   # the fair is ten days ahead
        meetings.record_outcome(graph, key, anchor, {"attended": "no"})
    fair_day = date.fromisoformat(setup.get(graph, fair_id)["days"][0])
    with pytest.raises(Exception, match="双方都签到后"):
        meetings.record_outcome(graph, key, anchor, {"outcome": "follow_up"}, today=fair_day)
    meetings.record_outcome(graph, key, anchor, {"attended": "no"}, today=fair_day)
    result = meetings.outcomes(graph, fair_id)
    assert result["no_shows"] == 1 and result["signed_fen"] == 0


def test_standby_fills_a_no_show_slot_without_moving_other_meetings(client, graph, people):
    from graph import notifications as notification_store
    from matchmaker.fairs import standby
    fair_id = create_fair(client, tables="1")
    anchor = As(people["anchor"]["credit_code"], "anchor")
    pump = As(people["pump"]["credit_code"], "supplier")
    paint = As(people["paint"]["credit_code"], "supplier")
    proposals.register(graph, fair_id, anchor, [0, 2])
    proposals.register(graph, fair_id, pump, [0])
    proposals.register(graph, fair_id, paint, [0])
    keys = {s.company: f"{fair_id}|{anchor.company}|{s.company}" for s in (pump, paint)}
    for supplier in (pump, paint):
        meetings.send_request(graph, keys[supplier.company], supplier)
        meetings.answer_request(graph, keys[supplier.company], anchor, True)
    timetable.run_scheduler(graph, fair_id, time_limit=2)
    with pytest.raises(Exception, match="日程发布后"):
        standby.fill(graph, fair_id, time_limit=1)
    timetable.publish(graph, fair_id)
    placed = {k: graph.read(fair_store.get_meeting, k)["slot"] for k in keys.values()}
    held, waiting = sorted(keys.values(), key=lambda k: placed[k] is None)
    assert placed[held] == 0 and placed[waiting] is None   # one slot in common, one table

    for company in (anchor.company, pump.company, paint.company):
        meetings.check_in(graph, fair_id, company, True)
    meetings.record_outcome(graph, held, anchor, {"attended": "no"},
                           today=date.fromisoformat(setup.get(graph, fair_id)["days"][0]))
    result = standby.fill(graph, fair_id, time_limit=2)
    assert (result["freed"], result["placed"]) == (1, 1)
    assert graph.read(fair_store.get_meeting, waiting)["slot"] == 0
    gone = graph.read(fair_store.get_meeting, held)
    assert gone["slot"] is None and gone["attended"] is False   # the no-show stays on record
    waiting_supplier = graph.read(fair_store.get_meeting, waiting)["supplier"]
    told = graph.read(notification_store.notifications_for, [waiting_supplier])
    assert [n["kind"] for n in told].count("standby_meeting") == 1


def test_standby_keeps_fixed_meetings_and_capacity():
    from matchmaker.fairs import scheduling as sc
    people = {k: sc.Participant(k, k, frozenset(range(4)), 4) for k in ("A", "B", "s1", "s2", "s3")}
    fixed, pairs = {"m1": (2, 0), "m2": (3, 0)}, {"m1": ("A", "s1"), "m2": ("B", "s2")}
    candidates = [sc.Meeting("c1", "A", "s2", 1000), sc.Meeting("c2", "A", "s3", 3000),
                  sc.Meeting("c3", "B", "s3", 1000)]
    result = sc.fill_freed(people, fixed, pairs, candidates, range(2, 4), tables=2)
    assert result.placements == {"c3": (2, 1), "c2": (3, 1)}   # around m1 and m2, table 1
    full = sc.fill_freed(people, fixed, pairs, candidates, range(2, 4), tables=1)
    assert full.placements == {} and full.status == "none"     # no free table left


def test_meeting_value_orders_musts_priorities_and_expected_value():
    from matchmaker.fairs import scheduling as sc
    plain = sc.meeting_value("meet", "meet", 90)
    prioritised = sc.meeting_value("meet", "meet", 10, priority=True)
    assert plain < prioritised < sc.meeting_value("must", "meet", 0)
    assert sc.meeting_value("meet", "no", 100, priority=True) == 0
    assert sc.expected_value_points(0, 90) == 0
    small, large = sc.expected_value_points(100_000_000, 100), sc.expected_value_points(
        10_000_000_000, 100)
    assert 0 < small < large <= sc.EXPECTED_VALUE_MAX
    assert sc.expected_value_points(10_000_000_000, 50) < large


def test_priority_group_keeps_a_new_suppliers_meeting_when_tables_are_scarce(
        client, graph, people, app):
    from matchmaker import policy as policy_module
    fair_id = create_fair(client, tables="1", priority_new_suppliers="y")
    assert setup.get(graph, fair_id)["priority_groups"] == ["new_suppliers"]
    anchor = As(people["anchor"]["credit_code"], "anchor")
    pump = As(people["pump"]["credit_code"], "supplier")
    paint = As(people["paint"]["credit_code"], "supplier")
    graph.write(lambda tx: tx.run(  # the pump maker has been on the platform for years
        "MATCH (c:Company {credit_code: $c}) SET c.created_at = datetime('2020-01-01T00:00:00')",
        c=pump.company).consume())
    proposals.register(graph, fair_id, anchor, [0])
    for supplier in (pump, paint):
        proposals.register(graph, fair_id, supplier, [0])
        key = f"{fair_id}|{anchor.company}|{supplier.company}"
        meetings.send_request(graph, key, supplier)
        meetings.answer_request(graph, key, anchor, True)
    # Without priorities the better-matched pump maker would win the one slot.
    graph.write(fair_store.update_meeting, f"{fair_id}|{anchor.company}|{pump.company}",
                {"fit": 95})
    graph.write(fair_store.update_meeting, f"{fair_id}|{anchor.company}|{paint.company}",
                {"fit": 10})
    policy = policy_module.load(app.config["POLICY_FILE"])
    timetable.run_scheduler(graph, fair_id, time_limit=2, policy=policy)
    slots = {m["supplier"]: m["slot"] for m in graph.read(fair_store.meetings, fair_id)}
    assert slots[paint.company] == 0 and slots[pump.company] is None
    # Every priority at once still schedules (missing links read from the chain analysis).
    graph.write(lambda tx: tx.run(
        "MATCH (f:Fair {id: $id}) SET f.priority_groups = ['missing_links', 'new_suppliers'], "
        "f.weight_expected_value = true", id=fair_id).consume())
    from matchmaker.fairs import priorities
    weights = priorities.weights(graph, policy, setup.get(graph, fair_id))
    assert set(weights) == {m["key"] for m in graph.read(fair_store.meetings, fair_id)}
    assert timetable.run_scheduler(graph, fair_id, time_limit=2, policy=policy)["scheduled"] == 1


def test_fair_form_uses_pickers_and_names_clusters(client, graph, people):
    login(client, "office@c.cn")
    page = client.get("/fairs/new").get_data(as_text=True)
    assert 'type="date"' in page and 'type="time"' in page
    assert '<option value="CM">工程机械</option>' in page or ">工程机械</option>" in page
    fair_id = create_fair(client, day_count="3")
    assert len(setup.get(graph, fair_id)["days"]) == 3   # first day + two more
