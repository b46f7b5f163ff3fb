"""Which park a company's cell names, as people write parks, and the names no park answers to.

People shorten the generic part of a park's name: 雨花经开区 is 雨花经济开发区, 长沙高新区 is
长沙高新技术产业开发区. Matching therefore compares names with that part normalized to one token
per kind of park, for every park alike — no per-park lists; the office's aliases cover the rest.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from graph import audit, reference

# Generic endings of park names, longest first, each with the token its kind normalizes to.
# 经济技术开发区 (national) and 经济开发区 (provincial) are both called 经开区 in practice.
GENERIC = (
    (("高新技术产业开发区", "高新技术产业园区", "高新技术开发区", "高新区"), "高新区"),
    (("经济技术开发区", "经济开发区", "经开区"), "经开区"),
    (("工业集中区", "工业园区", "工业园"), "工业园"),
    (("产业开发区", "产业园区", "产业园"), "产业园"),
    (("综合保税区", "综保区"), "综保区"),
    (("开发区",), "开发区"),
)
_ENDING = re.compile("(" + "|".join(e for endings, _ in GENERIC for e in endings) + ")$")
_TOKEN = {e: token for endings, token in GENERIC for e in endings}
_NOISE = re.compile(r"[\s·•]+|[（(][^）)]*[）)]")
_RANK = re.compile(r"^(国家级|省级)")


def clean(text: str) -> str:
    """Without spaces and bracketed remarks: '长沙经开区（星沙）' → '长沙经开区'."""
    return _NOISE.sub("", text or "")


def normalize(text: str) -> str:
    """One spelling for the ways a park's name is written: 雨花经济开发区, 雨花经开区 →
    雨花经开区; 浏阳市经开区 → 浏阳经开区. A name without a generic ending is only cleaned."""
    text = _RANK.sub("", clean(text))
    ending = _ENDING.search(text)
    if not ending:
        return text
    stem = text[:ending.start()]
    if len(stem) > 2 and stem[-1] in "市县区":
        stem = stem[:-1]
    return stem + _TOKEN[ending.group(1)]


@dataclass(frozen=True)
class ParkMatch:
    code: str
    name: str
    how: str  # exact | alias | fuzzy


class ParkMatcher:
    """Built from `reference.list_parks` rows (code, name, aliases, status, merged_into).
    Only live parks match; a merged park's names lead to the park it was merged into."""

    def __init__(self, parks: list[dict]):
        live = {p["code"]: p for p in parks if p.get("status", "active") == "active"}
        self._exact: dict[str, str] = {}
        self._alias: dict[str, str] = {}
        self._fuzzy: dict[str, set[str]] = {}
        self._names = {code: p["name"] for code, p in live.items()}
        for code, p in live.items():
            self._exact[p["name"]] = self._exact[code.lower()] = code
            self._add_aliases(code, [p["name"], *p.get("aliases", [])])
        for p in parks:
            if p.get("status") == "merged" and p.get("merged_into") in live:
                self._add_aliases(p["merged_into"], [p["code"], p["name"], *p.get("aliases", [])])

    def _add_aliases(self, code: str, names: list[str]) -> None:
        for name in names:
            self._alias.setdefault(clean(name).lower(), code)
            self._fuzzy.setdefault(normalize(name), set()).add(code)

    def match(self, text: str) -> ParkMatch | None:
        text = clean(text)
        if not text:
            return None
        code = self._exact.get(text) or self._exact.get(text.lower())
        if code:
            return ParkMatch(code, self._names[code], "exact")
        code = self._alias.get(text.lower())
        if code:
            return ParkMatch(code, self._names[code], "alias")
        codes = self._fuzzy.get(normalize(text), set())
        if len(codes) == 1:
            code = next(iter(codes))
            return ParkMatch(code, self._names[code], "fuzzy")
        return None  # unknown, or a spelling two parks share: the office decides


def propose_park(graph, text: str, region_code: str | None, actor: str, company: str) -> None:
    """Remember a park name that no park answers to, and that `company` named it, for the office
    to confirm as a new park or map to an existing one (once per normalized name)."""
    row = {"key": normalize(text), "text": clean(text), "region": region_code,
           "company": company, "actor": actor, "at": int(time.time())}
    if row["key"]:
        graph.write(_propose, row)


def _propose(tx, row: dict) -> None:
    if reference.propose_park(tx, row):
        audit.record(tx, [audit.event(row["actor"], "park.propose", f"park-proposal:{row['key']}",
                                      None, {"text": row["text"], "region": row["region"],
                                             "company": row["company"]})])
