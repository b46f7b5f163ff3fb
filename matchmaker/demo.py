"""Demo city: 3 clusters, 8 anchors, ~150 suppliers across 长沙's districts and parks (and a few
outside the city), capabilities, open needs, two years of purchases, a fair with its first
schedule, last spring's fair followed in the ledger, and demo accounts. Idempotent (MERGE by key)."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass

from graph import attribution as attribution_store
from graph import awards as award_store
from graph import companies as company_store
from graph import fairs as fair_store
from graph import reference
from graph import users as user_store
from matchmaker import credit_code, policy
from matchmaker.auth import accounts
from matchmaker.fairs import proposals, setup, timetable
from matchmaker.imports import purchases as ledger
from matchmaker.incentives import service as awards
from matchmaker.matching import service
from matchmaker.reference.seeds import seed

DEMO_PASSWORD = "demo-password"
DEMO_USERS = [
    ("office@demo.cn", "市产业链办公室 王主任", "organizer", None),
    ("admin@demo.cn", "系统管理员", "admin", None),
    ("anchor@demo.cn", "星联重工 采购部 李经理", "anchor", 0),
    ("supplier@demo.cn", "湘液液压 张总", "supplier", 0),
]

ANCHORS = [
    ("长沙星联重工机械有限公司", "CM", "430121", "CSETDZ"),
    ("湖南楚天起重机械股份有限公司", "CM", "430112", "WCETDZ"),
    ("长沙岳麓泵送装备有限公司", "CM", "430104", "CSHTZ"),
    ("湖南湘江汽车制造有限公司", "AU", "430121", "CSETDZ"),
    ("长沙星城新能源汽车有限公司", "AU", "430182", "NXETDZ"),
    ("湖南麓谷客车有限公司", "AU", "430104", "CSHTZ"),
    ("长沙湘电家用电器有限公司", "HA", "430182", "NXETDZ"),
    ("湖南芙蓉智能家电有限公司", "HA", "430111", "YHEDZ"),
]

# (part category, product phrases, processes, materials, certifications)
SUPPLY_TEMPLATES = [
    ("HYD-CYL", "工程机械液压油缸、伸缩油缸", "缸筒珩磨、活塞杆镀铬、焊接", "27SiMn、45#钢", ["ISO9001"]),
    ("HYD-CYL", "汽车液压缸、举升油缸", "精密加工、装配试验", "合金钢", ["IATF16949"]),
    ("HYD-VLV", "多路换向阀、液压阀块", "数控加工、去毛刺、试验台测试", "铸铁、钢", ["ISO9001"]),
    ("HYD-PMP", "齿轮泵、柱塞泵及液压马达", "精密磨削、装配", "合金钢", ["ISO9001"]),
    ("HYD-HOSE", "液压胶管总成及接头", "扣压、钢丝编织", "橡胶、碳钢", ["ISO9001"]),
    ("HYD-PNU", "气缸、电磁阀、气动接头", "铝型材加工、装配", "铝合金", ["ISO9001"]),
    ("HYD-SEAL", "O型圈、油封、组合密封件", "模压硫化", "丁腈橡胶、氟橡胶", ["ISO9001"]),
    ("CAST-IRON", "灰铁、球墨铸铁件，箱体、缸体", "树脂砂铸造、消失模", "HT250、QT450", ["ISO9001"]),
    ("CAST-DIE", "铝合金压铸件，变速箱壳体、电机壳体", "800T-2000T压铸、T6热处理", "ADC12、A380", ["IATF16949"]),
    ("CAST-INV", "不锈钢熔模精密铸件、阀体", "硅溶胶工艺", "304、316不锈钢", ["ISO9001"]),
    ("FORG-DIE", "曲轴、连杆、转向节模锻件", "热模锻、调质", "42CrMo、40Cr", ["IATF16949"]),
    ("FORG-OPEN", "齿轮坯、法兰、轴类自由锻件", "自由锻、正火", "42CrMo、20CrMnTi", ["ISO9001"]),
    ("MACH-CNC", "箱体、支架类零件机加工外协", "加工中心、龙门铣、卧式镗", "铸铁、钢", ["ISO9001"]),
    ("MACH-HT", "齿轮、轴类渗碳淬火、感应淬火、渗氮", "可控气氛多用炉", "合金钢", ["ISO9001"]),
    ("MACH-SURF", "镀锌、达克罗、阳极氧化表面处理", "挂镀、滚镀", "钢、铝", ["ISO9001", "ISO14001"]),
    ("MACH-COAT", "工程机械结构件电泳、喷粉涂装", "自动涂装线", "钢", ["ISO9001"]),
    ("STRU-WELD", "挖掘机动臂、斗杆、铲斗焊接结构件", "机器人焊接、整体加工", "Q355、Q690高强钢", ["ISO9001"]),
    ("STRU-STAMP", "冰箱门体、空调外壳冲压件及冲压模具", "级进模冲压", "冷轧板、镀锌板", ["ISO9001"]),
    ("STRU-SHEET", "电气控制柜、机箱钣金", "激光切割、数控折弯、焊接", "冷轧板、不锈钢", ["ISO9001"]),
    ("ELEC-HARN", "汽车线束、新能源高压线束", "压接、装配检测", "铜线、PVC", ["IATF16949"]),
    ("ELEC-HARN", "家电内部连接线、端子线", "自动压接", "铜线", ["ISO9001", "UL"]),
    ("ELEC-PCBA", "PCBA贴片加工、控制板", "SMT贴片、波峰焊、测试", "FR-4", ["ISO9001"]),
    ("ELEC-CTRL", "洗衣机、空调变频控制器", "研发设计、SMT", "电子元器件", ["ISO9001", "CCC"]),
    ("ELEC-MOTOR", "空调风扇无刷直流电机、步进电机", "绕线、装配", "硅钢片、铜线", ["ISO9001"]),
    ("PLAS-INJ", "空调面板、洗衣机外壳注塑件及模具", "注塑成型、模具开发", "ABS、PP", ["ISO9001"]),
    ("PLAS-INJ", "汽车保险杠、仪表板注塑及喷涂", "大型注塑、喷涂", "PP+EPDM", ["IATF16949"]),
    ("PLAS-RUB", "减震橡胶件、密封条", "模压、挤出", "EPDM、天然橡胶", ["ISO9001"]),
    ("TRAN-GEAR", "齿轮、变速箱总成", "滚齿、磨齿、装配", "20CrMnTi", ["ISO9001"]),
    ("TRAN-BEAR", "回转支承、转盘轴承", "锻造、车削、淬火", "50Mn、42CrMo", ["ISO9001"]),
    ("TRAN-SHOCK", "汽车减震器总成", "装配、试验", "钢、液压油", ["IATF16949"]),
    ("THERM-COMP", "家用空调转子压缩机", "精密加工、装配", "铸铁、铜", ["ISO9001", "CCC"]),
    ("THERM-HX", "冷凝器、蒸发器、汽车水箱", "钎焊、胀管", "铝、铜", ["ISO9001"]),
    ("THERM-TUBE", "空调铜管U型弯管、分歧管", "弯管、焊接", "紫铜", ["ISO9001"]),
    ("MAT-AL", "工业铝型材及深加工", "挤压、数控加工", "6063铝合金", ["ISO9001"]),
    ("MAT-GLASS", "家电钢化玻璃、玻璃层架", "钢化、丝印", "浮法玻璃", ["ISO9001"]),
    ("MAT-FAST", "高强度螺栓、螺母紧固件", "冷镦、热处理", "合金钢", ["ISO9001", "IATF16949"]),
    ("MAT-PM", "粉末冶金含油轴承、结构件", "压制、烧结", "铁基粉末", ["ISO9001"]),
]

LOCAL_REGIONS = ["430102", "430103", "430104", "430105", "430111", "430112", "430121",
                 "430181", "430182"]
OUTSIDE_REGIONS = ["430200", "430300", "440600", "320500", "420100"]  # 株洲 湘潭 佛山 苏州 武汉
NAME_HEADS = ["湘", "楚", "星", "岳", "麓", "芙", "浏", "宁", "望", "雨", "金", "天", "开", "长", "华",
              "中", "恒", "鑫", "精", "锐"]
NAME_TAILS = ["精工", "机械", "科技", "实业", "制造", "工业", "装备", "智能"]

NEEDS = [
    (0, "挖掘机液压油缸采购", "缸径160mm，年需求2000件，要求ISO9001认证", "HYD-CYL", 2000),
    (0, "挖掘机动臂、斗杆焊接结构件", "要求机器人焊接，年需求500套", "STRU-WELD", 500),
    (1, "起重机回转支承", "外径1.2米，年需求300套", "TRAN-BEAR", 300),
    (1, "结构件电泳涂装外协", "工程机械结构件，耐盐雾500小时", "MACH-COAT", None),
    (2, "泵车多路换向阀", "额定压力35MPa", "HYD-VLV", 800),
    (3, "变速箱壳体铝合金压铸", "需IATF16949认证，年需求10万件", "CAST-DIE", 100000),
    (3, "转向节模锻件", "热模锻工艺，42CrMo", "FORG-DIE", 50000),
    (4, "新能源高压线束", "需IATF16949认证", "ELEC-HARN", 80000),
    (4, "Aluminium die-cast motor housings", "IATF 16949 certified supplier required", "CAST-DIE", 60000),
    (5, "客车保险杠注塑及喷涂", "", "PLAS-INJ", 20000),
    (6, "空调转子压缩机", "年需求20万台", "THERM-COMP", 200000),
    (6, "空调面板注塑件及模具开发", "ABS材料", "PLAS-INJ", 300000),
    (7, "冰箱门体钣金冲压件", "需配套开发冲压模具", "STRU-STAMP", 150000),
    (7, "Tempered glass shelves for refrigerators", "screen printing required", "MAT-GLASS", 100000),
]


def _suppliers(rng: random.Random, parks: list[dict]) -> list[tuple[dict, dict]]:
    out, used = [], set()
    parks_by_region = {}
    for p in parks:
        parks_by_region.setdefault(p["region"], []).append(p["code"])
    for i in range(150):
        template = SUPPLY_TEMPLATES[i % len(SUPPLY_TEMPLATES)]
        # Every compressor maker is outside the city: the demo's missing link (缺失环节).
        outside = i % 12 == 11 or template[0] == "THERM-COMP"
        region = rng.choice(OUTSIDE_REGIONS if outside else LOCAL_REGIONS)
        while True:
            name = rng.choice(NAME_HEADS) + rng.choice(NAME_HEADS) + rng.choice(NAME_TAILS)
            if name not in used:
                used.add(name)
                break
        category, products, processes, materials, certs = template
        company = {"credit_code": credit_code.make(region, 10_000 + i), "role": "supplier",
                   "name": f"{'长沙' if not outside else ''}{name}有限公司",
                   "region": region, "park": (parks_by_region.get(region) or [None])[0],
                   "address": "", "contact_name": "联系人", "contact_phone": "0731-8888" + f"{i:04d}"}
        capability = {"id": f"{company['credit_code']}-1", "products": products,
                      "processes": processes, "materials": materials, "certifications": certs,
                      "capacity_per_year": rng.choice([5_000, 20_000, 100_000, 500_000]),
                      "categories": [category]}
        out.append((company, capability))
    return out


PURCHASE_YEARS = [2024, 2025]


def _purchases(rng: random.Random, anchors: list[dict], suppliers: list[dict],
               category_of: dict[str, str]) -> list[tuple[int, dict]]:
    """Two years of invoices per anchor; local shares between ~25% and ~60%, growing in 2025.
    The last anchor has no 2024 records, so its award shows as not computable."""
    local = [s["credit_code"] for s in suppliers if s["local"]]
    outside = [s["credit_code"] for s in suppliers if not s["local"]]
    rows, number = [], 2
    for i, anchor in enumerate(anchors):
        for year in PURCHASE_YEARS:
            if i == len(anchors) - 1 and year == PURCHASE_YEARS[0]:
                continue
            share = 0.25 + 0.05 * i + (0.08 if year == PURCHASE_YEARS[-1] else 0)
            for n in range(30):
                supplier = rng.choice(local if rng.random() < share else outside)
                rows.append((number, {
                    "anchor_credit_code": anchor["credit_code"], "supplier_credit_code": supplier,
                    "invoice_no": f"DEMO-{year}-{i}-{n:03d}",
                    "date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "amount_yuan": f"{rng.randint(2_000_000, 30_000_000)}",
                    "category": category_of[supplier]}))
                number += 1
    return rows


def _integrity_case(graph, anchor: dict, region: str) -> None:
    """A case for the office's integrity review (incentives/integrity.py): a supplier run by the
    anchor's own legal representative, four invoices of a round ¥800,000 in the last weeks of
    2025, most of it credited back in January 2026."""
    representative = "周建华"
    supplier = accounts.company_row({
        "credit_code": credit_code.make("430112", 20_000), "name": "长沙楚天精密结构件有限公司",
        "role": "supplier", "region": "430112", "legal_representative": representative,
        "contact_name": "周经理", "contact_phone": "0731-88120000"}, "approved", region)
    graph.write(company_store.upsert_companies,
                [dict(anchor, legal_representative=representative), supplier])
    invoices = [("CT-2025-1208", "2025-12-08", "800000"), ("CT-2025-1215", "2025-12-15", "800000"),
                ("CT-2025-1222", "2025-12-22", "800000"), ("CT-2025-1229", "2025-12-29", "800000"),
                ("CT-2026-0115-R", "2026-01-15", "-2400000")]
    ledger.import_purchases(graph, [(n, {
        "anchor_credit_code": anchor["credit_code"], "supplier_credit_code": supplier["credit_code"],
        "invoice_no": invoice, "date": day, "amount_yuan": amount, "category": "STRU-WELD"})
        for n, (invoice, day, amount) in enumerate(invoices, start=2)], "demo")


DEMO_FAIR = "DEMO-FAIR"
PAST_FAIR, PAST_FAIR_DAY = "DEMO-FAIR-2025", "2025-04-16"
# Outcomes of the past fair's meetings, in turn: what each pair declared on the day.
PAST_OUTCOMES = ["contract", "intent", "follow_up", "no_show", "contract", "no_interest"]


def _past_fair_pairs(rng: random.Random, anchors: list[dict], suppliers: list[dict],
                     purchases: list[tuple[int, dict]]) -> list[dict]:
    """Last spring's fair: each machinery and automotive anchor met local suppliers it had
    never bought from before the fair."""
    before = {(r["anchor_credit_code"], r["supplier_credit_code"]) for _, r in purchases
              if r["date"] < PAST_FAIR_DAY}
    local = [s for s in suppliers if s["local"]]
    met, used = [], set()  # a supplier meets one anchor (no double-booked slots)
    for a in anchors[:6]:
        fresh = [s for s in local if (a["credit_code"], s["credit_code"]) not in before
                 and s["credit_code"] not in used]
        for outcome, s in zip(PAST_OUTCOMES, rng.sample(fresh, len(PAST_OUTCOMES))):
            used.add(s["credit_code"])
            met.append({"anchor": a["credit_code"], "supplier": s["credit_code"],
                        "outcome": outcome,
                        "amount_fen": rng.randint(300, 1200) * 1_000_000
                        if outcome == "contract" else None})
    return met


def _purchases_after_fair(rng: random.Random, met: list[dict], category_of: dict[str, str],
                          number: int) -> list[tuple[int, dict]]:
    """What the meetings turned into in the ledger: signed pairs buy regularly after the fair,
    pairs with an intent place a first order."""
    rows = []
    for i, m in enumerate(met):
        orders = {"contract": 3, "intent": 1}.get(m["outcome"], 0)
        for n in range(orders):
            rows.append((number, {
                "anchor_credit_code": m["anchor"], "supplier_credit_code": m["supplier"],
                "invoice_no": f"DEMO-F25-{i:02d}-{n}",
                "date": f"2025-{rng.randint(5, 12):02d}-{rng.randint(1, 28):02d}",
                "amount_yuan": f"{rng.randint(1_500_000, 4_000_000)}",
                "category": category_of[m["supplier"]]}))
            number += 1
    return rows


def _decide_some_awards(graph, year: int) -> None:
    """The office has already approved the largest of the year's proposals, so the pages show
    an approved award beside those still waiting."""
    proposed = sorted((a for a in graph.read(award_store.awards, year)
                       if a["status"] == "proposed" and a["amount_fen"] > 0),
                      key=lambda a: a["amount_fen"])
    if len(proposed) >= 2:
        awards.decide(graph, proposed[-1]["key"], "approve", "材料齐全，同意", "office@demo.cn")


def _past_fair(graph, met: list[dict], companies: list[dict]) -> None:
    """The fair itself: registrations, held meetings with their outcomes (one no-show per
    anchor), a signed contract turned into an expected purchase, and follow-up answers."""
    if graph.read(fair_store.get_fair, PAST_FAIR):
        return
    form = setup.default_form()
    form.update(name="2025年春季工程机械与汽车零部件配套洽谈会", venue="长沙国际会展中心 A馆",
                days=PAST_FAIR_DAY, registration_opens="2025-03-20",
                registration_closes="2025-04-12", tables="10")
    fair = setup.parse_fair(form, set())
    fair.update(id=PAST_FAIR, status="published", created_by="demo", created_at=int(time.time()))
    graph.write(fair_store.create_fair, fair)
    roles = {c["credit_code"]: c["role"] for c in companies}
    slots = [s["index"] for s in setup.slots(fair)]
    for code in sorted({m["anchor"] for m in met} | {m["supplier"] for m in met}):
        graph.write(fair_store.register, {"key": f"{PAST_FAIR}|{code}", "fair": PAST_FAIR,
                                          "company": code, "role": roles[code],
                                          "available": slots, "at": 0})
        graph.write(fair_store.set_checked_in, PAST_FAIR, code, True, 0)
    for n, m in enumerate(met):
        key = f"{PAST_FAIR}|{m['anchor']}|{m['supplier']}"
        graph.write(fair_store.add_proposals, [{
            "key": key, "fair": PAST_FAIR, "anchor": m["anchor"], "supplier": m["supplier"],
            "need": None, "need_title": None, "fit": None, "tier": None, "reasons": "", "at": 0}])
        held = m["outcome"] != "no_show"
        graph.write(fair_store.update_meeting, key, {
            "status": "accepted", "requested_by": "anchor", "slot": slots[n % 6],
            "table": n // 6, "published": True, "attended": held,
            "outcome": m["outcome"] if held else None, "amount_fen": m["amount_fen"]})
        if m["outcome"] == "contract":
            graph.write(fair_store.create_expected_purchase,
                        {"key": key, "year": 2025, "actor": "demo", "at": 0})
            graph.write(attribution_store.save_follow_up, {
                "key": f"{key}|{m['supplier']}|6", "meeting": key, "company": m["supplier"],
                "round": 6, "status": "contract", "note": "", "actor": "demo", "at": 0})


class DemoRefused(RuntimeError):
    pass


def load(graph, config: dict) -> dict:
    """The demo city, with its well-known logins and password: never on a production site."""
    if config["PRODUCTION"]:
        raise DemoRefused("refusing to load the demo city (with its published demo logins) "
                          "while MATCHMAKER_ENV=production")
    rng = random.Random(20261122)
    seed(graph)
    rules = policy.load(config["POLICY_FILE"])
    region = rules.region
    anchors = [accounts.company_row({"credit_code": credit_code.make(r, 1 + i), "name": n,
                                     "role": "anchor", "region": r, "park": p, "clusters": [c],
                                     "contact_name": "采购部", "contact_phone": "0731-8000000"},
                                    "approved", region) for i, (n, c, r, p) in enumerate(ANCHORS)]
    suppliers = _suppliers(rng, graph.read(reference.list_parks))
    supplier_rows = [accounts.company_row(c, "approved", region) for c, _ in suppliers]
    graph.write(company_store.upsert_companies, anchors + supplier_rows)
    model = config["EMBEDDING_MODEL"]
    for company, capability in suppliers:
        service.save_capabilities(graph, model, company["credit_code"], [capability])
    for n, (anchor, title, description, category, volume) in enumerate(NEEDS):
        service.save_need(graph, model, anchors[anchor]["credit_code"],
                          {"id": f"DEMO-N{n + 1:02d}", "title": title, "description": description,
                           "category": category, "annual_volume": volume})
    category_of = {c["credit_code"]: cap["categories"][0] for c, cap in suppliers}
    purchases = _purchases(rng, anchors, supplier_rows, category_of)
    met = _past_fair_pairs(rng, anchors, supplier_rows, purchases)
    purchases += _purchases_after_fair(rng, met, category_of, len(purchases) + 2)
    ledger.import_purchases(graph, purchases, "demo")
    _integrity_case(graph, anchors[1], region)
    awards.compute(graph, rules, PURCHASE_YEARS[-1], "demo")
    _decide_some_awards(graph, PURCHASE_YEARS[-1])
    _past_fair(graph, met, anchors + supplier_rows)
    fair = _fair(graph, anchors, supplier_rows)
    logins = []
    for email, name, role, index in DEMO_USERS:
        company = None
        if role == "anchor":
            company = anchors[index]["credit_code"]
        elif role == "supplier":
            company = supplier_rows[index]["credit_code"]
        if not graph.read(user_store.get_user, email):
            accounts.create_user(graph, email, name, role, DEMO_PASSWORD, company)
        logins.append({"email": email, "password": DEMO_PASSWORD, "role": role})
    return {"anchors": len(anchors), "suppliers": len(supplier_rows),
            "outside_city": sum(1 for s in supplier_rows if not s["local"]),
            "needs": len(NEEDS), "purchase_years": PURCHASE_YEARS, "fair": fair,
            "logins": logins}


@dataclass
class _Participant:
    company: str
    role: str
    is_organizer: bool = False


def _fair(graph, anchors: list[dict], suppliers: list[dict]) -> dict:
    """A fair four weeks out with every anchor and the local suppliers registered, the top
    proposals accepted (the best one a mutual must-meet) and a first schedule, not published."""
    if graph.read(fair_store.get_fair, DEMO_FAIR):
        return {"id": DEMO_FAIR}
    form = setup.default_form()
    form.update(name="2026年冬季工程机械与汽车零部件配套洽谈会", venue="长沙国际会展中心 B馆",
                tables="8", min_meetings="1")
    fair = setup.parse_fair(form, set())
    fair.update(id=DEMO_FAIR, status="open", created_by="demo", created_at=int(time.time()))
    graph.write(fair_store.create_fair, fair)
    every_slot = [s["index"] for s in setup.slots(fair)]
    for row in [s for s in suppliers if s["local"]][:12]:
        proposals.register(graph, DEMO_FAIR, _Participant(row["credit_code"], "supplier"), every_slot)
    for row in anchors:
        proposals.register(graph, DEMO_FAIR, _Participant(row["credit_code"], "anchor"), every_slot)
    accepted = 0
    for row in anchors:
        mine = graph.read(fair_store.meetings, DEMO_FAIR, row["credit_code"])[:3]
        for n, m in enumerate(mine):
            graph.write(fair_store.update_meeting, m["key"], {
                "status": "accepted", "requested_by": "anchor",
                "anchor_pref": "must" if n == 0 else "meet",
                "supplier_pref": "must" if n == 0 else "meet"})
            accepted += 1
    report = timetable.run_scheduler(graph, DEMO_FAIR, time_limit=5)
    return {"id": DEMO_FAIR, "accepted": accepted, "scheduled": report["scheduled"]}
