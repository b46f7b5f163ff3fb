"""A fair followed in the ledger: the arithmetic (fast, no server) and the report on the real
graph server."""
from __future__ import annotations

from datetime import date

import pytest

from graph import fairs as fair_store
from matchmaker import policy as policy_module
from matchmaker import tables
from matchmaker.fairs import attribution as att
from matchmaker.fairs import followup, report
from matchmaker.imports import companies as company_imports
from matchmaker.imports import purchases as ledger

from ledger_data import CODES, COMPANIES

M = 100 * 1_000_000  # ¥1M in fen
DAY = date(2025, 6, 1)


def pair(key="k1", anchor="A", supplier="S", local=True, expected=None):
    return att.MetPair(key, anchor, supplier, local, "contract", None, expected)


def buy(day, fen, anchor="A", supplier="S"):
    return att.Purchase(anchor, supplier, date.fromisoformat(day), fen)


def test_windows_split_on_the_fair_day_and_stop_at_today():
    w = att.Windows(DAY, date(2025, 9, 30))
    assert w.before == (date(2024, 6, 1), DAY)
    assert w.after == (DAY, date(2025, 10, 1)) and not w.complete
    assert att.Windows(DAY, date(2026, 5, 31)).complete


def test_before_after_and_a_new_relationship():
    purchases = [buy("2024-05-31", 7 * M), buy("2025-05-31", 1 * M), buy("2025-06-01", 2 * M),
                 buy("2026-05-31", 3 * M), buy("2026-06-01", 9 * M)]
    result = att.follow([pair()], purchases, att.Windows(DAY, date(2027, 1, 1)),
                        {"A": att.AnchorWindow(total_fen=20 * M, local_fen=10 * M)}, {}, [])
    r = result.pairs[0]
    assert (r.before_fen, r.after_fen, r.change_fen) == (1 * M, 5 * M, 4 * M)
    assert not r.new_relationship  # they traded before the fair
    assert (r.share_of_local_pct, r.rate_points) == (50.0, 25.0)

    fresh = att.follow([pair()], purchases[2:], att.Windows(DAY, date(2027, 1, 1)), {}, {}, [])
    assert fresh.pairs[0].new_relationship and fresh.new_local_fen == 5 * M


def test_a_credit_note_before_the_fair_does_not_count_as_a_relationship():
    result = att.follow([pair()], [buy("2025-01-01", -M), buy("2025-07-01", 2 * M)],
                        att.Windows(DAY, date(2026, 1, 1)), {}, {}, [])
    assert result.pairs[0].new_relationship


@pytest.mark.parametrize("expected,actual,state", [
    (5 * M, 5 * M, att.FULFILLED), (5 * M, 6 * M, att.FULFILLED), (5 * M, 1, att.PARTLY),
    (5 * M, 0, att.NOT_YET), (None, 3 * M, None)])
def test_expected_purchases_reconciled(expected, actual, state):
    assert att.reconcile(expected, actual) == state


def test_award_share_is_the_pairs_part_of_the_increase():
    pairs = [pair("k1", supplier="S1"), pair("k2", supplier="S2"),
             pair("k3", supplier="OUT", local=False)]
    yearly = {("A", "S1", 2025): 30 * M, ("A", "S1", 2024): 10 * M,   # +20M
              ("A", "S2", 2025): 5 * M, ("A", "S2", 2024): 8 * M,     # fell: no share
              ("A", "OUT", 2025): 50 * M}                             # not local
    award = att.Award("R1|A|2025|0", "A", 2025, "approved", amount_fen=12_000_000,
                      delta_fen=40 * M)
    result = att.follow(pairs, [], att.Windows(DAY, date(2026, 6, 1)), {}, yearly, [award])
    assert result.awards == [{"key": "R1|A|2025|0", "anchor": "A", "year": 2025,
                              "status": "approved", "amount_fen": 12_000_000,
                              "increase_fen": 20 * M, "share_fen": 6_000_000}]
    assert [r.award_share_fen for r in result.pairs] == [6_000_000, 0, 0]


def test_award_share_never_exceeds_the_award():
    pairs = [pair("k1", supplier="S1"), pair("k2", supplier="S2")]
    yearly = {("A", "S1", 2025): 30 * M, ("A", "S2", 2025): 30 * M}  # +60M against Δ 40M
    award = att.Award("R1|A|2025|0", "A", 2025, "proposed", 12_000_000, 40 * M)
    result = att.follow(pairs, [], att.Windows(DAY, date(2026, 6, 1)), {}, yearly, [award])
    assert result.awards[0]["share_fen"] == 12_000_000
    assert sum(r.award_share_fen for r in result.pairs) == 12_000_000


def test_rate_change_by_cluster():
    change = att.rate_change({"CM": (30, 100), "AU": (0, 0)}, {"CM": (45, 100), "HA": (1, 4)})
    assert change == {"AU": {"before_pct": None, "after_pct": None, "change_pts": None},
                      "CM": {"before_pct": 30.0, "after_pct": 45.0, "change_pts": 15.0},
                      "HA": {"before_pct": None, "after_pct": 25.0, "change_pts": None}}


def test_meeting_counts():
    meetings = [
        {"status": "accepted", "requested_by": "x", "slot": 1, "attended": True,
         "outcome": "contract", "amount_fen": 5 * M},
        {"status": "accepted", "requested_by": "x", "slot": 2, "attended": False},
        {"status": "declined", "requested_by": "x"},
        {"status": "requested", "requested_by": "x"},
        {"status": "accepted", "slot": 3, "attended": True, "outcome": "intent"},
        {"status": "proposed"}]
    assert att.meeting_counts(meetings) == {
        "requests": 4, "acceptance_pct": 66.7, "scheduled": 3, "held": 2, "no_shows": 1,
        "intents": 1, "contracts": 1, "declared_fen": 5 * M}


# --- on the real graph server -------------------------------------------------------------

def _meeting(graph, fair, anchor, supplier, outcome, amount_fen=None, attended=True):
    key = f"{fair}|{anchor}|{supplier}"
    graph.write(fair_store.add_proposals, [{"key": key, "fair": fair, "anchor": anchor,
                                            "supplier": supplier, "need": None,
                                            "need_title": None, "fit": 100, "tier": "high",
                                            "reasons": "", "at": 0}])
    graph.write(fair_store.update_meeting, key, {
        "status": "accepted", "slot": 1, "table": 1, "requested_by": anchor,
        "attended": attended, "outcome": outcome if attended else None,
        "amount_fen": amount_fen})
    return key


@pytest.fixture
def held_fair(app, graph):
    """Last June's fair in the worked-example city: three held meetings, one no-show, and
    purchases around it."""
    policy = policy_module.load(app.config["POLICY_FILE"])
    company_imports.import_companies(
        graph, tables.read(COMPANIES.encode(), "c.csv", company_imports.COMPANY_COLUMNS),
        policy, "test")
    graph.write(fair_store.create_fair, {
        "id": "f2025", "name": "2025 工程机械配套洽谈会", "cluster": "CM", "days": [DAY.isoformat()],
        "day_start": "09:00", "day_end": "12:00", "slot_minutes": 30, "breaks": [], "tables": 2,
        "status": "published"})
    A, C, local1, local2, zz = (CODES[k] for k in ("A", "C", "local1", "local2", "zhuzhou"))
    signed = _meeting(graph, "f2025", A, local1, "contract", 3 * M)
    _meeting(graph, "f2025", C, local2, "follow_up")
    _meeting(graph, "f2025", A, zz, "intent")
    _meeting(graph, "f2025", C, local1, None, attended=False)  # no-show: not followed
    graph.write(fair_store.create_expected_purchase,
                {"key": signed, "year": 2025, "actor": "test", "at": 0})
    rows = ["anchor_credit_code,supplier_credit_code,invoice_no,date,amount_yuan,category",
            f"{A},{local1},P1,2025-03-01,1000000,HYD-CYL",    # before: ¥1M
            f"{A},{local1},P2,2025-08-01,4000000,HYD-CYL",    # after: ¥4M
            f"{C},{local2},P3,2025-09-01,2000000,HYD-CYL",    # after, first ever: new
            f"{A},{zz},P4,2025-10-01,5000000,HYD-CYL",        # after, not local
            f"{C},{zz},P5,2025-02-01,2000000,HYD-CYL"]        # C before: outside only
    ledger.import_purchases(graph, tables.read("\n".join(rows).encode(), "p.csv",
                                               ledger.PURCHASE_COLUMNS), "test")
    return policy


def test_fair_report_on_the_ledger(app, graph, held_fair):
    policy = held_fair
    A, C, local1, local2, zz = (CODES[k] for k in ("A", "C", "local1", "local2", "zhuzhou"))
    out = report.fair_report(graph, policy, "f2025", as_of=date(2026, 7, 1))
    assert out["counts"]["held"] == 3 and out["counts"]["no_shows"] == 1
    assert out["counts"]["contracts"] == 1 and out["counts"]["declared_fen"] == 3 * M
    by_supplier = {(p["pair"].anchor, p["pair"].supplier): p for p in out["pairs"]}
    a1 = by_supplier[(A, local1)]
    assert (a1["before_fen"], a1["after_fen"], a1["new_relationship"]) == (M, 4 * M, False)
    assert a1["reconciliation"] == att.FULFILLED
    c2 = by_supplier[(C, local2)]
    assert c2["new_relationship"] and c2["after_fen"] == 2 * M and c2["rate_points"] == 100.0
    assert not by_supplier[(A, zz)]["pair"].local
    assert out["new_relationships"] == 1 and out["new_local_fen"] == 2 * M
    assert out["met_local_after_fen"] == 6 * M
    cm = {c["cluster"]: c for c in out["clusters"]}["CM"]
    # CM anchors A and C: before ¥1M local of ¥3M; after ¥6M local of ¥11M
    assert (cm["before_pct"], cm["after_pct"]) == (33.3, 54.5)

    rows = report.compare(graph, policy, as_of=date(2026, 7, 1))
    assert [(r["id"], r["complete"], r["new_local_fen"]) for r in rows] == [
        ("f2025", True, 2 * M)]

    # The office's pages: the report, its Excel, the comparison; anchors are turned away.
    from io import BytesIO

    from conftest import login
    from openpyxl import load_workbook

    from matchmaker.auth import accounts
    accounts.create_user(graph, "office@c.cn", "办公室", "organizer", "correct-horse-1")
    accounts.create_user(graph, "buyer@a.cn", "主机A", "anchor", "correct-horse-1", A)
    client = app.test_client()
    login(client, "buyer@a.cn")
    assert client.get("/fairs/f2025/report").status_code == 403
    client = app.test_client()
    login(client, "office@c.cn")
    page = client.get("/fairs/f2025/report").get_data(as_text=True)
    assert "新建本地配套关系" in page and "长沙县配套" in page and "已兑现" in page
    book = load_workbook(BytesIO(client.get("/fairs/f2025/report.xlsx").data))
    assert book.sheetnames == ["会谈跟踪", "产业链配套率"]
    assert book["会谈跟踪"].max_row == 4  # header + three held meetings
    assert "2025 工程机械配套洽谈会" in client.get("/fairs/reports").get_data(as_text=True)


def test_follow_up_rounds():
    assert followup.add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert followup.current_round(DAY, date(2025, 8, 31)) is None
    assert followup.current_round(DAY, date(2025, 9, 1)) == 3
    assert followup.current_round(DAY, date(2026, 1, 1)) == 6


class User:
    def __init__(self, company, email):
        self.company, self.email = company, email


def test_follow_up_asked_once_answered_and_shown_in_the_report(app, graph, held_fair):
    from graph import notifications as notification_store
    from matchmaker.errors import Forbidden, ValidationError
    A, local1, local2 = CODES["A"], CODES["local1"], CODES["local2"]
    today = date(2025, 9, 15)
    from matchmaker.mail import periodic   # the worker's tick queues the round once
    assert [r["key"] for r in periodic.due(graph.read(fair_store.list_fairs), date(2025, 9, 3))] == [
        "follow_up|f2025|3"]
    assert followup.announce(graph, "f2025") == 5   # every company that held a meeting
    told = graph.read(notification_store.notifications_for, [local1])
    assert [(n["kind"], n["link"]) for n in told] == [("follow_up", "/fairs/follow-ups")]

    questions = followup.questions(graph, local1, today)
    assert [(q["anchor"], q["round"], q["answer"]) for q in questions] == [(A, 3, None)]
    key = questions[0]["key"]
    followup.answer(graph, User(local1, "s@l1.cn"), key, 3, "samples", "已送样", today)
    assert followup.questions(graph, local1, today)[0]["answer"]["status"] == "samples"
    with pytest.raises(Forbidden):
        followup.answer(graph, User(local2, "s@l2.cn"), key, 3, "contract", "", today)
    with pytest.raises(ValidationError):
        followup.answer(graph, User(local1, "s@l1.cn"), key, 6, "contract", "", today)
    with pytest.raises(ValidationError):
        followup.answer(graph, User(local1, "s@l1.cn"), key, 3, "maybe", "", today)

    out = report.fair_report(graph, held_fair, "f2025", as_of=today)
    pair = next(p for p in out["pairs"] if p["pair"].key == key)
    assert pair["supplier_says"]["status"] == "samples" and pair["anchor_says"] is None


def test_follow_up_page(app, graph, held_fair):
    from conftest import csrf_token, login

    from matchmaker.auth import accounts
    accounts.create_user(graph, "s@l1.cn", "浏阳配套", "supplier", "correct-horse-1",
                         CODES["local1"])
    client = app.test_client()
    login(client, "s@l1.cn")
    page = client.get("/fairs/follow-ups").get_data(as_text=True)
    assert "主机A" in page and "第 6 个月回访" in page  # a year and a half after the fair
    key = f"f2025|{CODES['A']}|{CODES['local1']}"
    response = client.post(f"/fairs/follow-ups/{key}", data={
        "round": "6", "status": "contract", "note": "",
        "csrf_token": csrf_token(client, "/fairs/follow-ups")}, follow_redirects=True)
    assert "已保存" in response.get_data(as_text=True)
    assert "已回复：已签合同" in client.get("/fairs/follow-ups").get_data(as_text=True)
