"""Integrity flags on award proposals (issue 20 point 5): the rules on crafted data (fast, no
graph), then each flag raised from a crafted ledger in the real graph through the normal award
computation, a clean ledger that raises none, who may see flags, and the office's review."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from graph import audit as audit_store
from graph import ledger as ledger_store
from matchmaker import clock, credit_code, policy as policy_module, tables
from matchmaker.auth import accounts
from matchmaker.imports import companies as company_imports, purchases as ledger
from matchmaker.incentives import service as awards
from matchmaker.incentives import flags, integrity
from matchmaker.incentives.integrity import AnchorGrowth, Company, Decision, Purchase
from conftest import csrf_token, login

YUAN = 100


def buy(day: str, yuan, supplier: str = "S", anchor: str = "A", invoice: str = "") -> Purchase:
    return Purchase(anchor, supplier, invoice or f"{supplier}-{day}-{yuan}",
                    date.fromisoformat(day), int(Decimal(str(yuan)) * YUAN))


def rules_of(found) -> set[str]:
    return {f.rule for f in found}


COMPANIES = {"A": Company("A", "主机A", "approved", date(2020, 1, 1), (), "张建国",
                          "0731-88880001", "长沙市雨花区环保中路88号"),
             "S": Company("S", "配套S", "approved", date(2020, 1, 1), (), "李四",
                          "13800001111", "浏阳市集里街道花炮大道1号")}


def run(purchases, companies=COMPANIES, growth=(), year=2025, anchors=("A",)):
    """The flags on `anchors` (and on those in `growth`)."""
    listed = {g.anchor for g in growth}
    return integrity.flags(year, list(purchases), companies, list(growth) + [
        AnchorGrowth(a, (), None, 0) for a in anchors if a not in listed])


# ------------------------------------------------------------------------- rules (pure)

def test_clean_ledger_raises_nothing():
    ledger_rows = [buy(f"2025-{m:02d}-1{m % 9}", 123_456.78 + 1_003.17 * m) for m in range(1, 13)]
    ledger_rows += [buy("2025-12-20", 150_321.50), buy("2026-01-10", -3_210.40)]  # a return
    growth = [AnchorGrowth(a, ("CM",), 100_000_000 * YUAN, int(g * 100_000_000) * YUAN)
              for a, g in (("A", 1.05), ("B", 1.10), ("C", 0.97), ("D", 1.08))]
    assert run(ledger_rows, growth=growth) == []


def test_year_end_bunching_credited_early_next_year():
    bunched = [buy("2025-03-03", 400_123.45), buy("2025-12-15", 900_456.11),
               buy("2025-12-30", 700_222.02)]
    flag, = run(bunched + [buy("2026-02-10", -800_000.33)])
    assert (flag.rule, flag.anchor, flag.about, flag.year) == ("year_end_reversal", "A", "S", 2025)
    assert flag.key == "year_end_reversal|A|2025|S"
    e = flag.evidence
    assert (e["year_fen"], e["year_end_fen"], e["credited_fen"]) == (200_080_158, 160_067_813,
                                                                     80_000_033)
    assert [p["invoice_no"] for p in e["purchases"]] == [bunched[1].invoice_no,
                                                         bunched[2].invoice_no]
    assert e["credits"][0]["amount_fen"] == -80_000_033 and e["supplier_name"] == "配套S"
    # bunched but not reversed; reversed after the first quarter; not bunched: nothing
    assert run(bunched) == []
    assert run(bunched + [buy("2026-04-15", -800_000.33)]) == []
    spread = [buy(f"2025-{m:02d}-05", 300_000.5 + m) for m in range(1, 12)]
    assert run(spread + bunched[1:] + [buy("2026-01-10", -800_000.33)]) == []


def test_new_supplier_before_large_purchases():
    approved = Company("S", "配套S", "approved", date(2025, 5, 1), (
        Decision(date(2025, 6, 1), "pending", "approved"),))
    companies = {**COMPANIES, "S": approved}
    flag, = run([buy("2025-06-20", 600_000.01), buy("2025-08-25", 500_000.02),
                 buy("2025-10-01", 900_000.03)], companies)
    assert flag.rule == "new_supplier"
    assert (flag.evidence["since"], flag.evidence["how"], flag.evidence["total_fen"]) == (
        "2025-06-01", "approved", 110_000_003)
    assert len(flag.evidence["purchases"]) == 2  # day 91 is outside the window
    # small purchases in the first weeks: nothing
    assert run([buy("2025-06-20", 60_000.01)], companies) == []
    # an office-listed company counts from its listing on the platform
    listed = Company("S", "配套S", "approved", date(2025, 9, 1))
    flag, = run([buy("2025-09-20", 1_200_000.07)], {**COMPANIES, "S": listed})
    assert (flag.rule, flag.evidence["how"]) == ("new_supplier", "registered")


def test_purchase_dated_before_the_supplier_was_approved():
    history = (Decision(date(2025, 6, 1), "pending", "approved"),
               Decision(date(2025, 8, 1), "approved", "rejected"),
               Decision(date(2025, 9, 1), "rejected", "approved"))
    supplier = Company("S", "配套S", "approved", date(2025, 5, 1), history)
    companies = {**COMPANIES, "S": supplier}
    found = run([buy("2025-05-20", 1_000.01), buy("2025-08-10", 2_000.02),
                 buy("2025-12-01", 3_000.03)], companies)
    flag, = [f for f in found if f.rule == "unapproved_supplier"]
    assert [p["date"] for p in flag.evidence["purchases"]] == ["2025-05-20", "2025-08-10"]
    assert flag.evidence["approved_on"] == ["2025-06-01", "2025-09-01"]
    assert flag.evidence["status_then"] == ["pending", "rejected"]
    assert integrity.status_on(supplier, date(2025, 6, 1)) == "approved"  # the day of approval
    assert integrity.approved_since(supplier, date(2025, 12, 1)) == (date(2025, 9, 1),
                                                                     "approved")


def test_related_parties_by_legal_representative_phone_or_address():
    def supplier(**fields):
        base = {"legal_representative": "王五", "phone": "13900002222",
                "address": "长沙县星沙街道开元路17号"}
        return {**COMPANIES, "S": Company("S", "配套S", "approved", date(2020, 1, 1), (),
                                          **{**base, **fields})}
    ledger_rows = [buy("2025-04-02", 210_345.67)]
    assert run(ledger_rows, supplier()) == []
    flag, = run(ledger_rows, supplier(legal_representative=" 张 建国"))
    assert flag.rule == "related_party"
    assert flag.evidence["shared"] == [{"field": "legal_representative",
                                        "anchor_value": "张建国", "supplier_value": " 张 建国"}]
    assert flag.evidence["total_fen"] == 21_034_567
    flag, = run(ledger_rows, supplier(phone="+86 731 8888 0001"))
    assert flag.evidence["shared"][0]["field"] == "phone"
    flag, = run(ledger_rows, supplier(address="长沙市 雨花区 环保中路 88 号"))
    assert flag.evidence["shared"][0]["field"] == "address"
    # a bare district, a placeholder number or a one-character name is no evidence
    anchor = Company("A", "主机A", "approved", None, (), "张", "1", "长沙市雨花区")
    assert run(ledger_rows, {"A": anchor, "S": Company("S", "配套S", "approved", None, (), "张",
                                                       "1", "长沙市雨花区")}) == []


def test_circular_flow_purchases_recorded_the_other_way():
    found = run([buy("2025-03-01", 500_000.11),
                 buy("2025-09-01", 300_000.22, anchor="S", supplier="A")], anchors=("A", "S"))
    # each side that awards are computed for is flagged for what the other bought back
    assert {(f.rule, f.anchor, f.about) for f in found} == {("circular_flow", "A", "S"),
                                                            ("circular_flow", "S", "A")}
    flag = next(f for f in found if f.anchor == "A")
    assert (flag.evidence["bought_fen"], flag.evidence["sold_back_fen"]) == (50_000_011,
                                                                             30_000_022)
    assert flag.evidence["sold_back"][0]["anchor"] == "S"
    back = buy("2025-09-01", 300_000.22, anchor="S", supplier="A")
    assert [f.anchor for f in run([buy("2025-03-01", 500_000.11), back])] == ["A"]  # S: no award
    late = buy("2026-04-02", 300_000.22, anchor="S", supplier="A")  # after the window
    assert run([buy("2025-03-01", 500_000.11), late]) == []


def test_round_and_repeated_amounts():
    round_ = [buy("2025-02-01", 120_000), buy("2025-05-01", 350_000), buy("2025-08-01", 80_000),
              buy("2025-11-01", 123_456.78)]
    flag, = run(round_)
    assert (flag.rule, flag.evidence["round"], flag.evidence["invoices"]) == ("round_amounts",
                                                                              3, 4)
    assert run(round_[:2] + round_[3:]) == []  # two round invoices happen
    repeated = [buy(f"2025-{m:02d}-11", 234_567.89) for m in (3, 6, 9)]
    flag, = run(repeated + [buy("2025-10-10", 1_234.5)])
    assert flag.rule == "repeated_amounts"
    assert flag.evidence["amounts"][0]["amount_fen"] == 23_456_789
    assert flag.evidence["amounts"][0]["count"] == 3
    assert run([buy(f"2025-{m:02d}-11", 8_765.43) for m in range(1, 13)]) == []  # small bills


def test_growth_far_outside_the_cluster():
    def anchor(code, growth, clusters=("CM",)):
        return AnchorGrowth(code, clusters, 50_000_000 * YUAN, round(50_000_000 * growth) * YUAN)
    peers = [anchor("B", 1.05), anchor("C", 1.10), anchor("D", 0.96)]
    flag, = run([], growth=peers + [anchor("A", 3.0)])
    assert (flag.rule, flag.anchor, flag.about) == ("growth_outlier", "A", "CM")
    assert flag.evidence["growth_pct"] == 200.0 and flag.evidence["z"] > 3.5
    assert [p["anchor"] for p in flag.evidence["peers"]] == ["B", "C", "D"]
    assert run([], growth=peers + [anchor("A", 1.3)]) == []
    assert run([], growth=peers[:2] + [anchor("A", 3.0)]) == []  # too few peers
    # peers growing in step: the MAD floor keeps a modest difference from being "infinite"
    same = [anchor(c, 1.10) for c in "BCD"]
    assert run([], growth=same + [anchor("A", 1.15)]) == []
    assert run([], growth=same + [anchor("A", 1.6)]) == []
    assert run([], growth=same + [anchor("A", 2.0)])[0].rule == "growth_outlier"
    # no prior-year figure: no growth to compare
    assert run([], growth=peers + [AnchorGrowth("A", ("CM",), None, 10**12)]) == []


def test_screen_names_the_pairs_worth_reading():
    """A big ledger is searched in the graph: only pairs that can raise a flag are read."""
    def supplier(code, registered, *decisions, phone=""):
        return Company(code, code, "approved", registered,
                       tuple(Decision(date.fromisoformat(d), b, a) for d, b, a in decisions),
                       phone=phone)
    companies = {"A": COMPANIES["A"],
                 "OLD": supplier("OLD", date(2023, 1, 5), ("2023-02-01", "pending", "approved")),
                 "LATE24": supplier("LATE24", date(2024, 11, 1),
                                    ("2024-11-15", "pending", "approved")),
                 "LISTED26": supplier("LISTED26", date(2026, 3, 1)),  # imported after the year
                 "LISTED25": supplier("LISTED25", date(2025, 3, 1)),
                 "PENDING": Company("PENDING", "PENDING", "pending", date(2024, 1, 1)),
                 "TWIN": supplier("TWIN", date(2020, 1, 1), phone="0731 8888 0001")}
    result = integrity.screen(2025, companies, ["A"], sorted(set(companies) - {"A"}), ["A"],
                              [("A", "OLD")])
    assert result.watched == ("LATE24", "LISTED25", "PENDING")
    assert result.pairs == (("A", "OLD"), ("A", "TWIN"))
    params = result.as_params()
    assert params["keys"] == ["A|OLD", "A|TWIN"] and params["buyers"] == ["A"]
    assert params["amounts"]["round_unit_fen"] == integrity.ROUND_UNIT_FEN


# ------------------------------------------------------------------- crafted ledgers (graph)

@pytest.fixture
def policy(app):
    return policy_module.load(app.config["POLICY_FILE"])


class City:
    """Companies imported by the office (with legal representatives) and purchase helpers."""

    def __init__(self, graph, policy):
        self.graph, self.policy, self.codes, self.invoice = graph, policy, {}, 0

    def companies(self, rows: list[tuple]) -> None:
        """rows: (name, role, cluster, region, legal representative, phone), under English
        headers; a name imported before keeps its credit code."""
        lines = ["Credit Code,Company Name,Type,Cluster,Region,Legal Representative,Phone"]
        for name, role, cluster, region, person, phone in rows:
            self.codes.setdefault(name, credit_code.make(region, len(self.codes) + 1))
            lines.append(f"{self.codes[name]},{name},{role},{cluster},{region},{person},{phone}")
        report = company_imports.import_companies(self.graph, tables.read(
            "\n".join(lines).encode(), "c.csv", company_imports.COMPANY_REQUIRED,
            columns=company_imports.COMPANY_COLUMNS + company_imports.PROFILE_COLUMNS),
            self.policy, "office@t.cn")
        assert report.created + report.updated == len(rows)

    def buy(self, anchor: str, supplier: str, *rows: tuple[str, str]) -> None:
        table = []
        for day, yuan in rows:
            self.invoice += 1
            table.append((self.invoice + 1, {
                "anchor_credit_code": self.codes[anchor],
                "supplier_credit_code": self.codes[supplier],
                "invoice_no": f"INV{self.invoice:05d}", "date": day, "amount_yuan": yuan}))
        ledger.import_purchases(self.graph, table, "office@t.cn")

    def flagged(self, year: int = 2025) -> list[dict]:
        awards.compute(self.graph, self.policy, year, "office@t.cn")
        return [f for g in flags.year_review(self.graph, year) for f in g["flags"]]


ANCHORS = [("主机甲", "anchor", "CM", "430104", "赵一", "0731-81000001"),
           ("主机乙", "anchor", "CM", "430104", "钱二", "0731-81000002"),
           ("主机丙", "anchor", "CM", "430121", "孙三", "0731-81000003"),
           ("主机丁", "anchor", "CM", "430121", "周四", "0731-81000004")]
SUPPLIERS = [("配套一", "supplier", "", "430181", "吴五", "13800000005"),
             ("配套二", "supplier", "", "430112", "郑六", "13800000006"),
             ("配套三", "supplier", "", "430200", "冯七", "13800000007")]


@pytest.fixture
def city(graph, policy):
    """Four anchors of one cluster buying from three suppliers in 2024 and 2025, in irregular
    amounts spread over the year, growing by a few percent: a clean ledger."""
    city = City(graph, policy)
    city.companies(ANCHORS + SUPPLIERS)
    for n, (anchor, *_rest) in enumerate(ANCHORS):
        for year, growth in ((2024, 1.0), (2025, 1.03 + n / 50)):
            for m, supplier in enumerate(["配套一", "配套二", "配套三"] * 2):
                amount = (4_123_456.17 + 731_215.03 * m + 97_531.9 * n) * growth
                city.buy(anchor, supplier, (f"{year}-{2 * m + 1:02d}-{11 + n}", f"{amount:.2f}"))
    city.buy("主机甲", "配套一", ("2025-08-03", "-12345.60"))  # a return, mid-year
    return city


def test_clean_ledger_in_the_graph_raises_no_flag(city):
    assert city.flagged() == []
    assert city.flagged(2024) == []


def test_each_crafted_ledger_raises_its_flag(graph, city, policy):
    # (a) year-end bunching with 配套三 (outside the city: the local growth stays ordinary),
    # credited in January
    city.buy("主机甲", "配套三", ("2025-12-20", "8456789.12"), ("2025-12-28", "9567890.23"))
    city.buy("主机甲", "配套三", ("2026-01-18", "-5000000.45"))
    # (c) 配套一 is run by 主机乙's legal representative (a re-import adds the column only)
    city.companies([("配套一", "supplier", "", "430181", "钱二", "13800000005")])
    # (f) round amounts from 配套三 to 主机丙; repeated amounts from 配套三 to 主机丁
    city.buy("主机丙", "配套三", ("2025-02-14", "300000"), ("2025-06-14", "450000"),
             ("2025-10-14", "1200000"))
    city.buy("主机丁", "配套三", *[(f"2025-{m:02d}-21", "234567.89") for m in (4, 7, 10)])
    found = {(f["rule"], f["anchor_name"], f["evidence"].get("supplier_name")) for f in
             city.flagged()}
    assert found == {("year_end_reversal", "主机甲", "配套三"), ("related_party", "主机乙", "配套一"),
                     ("round_amounts", "主机丙", "配套三"), ("repeated_amounts", "主机丁", "配套三")}
    company = graph.read(lambda tx: tx.run("MATCH (c:Company {credit_code: $c}) RETURN "
                                           "c.legal_representative AS p, c.contact_phone AS t",
                                           c=city.codes["配套一"]).single().data())
    assert company == {"p": "钱二", "t": "13800000005"}


def test_growth_outlier_in_the_graph(city):
    city.buy("主机丙", "配套一", ("2025-06-30", "98765432.10"))
    flag, = city.flagged()
    assert (flag["rule"], flag["anchor_name"], flag["about"]) == ("growth_outlier", "主机丙", "CM")
    assert {p["name"] for p in flag["evidence"]["peers"]} == {"主机甲", "主机乙", "主机丁"}


def test_circular_flow_in_the_graph(graph, city):
    # 配套二 buying from 主机甲: the ledger only takes it from a company in the anchor's role, so
    # such rows come from elsewhere (an earlier system, a company whose role changed)
    graph.write(ledger_store.create_purchases, [{
        "key": f"{city.codes['配套二']}|{city.codes['主机甲']}|BACK1",
        "anchor": city.codes["配套二"], "supplier": city.codes["主机甲"], "invoice_no": "BACK1",
        "date": "2025-11-05", "year": 2025, "amount_fen": 333_444_55, "category": None,
        "category_text": ""}], 0, "import")
    flag, = city.flagged()
    assert (flag["rule"], flag["anchor_name"], flag["evidence"]["supplier_name"]) == (
        "circular_flow", "主机甲", "配套二")
    assert flag["evidence"]["sold_back"][0]["invoice_no"] == "BACK1"


def test_new_and_unapproved_suppliers_from_the_office_decisions(graph, city):
    """A supplier that registered itself and was approved today: a purchase dated before
    today was bought from a company not yet approved; a large one from today on, from a
    supplier approved less than 90 days before."""
    today = clock.today()   # the ledger's days are the city's
    registered = []
    for n, name in enumerate(("新配套", "后审配套")):
        row = accounts.register_company(graph, {
            "credit_code": credit_code.make("430104", 900 + n), "name": name, "role": "supplier",
            "region": "430104", "legal_representative": "陈" + name},
            {"email": f"s{n}@t.cn", "password": "correct-horse-1"}, "430100")
        accounts.set_company_status(graph, row["credit_code"], "approved", "", "office@t.cn")
        city.codes[name] = row["credit_code"]
        registered.append(row)
    city.buy("主机乙", "新配套", (today.isoformat(), "1500000.37"))
    earlier = today - timedelta(days=1)
    city.buy("主机丁", "后审配套", (earlier.isoformat(), "2345.67"))
    years = {today.year, earlier.year}
    found = {(f["rule"], f["anchor_name"]): f for y in sorted(years) for f in city.flagged(y)}
    assert set(found) == {("new_supplier", "主机乙"), ("unapproved_supplier", "主机丁")}
    assert found[("new_supplier", "主机乙")]["evidence"]["since"] == today.isoformat()
    assert found[("new_supplier", "主机乙")]["evidence"]["how"] == "approved"
    assert found[("unapproved_supplier", "主机丁")]["evidence"]["approved_on"] == [
        today.isoformat()]


def test_worked_example_flags_only_k_jump(graph, policy):
    """The policy's worked example (tests/ledger_data.py): K's local purchases almost quadruple
    while its cluster peers move by -20% to +32% — the only thing worth a second look."""
    from ledger_data import CODES, COMPANIES, EXAMPLES, purchases_csv
    company_imports.import_companies(graph, tables.read(COMPANIES.encode(), "c.csv",
                                               company_imports.COMPANY_COLUMNS), policy, "t")
    ledger.import_purchases(graph, tables.read(purchases_csv(EXAMPLES), "p.csv",
                                               ledger.PURCHASE_COLUMNS), "t")
    awards.compute(graph, policy, 2025, "t")
    (group,) = flags.year_review(graph, 2025)
    assert group["anchor"] == CODES["K"] and [f["rule"] for f in group["flags"]] == [
        "growth_outlier"]


# ------------------------------------------------------------------- who sees, the review

@pytest.fixture
def flagged_city(graph, city):
    city.companies([("配套一", "supplier", "", "430181", "钱二", "13800000005")])
    accounts.create_user(graph, "office@t.cn", "办公室", "organizer", "correct-horse-1")
    accounts.create_user(graph, "b@t.cn", "主机乙采购", "anchor", "correct-horse-1",
                         city.codes["主机乙"])
    flag, = city.flagged()
    return city, flag


def test_anchor_cannot_see_flags(client, flagged_city):
    city, flag = flagged_city
    login(client, "b@t.cn")
    assert client.get("/incentives/flags?year=2025").status_code == 403
    token = csrf_token(client, "/incentives/mine?year=2025")
    answer = client.post(f"/incentives/flags/{flag['key']}/review",
                         data={"comment": "我们已核实", "csrf_token": token})
    assert answer.status_code == 403
    mine = client.get("/incentives/mine?year=2025").get_data(as_text=True)
    api = client.get("/api/v1/awards?year=2025").get_data(as_text=True)
    for text in (mine, api):
        assert "related_party" not in text and "异常提示" not in text and "钱二" not in text
        assert "疑似关联方" not in text
    assert flags.year_review(city.graph, 2025)[0]["flags"][0]["reviewed_by"] is None


def test_office_reviews_a_flag_audited_and_kept_on_recompute(client, flagged_city):
    city, flag = flagged_city
    login(client, "office@t.cn")
    page = client.get("/incentives/flags?year=2025").get_data(as_text=True)
    assert "疑似关联方" in page and "钱二" in page and "待核查" in page
    dashboard = client.get("/incentives/?year=2025").get_data(as_text=True)
    assert "1项异常提示待核查" in dashboard
    token = csrf_token(client, "/incentives/flags?year=2025")
    url = f"/incentives/flags/{flag['key']}/review"
    client.post(url, data={"comment": "  ", "csrf_token": token})  # a review says something
    assert flags.year_review(city.graph, 2025)[0]["flags"][0]["reviewed_by"] is None
    answer = client.post(url, data={"comment": "法定代表人同名不同人，已核对身份证号",
                                    "csrf_token": token})
    assert answer.status_code == 302
    events = city.graph.read(audit_store.events, f"flag:{flag['key']}")
    assert [(e["action"], e["actor"], e["after"]["comment"]) for e in events] == [
        ("flag.review", "office@t.cn", "法定代表人同名不同人，已核对身份证号")]

    client.post("/incentives/compute", data={"year": 2025, "csrf_token": token})
    reviewed, = flags.year_review(city.graph, 2025)[0]["flags"]
    assert (reviewed["key"], reviewed["state"]) == (flag["key"], "reviewed")
    assert reviewed["review_comment"] == "法定代表人同名不同人，已核对身份证号"
    assert "已核查" in client.get("/incentives/flags?year=2025").get_data(as_text=True)
    assert "1项异常提示已核查" in client.get("/incentives/?year=2025").get_data(as_text=True)

    # new evidence after the review: the review stays, marked as made on other evidence
    city.buy("主机乙", "配套一", ("2025-11-11", "765432.10"))
    changed, = city.flagged()
    assert (changed["state"], changed["review_comment"]) == ("changed",
                                                              "法定代表人同名不同人，已核对身份证号")
    # a flag that stops firing is kept inactive with its review, and shown again if it returns
    city.companies([("配套一", "supplier", "", "430181", "吴五", "13800000005")])
    assert city.flagged() == []
    city.companies([("配套一", "supplier", "", "430181", "钱二", "13800000005")])
    back, = city.flagged()
    assert back["review_comment"] == "法定代表人同名不同人，已核对身份证号"


def test_legal_representative_header_synonyms():
    from matchmaker import columns
    for header in ("法定代表人", "法人代表", "Legal Representative", "legal_representative"):
        found = columns.recognize([header], company_imports.PROFILE_COLUMNS)
        assert found[0].name == "legal_representative", header
