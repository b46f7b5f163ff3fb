"""Fast unit tests of requirement reading and checking: plain strings in, plain dicts out (no
graph, no model). The texts are written for these tests from ordinary trade phrasing."""
import re
from pathlib import Path

import pytest

from matchmaker.i18n import joined
from matchmaker.matching import checks, ranking
from matchmaker.matching.quantities import quantities
from matchmaker.matching.requirements import annual_volume, chips, extract
from matchmaker.matching.vocabulary import NAMES


def _q(text):
    return [(q["kind"], q["low"], q["high"]) for q in quantities(text)]


@pytest.mark.parametrize("text,expected", [
    ("缸径Φ32–Φ100，工作压力≤25MPa", [("diameter", 32, 100), ("pressure", None, 25)]),
    ("bore 40 to 160 mm, up to 250 bar", [("diameter", 40, 160), ("pressure", None, 25)]),
    ("铸件单重5-500kg", [("mass", 5, 500)]),
    ("castings from 0.5 t to 3 t", [("mass", 500, 3000)]),
    ("年需求 2000 件", [("annual_count", 2000, 2000)]),
    ("年产能 10 万件", [("annual_count", 100_000, 100_000)]),
    ("capacity 50,000 pcs per year", [("annual_count", 50_000, 50_000)]),
    ("月产 5000 套", [("annual_count", 60_000, 60_000)]),
    ("annual volume of 20k units", [("annual_count", 20_000, 20_000)]),
    ("280T–1600T压铸机", [("force", 280, 1600)]),
    ("适用20吨级挖掘机", [("class", 20, 20)]),
    ("M8–M24 螺栓", [("thread", 8, 24)]),
    ("最大加工直径Φ800", [("diameter", None, 800)]),
    ("Φ100以下", [("diameter", None, 100)]),
    ("2–12层 PCB", [("layers", 2, 12)]),
    ("机柜 1200×800×600mm", [("size", 1200, 1200)]),
    ("缸径40-200，行程 ≤ 2000", [("diameter", 40, 200), ("stroke", None, 2000)]),
])
def test_quantities_with_units_ranges_and_bounds(text, expected):
    assert _q(text) == [(k, lo, hi) for k, lo, hi in expected]


@pytest.mark.parametrize("text", ["30天内交付500件", "质保2年", "ISO 9001:2015", "42CrMo调质",
                                  "IATF16949认证", "6061-T6", "成立于2008年"])
def test_numbers_that_are_not_requirements(text):
    assert quantities(text) == []


def test_capability_restrictions_are_read():
    cap = extract("液压油缸维修、再制造，只修不造；缸径Φ32–Φ100", "capability")
    assert cap["service"] == "repair"
    cap = extract("铝合金压铸件，只做铝合金，不做锌合金和镁合金，无喷涂能力", "capability")
    assert [i["text"] for i in cap["exclusions"]] == ["锌合金", "镁合金", "喷涂"]
    assert cap["only"][0]["concepts"] == ["mat:aluminium"]
    cap = extract("Shafts machined to customer drawings; no heat treatment, no stainless steel",
                  "capability")
    assert cap["design"] == "print"
    assert [i["concepts"] for i in cap["exclusions"]] == [["proc:heat_treatment"],
                                                         ["mat:stainless"]]
    assert extract("液压缸制造，不做维修", "capability")["service"] == "no_repair"
    assert extract("不做新油缸，专业修复", "capability")["service"] == "repair"


def test_certificates_held_pending_required_and_preferred():
    cap = extract("通过ISO 9001认证，IATF 16949认证办理中，尚未取得ISO 14001", "capability")
    assert cap["certifications"] == ["ISO9001"]
    assert cap["certs_pending"] == ["IATF16949"]
    need = extract("需IATF16949认证，ISO 14001优先；ISO 9001 or AS9100", "need")
    assert need["certifications"] == [["IATF16949"], ["ISO9001", "AS9100"]]
    assert need["certs_preferred"] == ["ISO14001"]


def test_need_reads_new_or_repair_and_design():
    assert extract("挖掘机液压油缸维修", "need")["service"] == "repair"
    assert extract("液压油缸新品，不接受翻新件", "need")["service"] == "new"
    assert extract("需具备设计能力，联合开发", "need")["design"] == "design"
    assert extract("按我方图纸加工", "need")["design"] == "print"
    assert extract("设计压力 25MPa", "need")["design"] is None


@pytest.mark.parametrize("text, role", [
    ("Machine non-standard PU rod seals for cylinder rebuilds, odd sizes", "need"),
    ("挖掘机油缸维修用密封件，非标尺寸", "need"),
    ("聚氨酯密封件，非标车削，是油缸厂和维修店的好帮手", "capability"),
    ("柱塞泵配件，主要供维修市场", "capability"),
    ("Gaskets for repair shops and OEMs", "capability")])
def test_repair_named_as_the_parts_use_or_the_customers_is_not_repair_work(text, role):
    assert extract(text, role)["service"] == "new"


@pytest.mark.parametrize("text, role", [
    ("Looking for a supplier for hydraulic cylinder repair.", "need"),
    ("Quote for overhaul of 20 excavator gearboxes.", "need"),
    ("寻找能提供液压油缸维修服务的企业。", "need"),
    ("Hydraulic cylinder repair shop.", "capability"),
    ("We are engine rebuilders in Changsha.", "capability"),
    ("我司是专业液压油缸维修厂", "capability")])
def test_repair_asked_or_done_stays_repair_work(text, role):
    assert extract(text, role)["service"] == "repair"


def test_parts_the_buyer_supplies_and_who_takes_them():
    for text in ("Q&T of forged shafts. We ship the forgings to you.",
                 "Honing of cylinder tubes; we supply cold-drawn tubes",
                 "调质处理，来料加工", "我方提供铸件毛坯，需精加工", "customer-supplied castings"):
        assert extract(text, "need")["toll"] is True, text
    for text in ("We provide drawings and specs", "需提供来料检验报告", "42CrMo轴调质",
                 "我方提供零件图纸及技术要求", "我司负责零件总装",
                 "We will provide material specifications", "consigned parts at our warehouse"):
        assert extract(text, "need")["toll"] is None, text
    for text in ("We make captive screws", "no outside processing", "检测中心不对外开放",
                 "技术资料仅限本公司内部使用", "部分工序外协加工"):
        assert extract(text, "capability")["toll"] is None, text
    assert extract("锻后调质用自有台车炉（只处理本厂锻件）", "capability")["toll"] == "own_only"
    assert extract("热处理，不接来料", "capability")["toll"] == "own_only"
    assert extract("Heat treatment for our own forgings only", "capability")["toll"] == "own_only"
    assert extract("大型调质热处理，来料加工", "capability")["toll"] == "accepts"
    assert extract("Toll heat treatment and job-shop machining", "capability")["toll"] == "accepts"


def test_chips_and_stated_volume():
    need = extract("采购挖掘机液压油缸新品，缸径Φ140，年需求 2000 件，需IATF16949认证", "need")
    assert chips(need, "need")[:3] == ["缸径 Φ140", "年需求 2000 件", "需 IATF16949"]
    assert annual_volume(need) == 2000
    cap = extract("不锈钢精密铸件，年产能 3000 吨，不做大型铸件", "capability")
    assert chips(cap, "capability") == ["年产能 3000 吨", "不做：大型铸件"]


@pytest.fixture
def reader(monkeypatch):
    """Texts read in a language of the catalog ('zh': the message ids as written)."""
    from babel.support import Translations

    from matchmaker import i18n
    catalog = Path(__file__).resolve().parent.parent / "matchmaker/translations"

    def read_in(language):
        gettext = Translations.load(str(catalog), [language]).gettext if language == "en" \
            else (lambda msgid: msgid)
        monkeypatch.setattr(i18n, "_translate", gettext)
    return read_in


def test_chips_names_and_lists_in_each_language(reader):
    need = extract("采购铸件，材料碳钢、球墨铸铁，感应淬火；缸径Φ140，单重≤30kg；年需求 2 万件；"
                   "需IATF16949认证，ISO 14001优先；按我方图纸加工", "need")
    cap = extract("压铸件，年产能 1.5 万件，不做大型铸件，只做铝合金，ISO 9001认证办理中", "capability")
    reader("zh")
    assert [str(c) for c in chips(need, "need")] == [
        "缸径 Φ140", "单重 ≤30kg", "年需求 2万 件", "需 IATF16949", "ISO14001 优先", "来图加工",
        "碳钢、球墨铸铁、铸造、感应淬火"]
    assert [str(c) for c in chips(cap, "capability")] == [
        "年产能 1.5万 件", "ISO9001 办理中", "仅做：铝合金", "不做：大型铸件"]
    reader("en")
    assert [str(c) for c in chips(need, "need")] == [
        "Bore Φ140", "Unit weight ≤30kg", "Annual demand 20,000 pcs", "Requires IATF16949",
        "ISO14001 preferred", "Builds to print",
        "carbon steel, ductile iron, casting, induction hardening"]
    assert [str(c) for c in chips(cap, "capability")] == [
        "Annual capacity 15,000 pcs", "ISO9001 in progress", "Only: 铝合金", "Does not do: 大型铸件"]
    assert all(not re.search(r"[\u4e00-\u9fff]", str(name)) for name in NAMES.values())
    reader("zh")
    assert str(joined([NAMES["mat:carbon_steel"], "自定义"])) == "碳钢、自定义"


def _check(need_text, cap_text):
    need = checks.with_structured(extract(need_text, "need"), need_text)
    cap = checks.with_structured(extract(cap_text, "capability"), cap_text, role="capability")
    return checks.check(need, cap)


def _failed(need_text, cap_text):
    return [c["reason"] for c in checks.hard_failures(_check(need_text, cap_text))]


def test_each_hard_requirement_fails_with_its_reason():
    need = "采购挖掘机液压油缸新品，缸径Φ140，工作压力31.5MPa，年需求 2000 件，需IATF16949认证"
    cap = "液压油缸维修、再制造，只修不造，缸径Φ32–Φ100，额定压力≤25MPa，年产能1000件，ISO9001认证"
    assert _failed(need, cap) == [
        "供应商只做维修/再制造，不做新品", "缺少 IATF16949 认证", "缸径范围 Φ32–Φ100，需求 Φ140",
        "压力最大 25MPa，需求 31.5MPa", "年产能 1000件，需求 2000 件"]
    good = "液压油缸制造，缸径Φ80–Φ250，压力≤35MPa，年产能 1 万件，IATF 16949认证"
    assert _failed(need, good) == []
    assert {c["status"] for c in _check(need, good)} == {"met"}


def test_exclusions_cross_languages_and_cover_narrower_terms():
    failed = _failed("PCBA assembly with SMT, stainless steel enclosure",
                     "家电控制板插件加工，无SMT产线；不做不锈钢")
    assert failed == ["供应商注明不做SMT", "供应商注明不做不锈钢"]
    assert _failed("SUS304法兰", "法兰加工，不做钢件") == ["供应商注明不做钢件"]
    # '大型铸件除外' concerns large castings only
    assert _failed("小型不锈钢铸件", "不锈钢精密铸件，大型铸件除外") == []
    assert _failed("液压油缸维修", "液压缸制造，不做维修") == ["供应商注明不做维修"]


def test_only_statements_and_listed_materials():
    assert _failed("锌合金压铸件", "压铸，只做铝合金") == [
        "供应商仅做铝合金，需求为锌合金"]
    soft = [c for c in _check("不锈钢轴", "轴类加工，材料45#钢、40Cr") if c["kind"] == "material"]
    assert soft[0]["status"] == "not_met" and not soft[0]["hard"]


def test_parts_the_buyer_supplies_fail_a_supplier_working_on_its_own_only():
    need = "42CrMo轴调质，我方提供锻件"
    assert _failed(need, "自由锻件，锻后调质（只处理本厂锻件）") == ["供应商只加工自产件，不接来料加工"]
    assert [c["status"] for c in _check(need, "大型调质热处理，来料加工")
            if c["kind"] == "toll"] == ["met"]
    assert [c["status"] for c in _check(need, "调质热处理") if c["kind"] == "toll"] == ["unknown"]


def test_what_a_need_says_it_does_not_need_is_not_asked():
    need = extract("缸筒精加工，无需镀铬", "need")
    assert need["terms"] == ["proc:machining"]
    assert [str(c) for c in chips(need, "need")] == ["机加工", "不需：镀铬"]
    assert _failed("缸筒精加工，无需镀铬", "镀硬铬加工，只做镀铬") == ["供应商仅做镀铬，需求为机加工"]
    assert extract("Machined shafts, plating is not required", "need")["terms"] == [
        "proc:machining"]
    # a supplier's "无需模具费" is a price, not a restriction
    assert extract("压铸模具开发，无需模具费", "capability")["exclusions"] == []


def test_processes_a_supplier_names_none_of_are_a_soft_miss():
    need = "Telescopic boom sections, welded from Q960 plate"
    soft = [c for c in _check(need, "大型钢结构喷漆、抛丸") if c["kind"] == "process"]
    assert soft[0]["status"] == "not_met" and not soft[0]["hard"]
    assert [c["status"] for c in _check(need, "起重机吊臂焊接制造，折弯")
            if c["kind"] == "process"] == ["met"]
    # one of several steps named is enough; a supplier naming no process is not judged
    assert [c["status"] for c in _check("锻件调质", "调质热处理") if c["kind"] == "process"] == ["met"]
    assert [c for c in _check(need, "起重机吊臂") if c["kind"] == "process"] == []


def test_iatf_covers_iso9001_and_alternatives():
    assert _failed("需ISO9001认证", "通过IATF16949认证") == []
    assert _failed("ISO 9001 or AS9100 required", "AS9100 certified") == []


def _candidate(name, text, cos, **extra):
    return {"company": name, "company_name": name, "capability": name, "text": text,
            "cos_e": cos, "cos_x": cos, **extra}


def _query(need: str) -> ranking.Query:
    return ranking.Query(text=need, requirements=checks.with_structured(extract(need, "need"),
                                                                        need))


def test_a_hard_failure_ranks_below_every_candidate_without_one():
    query = _query("液压油缸新品，缸径Φ140")
    found = ranking.rank_suppliers(query, [
        _candidate("near_miss", "液压油缸新品制造，缸径Φ32–Φ100", 0.9),
        _candidate("weaker", "工程机械液压缸", 0.5),
        _candidate("fit", "液压油缸，缸径Φ80–Φ250", 0.6)])
    assert [m["company"] for m in found][-1] == "near_miss"
    assert found[2]["unmet"] == ["缸径范围 Φ32–Φ100，需求 Φ140"]
    assert not found[2]["confident"]
    assert ranking.abstains(found[2:])  # a top that fails a hard requirement is never 高


def test_a_fallback_silent_on_the_detail_a_near_miss_failed_is_not_confident():
    query = _query("液压油缸新品，缸径Φ140")
    near_miss = _candidate("near_miss", "液压油缸新品制造，缸径Φ32–Φ100", 0.9)
    silent = _candidate("silent", "工程机械液压缸", 0.6)
    found = ranking.rank_suppliers(query, [near_miss, silent])
    assert [m["company"] for m in found] == ["silent", "near_miss"]
    assert ranking.abstains(found)
    fit = _candidate("fit", "液压油缸，缸径Φ80–Φ250", 0.5)
    found = ranking.rank_suppliers(query, [near_miss, silent, fit], with_features=True)
    rule = {m["company"]: m["features"]["confident_rule"] for m in found}
    assert rule == {"fit": 1.0, "silent": 0.0, "near_miss": 0.0}


def test_a_maker_of_new_parts_is_known_to_meet_what_a_repair_shop_failed():
    query = _query("液压油缸新品采购")
    found = ranking.rank_suppliers(query, [
        _candidate("repair_shop", "液压油缸维修再制造，只修不造", 0.9),
        _candidate("maker", "液压油缸制造", 0.6)], with_features=True)
    assert [m["company"] for m in found] == ["maker", "repair_shop"]
    assert found[0]["features"]["confident_rule"] == 1.0
