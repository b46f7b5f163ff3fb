"""Fast unit tests of pure logic: credit codes, divisions, glossary, lexical scoring, policy."""
from datetime import date, datetime, timezone

import pytest

from matchmaker import clock, credit_code, regions
from matchmaker.matching import glossary, lexical
from matchmaker.matching.vocabulary import extract_certifications
from matchmaker.policy import parse


def test_credit_code_check_character():
    assert credit_code.is_valid("91350100M000100Y43")
    assert not credit_code.is_valid("91350100M000100Y44")
    code = credit_code.make("430181", 42)
    assert credit_code.normalize(code.lower()) == code


@pytest.mark.parametrize("bad,reason", [("123", "18位"), ("91350100M000100YI3", "字符"),
                                        ("91350100M000100Y44", "校验位")])
def test_credit_code_reasons(bad, reason):
    with pytest.raises(credit_code.InvalidCreditCode, match=reason):
        credit_code.normalize(bad)


def test_divisions_hierarchy():
    changsha = regions.resolve("长沙市").code
    for name in ("浏阳市", "宁乡市", "长沙县", "岳麓区"):
        assert regions.is_within(regions.resolve(name).code, changsha)
    assert not regions.is_within(regions.resolve("株洲市").code, changsha)
    assert regions.resolve("430181").name == "浏阳市"
    with pytest.raises(regions.UnknownRegion, match="重名"):
        regions.resolve("朝阳区")


def test_glossary_bridges_both_ways():
    assert "液压油缸" in glossary.translations("hydraulic cylinders for excavators")
    assert "excavator" in glossary.translations("挖掘机液压油缸")
    # a Latin form on the Chinese side is a word: "UL" is not the "ul" in "simulation"
    assert glossary.concepts("MAGMA filling simulation, modular dies") == []
    assert [c for _, c in glossary.concepts("UL认证，控制器ECU")] == ["ul certification",
                                                                   "controller", "controller"]


def test_bigram_bm25_prefers_matching_doc():
    docs = [lexical.terms("液压油缸 精密铸件"), lexical.terms("铝合金压铸 电机壳体")]
    scores, hits = lexical.bm25(lexical.terms("挖掘机液压油缸"), docs)
    assert scores[0] > scores[1] and "油缸" in hits[0]
    assert lexical.matched_phrases("液压油缸 精密铸件", hits[0]) == ["液压油缸"]


def test_certifications_extracted():
    assert extract_certifications("通过IATF 16949及ISO9001认证") == ["ISO9001", "IATF16949"]


def test_policy_versioned_by_year():
    text = open("matchmaker/policy.toml", encoding="utf-8").read()
    p = parse(text + """
[[period]]
from_year = 2026
rate_target_phase1_pct = 45
rate_target_phase2_pct = 55
designated_clusters = ["CM"]
increment_step_fen = 1_000_000_000
increment_award_fen = 4_000_000
park_tiers = []
""")
    assert p.for_year(2025).increment_award_fen == 3_000_000
    assert p.for_year(2027).increment_award_fen == 4_000_000


def test_the_citys_calendar_whatever_the_servers_zone():
    assert parse(open("matchmaker/policy.toml", encoding="utf-8").read()).timezone \
        == "Asia/Shanghai"
    with pytest.raises(ValueError, match="timezone"):
        parse('region = "430100"\ntimezone = "Mars/Olympus"\n[[period]]\n')
    # 17:00 UTC on 4 December is already 5 December in Changsha
    evening = datetime(2026, 12, 4, 17, 0, tzinfo=timezone.utc)
    assert clock.day_of(evening) == date(2026, 12, 5)
    assert clock.day_of(evening.timestamp()) == date(2026, 12, 5)
    assert clock.shown(evening.timestamp()) == "2026-12-05 01:00"
    try:
        clock.use("Europe/Berlin")
        assert clock.day_of(evening) == date(2026, 12, 4)
    finally:
        clock.use(clock.DEFAULT_ZONE)


def test_audit_reads_advisories_of_the_latest_release():
    import importlib.util
    from pathlib import Path
    from packaging.version import Version
    spec = importlib.util.spec_from_file_location(
        "audit_latest", Path(__file__).parent.parent / "scripts" / "audit_latest.py")
    audit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(audit)
    advisory = {"id": "PYSEC-1", "aliases": ["CVE-1"], "fixed_in": [], "link": "x"}
    page = {"info": {"version": "2.0", "requires_python": ">=3.99"}, "vulnerabilities": []}
    assert audit.classify("p", Version("2.0"), page)["state"] == "ok"
    assert audit.classify("p", Version("2.0+cpu"), page)["state"] == "ok"  # a local build
    older = audit.classify("p", Version("1.0"), page)
    assert older["state"] == "unchecked" and "it needs Python >=3.99" in older["why"]
    for installed in ("1.0", "2.0"):  # open against the latest: held against older ones too
        row = audit.classify("p", Version(installed), page | {"vulnerabilities": [advisory]})
        assert row["state"] == "vulnerable" and row["advisories"][0]["id"] == "PYSEC-1"
    withdrawn = page | {"vulnerabilities": [advisory | {"withdrawn": "2025-01-01"}]}
    assert audit.classify("p", Version("2.0"), withdrawn)["state"] == "ok"
