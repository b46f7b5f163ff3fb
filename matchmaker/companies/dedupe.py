"""Duplicate review for company registrations and imports, as Open Supply Hub does it: the same
credit code is the same company; a different code with a similar name and address is flagged
for a person to review, never merged automatically."""
from __future__ import annotations

import re
from difflib import SequenceMatcher

# Parts of Chinese company names that say nothing about which company it is.
_PLACES = re.compile(r"^(湖南省|湖南|长沙市|长沙|株洲市|株洲|湘潭市|湘潭|中国)")
_FORMS = re.compile(r"(股份有限公司|有限责任公司|有限公司|集团|公司|分公司|厂|co\.?,?\s*ltd\.?|"
                    r"company|limited|inc\.?)$", re.I)
_NOISE = re.compile(r"[\s（）()【】\[\]·,，.。\-—]")
NAME_SIMILARITY = 0.8
ADDRESS_SIMILARITY = 0.6


def normalize_name(name: str) -> str:
    text = _NOISE.sub("", (name or "").lower())
    for _ in range(2):  # "湖南长沙…", "…集团有限公司"
        text = _PLACES.sub("", text)
        text = _FORMS.sub("", text)
    return text


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def looks_same(a: dict, b: dict) -> bool:
    """a, b: {name, address}. Same normalized name, or similar names at similar addresses."""
    name_a, name_b = normalize_name(a["name"]), normalize_name(b["name"])
    if not name_a or not name_b:
        return False
    if name_a == name_b:
        return True
    address_a, address_b = _NOISE.sub("", a.get("address") or ""), _NOISE.sub("", b.get("address") or "")
    return (_ratio(name_a, name_b) >= NAME_SIMILARITY
            and _ratio(address_a, address_b) >= ADDRESS_SIMILARITY)


class Index:
    """Known companies, blocked by the first character of the normalized name so that a file of
    thousands of rows is not compared against every company."""

    def __init__(self, companies: list[dict]):
        self.blocks: dict[str, list[dict]] = {}
        for c in companies:
            self.add(c)

    def add(self, company: dict) -> None:
        key = normalize_name(company["name"])[:1]
        if key:
            self.blocks.setdefault(key, []).append(company)

    def similar(self, company: dict) -> list[dict]:
        """Known companies with another credit code that look like this one."""
        key = normalize_name(company["name"])[:1]
        return [c for c in self.blocks.get(key, [])
                if c["credit_code"] != company["credit_code"] and looks_same(company, c)]
