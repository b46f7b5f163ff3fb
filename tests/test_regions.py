"""Registered regions as Chinese documents write them, resolved against the GB/T 2260 data."""
import pytest

from matchmaker import regions

CHANGSHA = "430100"


@pytest.mark.parametrize("text,code", [
    ("430111", "430111"), ("430111004", "430111"), ("430111004001", "430111"),  # 6, 9, 12 digits
    ("雨花区", "430111"), ("长沙市雨花区", "430111"), ("湖南省长沙市雨花区", "430111"),
    ("湖南长沙雨花区", "430111"), (" 湖南省 长沙市 雨花区 ", "430111"),
    ("长沙市望城区", "430112"), ("湖南省浏阳市", "430181"), ("长沙县", "430121"),
    ("长沙", CHANGSHA), ("长沙市", CHANGSHA), ("湖南", "430000"), ("株洲市", "430200"),
    ("长沙市雨花区环保中路188号", "430111"), ("湖南省长沙市长沙县星沙街道", "430121"),
    ("长沙市芙蓉中路一段", CHANGSHA),  # a road named like a district stays an address
    ("广西", "450000"), ("湘西土家族苗族自治州", "433100"), ("北京市朝阳区", "110105"),
])
def test_every_written_form_resolves(text, code):
    assert regions.resolve(text).code == code


@pytest.mark.parametrize("former,current", [
    ("望城县", "430112"), ("长沙市望城县", "430112"),  # 撤县设区 (2011)
    ("宁乡县", "430182"),                              # 撤县设市 (2017)
])
def test_former_county_names_lead_to_the_division_now(former, current):
    assert regions.resolve(former).code == current


def test_a_shared_name_lists_the_candidates_by_full_name():
    with pytest.raises(regions.UnknownRegion, match="重名") as e:
        regions.resolve("朝阳区")
    assert "北京市朝阳区（110105）" in str(e.value) and "吉林省长春市朝阳区（220104）" in str(e.value)


def test_a_shared_name_prefers_the_one_inside_the_policy_region():
    assert regions.resolve("朝阳区", prefer_within="110000").code == "110105"
    assert regions.resolve("鼓楼区", prefer_within="350100").code == "350102"
    with pytest.raises(regions.UnknownRegion, match="重名"):  # none inside: still refused
        regions.resolve("朝阳区", prefer_within=CHANGSHA)


@pytest.mark.parametrize("text,reason", [
    ("环保中路188号", "未知的行政区划"), ("12345", "6位"), ("999999", "未知的行政区划代码"),
    ("株洲县", "未知的行政区划"),  # renamed 渌口区 in 2018: not read as "株洲" plus an address
    ("", "未知的行政区划"),
])
def test_unknown_text_is_refused_in_chinese(text, reason):
    with pytest.raises(regions.UnknownRegion, match=reason):
        regions.resolve(text)
