"""Sizes, pressures, weights, tonnages and volumes stated in Chinese or English procurement text.

`quantities(text)` finds each stated quantity with its unit, reads whether it is a point, a range
("Φ32–Φ100", "16~31.5 MPa", "5 to 50 kg") or a bound ("最大 25MPa", "Φ100以下", "up to 3 t",
"at least 5,000 pcs/year"), converts it to a canonical unit and names what it measures from the
words around it (缸径/bore → diameter, 单重 → mass, 压铸机 800T → tonnage, 件/年 → annual count).
Pure functions over strings: no graph, no model.
"""
from __future__ import annotations

import re

from matchmaker.i18n import Text, _l

# Clause boundaries: a quantity's qualifier and bound words are looked for within its clause.
# "、" is not one: it joins list items that share a clause ("缸径Φ40、Φ63").
_CLAUSE = re.compile(r"[，；;。！!？?\n]+|,(?!\d{3}(?!\d))|\.(?=\s+[A-Z]|\s*$)")

_NUMBER = r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MULTIPLIERS = {"万": 1e4, "千": 1e3, "百万": 1e6, "亿": 1e8, "k": 1e3, "million": 1e6,
                "thousand": 1e3}
_MULT = r"百万|万|千|亿|[kK](?![a-zA-Z])|million\b|thousand\b"

# (pattern, family, factor to the family's canonical unit); longer forms first.
# Canonical units: mm, MPa, kg, tonne-force, kW, V, layers, pieces.
_UNITS = [
    (r"MPa|Mpa|mpa|MPA|兆帕", "pressure", 1.0),
    (r"kPa|kpa", "pressure", 0.001),
    (r"bar(?![a-zA-Z])", "pressure", 0.1),
    (r"psi(?![a-zA-Z])", "pressure", 0.00689476),
    (r"kN(?![a-zA-Z])|千牛", "force", 1 / 9.80665),
    (r"kW|KW|kw|千瓦", "power", 1.0),
    (r"hp(?![a-zA-Z])|HP(?![a-zA-Z])|马力", "power", 0.7457),
    (r"W(?![a-zA-Z])|瓦(?!楞)", "power", 0.001),
    (r"kV|KV|千伏", "voltage", 1000.0),
    (r"V(?![a-zA-Z])|伏特?", "voltage", 1.0),
    (r"mm|毫米", "length", 1.0),
    (r"cm|厘米", "length", 10.0),
    (r"m(?![a-zA-Z²³0-9/])|(?<!平方)(?<!立方)米(?!粒)", "length", 1000.0),
    (r"kg|KG|Kg|公斤|千克", "mass", 1.0),
    (r"tonnes?(?![a-zA-Z])|tons?(?![a-zA-Z])|t(?![a-zA-Z])|T(?![a-zA-Z0-9])|吨", "mass", 1000.0),
    (r"克", "mass", 0.001),
    (r"层|layers?(?![a-zA-Z])", "layers", 1.0),
    (r"pcs|pc(?![a-zA-Z])|pieces?(?![a-zA-Z])|units?(?![a-zA-Z])|sets?(?![a-zA-Z])"
     r"|parts?(?![a-zA-Z])|件|套|台|只|个|支|根|片|副", "count", 1.0),
]
_UNIT = "|".join(f"(?:{p})" for p, _, _ in _UNITS)
_UNIT_TABLE = [(re.compile(p, re.A), family, factor) for p, family, factor in _UNITS]

# Φ/Ø: a diameter in mm; DN: nominal pipe size; M8: a metric thread.
_PREFIX = r"[ΦφØø∅]|DN|(?<![A-Za-z])M(?=\d)"


def _value(side: str) -> str:
    return (rf"(?:(?P<{side}pre>{_PREFIX})\s*)?(?P<{side}num>{_NUMBER})\s*(?P<{side}mult>{_MULT})?"
            rf"(?:-(?=ton)|\s*)(?P<{side}unit>{_UNIT})?")


_RANGE_SEP = r"\s*(?:-|–|—|~|～|〜|至|到|to)\s*"
_LENGTH_UNIT = r"mm|cm|m(?![a-zA-Z])|毫米|米"
_PATTERN = re.compile(  # ASCII \b, \d, \s: Latin words end where Chinese begins ("SMT贴片")
    rf"(?P<dims>(?:{_NUMBER})(?:\s*[×xX*]\s*(?:{_NUMBER})){{1,2}}\s*(?P<dimunit>{_LENGTH_UNIT}))"
    rf"|{_value('a')}(?:{_RANGE_SEP}{_value('b')})?", re.A)

_MAX_BEFORE = re.compile(r"≤|<=|<|＜|不超过|不大于|不高于|最大|最高|最多|至多|上限|"
                         r"\bmax(?:imum)?\b|\bup\s*to\b|\bno\s+more\s+than\b|\bless\s+than\b|"
                         r"\bunder\b|\bbelow\b|\bwithin\b", re.I | re.A)
_MIN_BEFORE = re.compile(r"≥|>=|>|＞|不小于|不低于|不少于|最小|最低|至少|"
                         r"\bmin(?:imum)?\b|\bat\s+least\b|\bover\b|\babove\b|\bmore\s+than\b|"
                         r"\bgreater\s+than\b|\bexceeding\b", re.I | re.A)
_MAX_AFTER = re.compile(r"\s*(?:以下|以内|及以下|或以下|之内|内(?![外容部径孔])|max\b|maximum\b|"
                        r"or\s+(?:less|below|smaller)\b|and\s+(?:below|under|smaller)\b|"
                        r"at\s+most\b)", re.I | re.A)
_MIN_AFTER = re.compile(r"\s*(?:以上|及以上|或以上|起|\+|or\s+(?:more|above|larger)\b|"
                        r"and\s+(?:above|over|up|larger)\b|min\b|minimum\b|plus\b)", re.I | re.A)

# Periods turn a count or a mass into a volume; factor to a year.
_PERIODS = [(r"年|annual|yearly|year|annum|yr|p\.a", 1), (r"月|month", 12), (r"周|week", 52),
            (r"日|天|dail|day", 300)]  # ~300 working days a year
# Before a number a period counts only with a volume word ("年需求", "月产", "annual volume"),
# so a lead time ("30天内交付 500 件") is not read as a rate.
_PERIOD_BEFORE = re.compile(r"(?:每|(?<!个))(年|月|周|日|天)(?:度|均|平均)?(?:需求|用量|采购|产能|产量|产|"
                            r"供货|消耗|销量)|每(年|月|周|日|天)|"
                            r"\b(annual|yearly|monthly|weekly|daily)\b|"
                            r"\bper\s+(year|annum|month|week|day)\b", re.I | re.A)
_PERIOD_AFTER = re.compile(r"\s*(?:/\s*|每|per\s+|a\s+|each\s+)(年|月|周|日|天|year|yr|annum|"
                           r"month|week|day)|\s*(annually|yearly|monthly|weekly|daily|p\.a\.)",
                           re.I | re.A)
# A bare number right after a size word is in millimetres, the unit drawings use.
_SIZE_WORD_BEFORE = re.compile(r"(?:缸径|杆径|直径|内径|外径|孔径|行程|壁厚|板厚|厚度|长度|宽度|\bbores?|"
                               r"diameters?|strokes?|thickness|length|width)\s*(?:范围|为|约|在|"
                               r"[:：]|of|from|range|between)?\s*(?:≤|<=|<|≥|>=|>|最大|最小|"
                               r"max\.?|min\.?|up\s+to)?\s*$", re.I | re.A)
# Tonnage classes name the machine a part is for ("20吨级挖掘机", "20-ton excavator"), not a weight.
_CLASS_AFTER = re.compile(r"\s*(?:级|class\b|-?\s*ton(?:ne)?s?\s+class)|"
                          r"[^，,；;。\d]{0,3}(?:挖掘机|挖机|装载机|起重机|吊车|叉车|压路机|推土机|卡车|"
                          r"excavator|loader|crane|forklift|truck|dozer|roller)", re.I | re.A)
# A bare number is a volume only beside words like these ("年产能 50万", "年需求量 20000").
_VOLUME_WORDS = re.compile(r"需求|用量|采购量|产能|产量|年产|月产|日产|volume|demand|capacity|"
                           r"output|quantity|qty|consumption", re.I | re.A)

# Words naming what a length, a mass or a count measures: (pattern, kind, label). A quantity
# stores its label's message id; `label(q)` shows it in the reader's language.
_QUALIFIERS = [
    (r"杆径|活塞杆直?径|\brod\b", "rod", _l("杆径")),
    (r"缸径|缸筒内径|\bbores?\b", "diameter", _l("缸径")),
    (r"外径|\bOD\b|outer\s+diameter|outside\s+diameter", "diameter", _l("外径")),
    (r"内径|孔径|\bID\b|inner\s+diameter|inside\s+diameter", "diameter", _l("内径")),
    (r"直径|管径|口径|轮径|回转直径|diameters?|\bdia\b", "diameter", _l("直径")),
    (r"壁厚|板厚|料厚|厚度|厚|thickness|thick\b|\bgauge\b|\bwall\b", "thickness", _l("厚度")),
    (r"行程|strokes?\b", "stroke", _l("行程")),
    (r"长度|长|lengths?\b|\blong\b", "length", _l("长度")),
    (r"宽度|宽|widths?\b|\bwide\b", "width", _l("宽度")),
    (r"高度|heights?\b|\btall\b", "height", _l("高度")),
    (r"尺寸|规格|加工范围|幅面|\bsizes?\b|envelope|\bspan\b", "size", _l("尺寸")),
    (r"压铸机|压机|压力机|冲床|注塑机|锻压|折弯机|油压机|锁模力|吨位|\bpress(?:es)?\b|"
     r"machines?\b|tonnage|clamping", "force", _l("设备吨位")),
    (r"起重|载重|载荷|承载|荷载|额定起重量|lifting|payload|\bload\b|capacity\s+of", "load", _l("载荷")),
    (r"单重|单件重|件重|重量|重|weighing|weighs?\b|weights?\b", "mass", _l("单重")),
]
_QUALIFIER_TABLE = [(re.compile(p, re.I | re.A), kind, label) for p, kind, label in _QUALIFIERS]
_FAMILY_KINDS = {"length": {"diameter", "rod", "thickness", "stroke", "length", "width", "height",
                            "size"},
                 "mass": {"force", "load", "mass"}}
_DEFAULT = {"length": ("size", _l("尺寸")), "mass": ("mass", _l("单重")),
            "pressure": ("pressure", _l("压力")), "force": ("force", _l("设备吨位")),
            "power": ("power", _l("功率")), "voltage": ("voltage", _l("电压")),
            "layers": ("layers", _l("层数"))}
_WINDOW = 24  # characters of the clause before a quantity searched for its qualifier and bound


ANNUAL_LABEL = _l("年量")


def label(quantity: dict) -> Text:
    """What a quantity measures ("缸径", "bore"), in the reader's language."""
    return Text(quantity["label"])


def clauses(text: str) -> list[str]:
    return [c for c in _CLAUSE.split(text or "") if c.strip()]


def quantities(text: str) -> list[dict]:
    """Every quantity in `text`: {kind, label, low, high, text}; low/high None when unbounded."""
    found = []
    for clause in clauses(text):
        for match in _PATTERN.finditer(clause):
            quantity = _dims(match) if match["dims"] else _quantity(clause, match)
            if quantity:
                found.append(quantity)
    return found


def _dims(match: re.Match) -> dict:
    """'1200×800×600mm': an overall size, its largest side."""
    factor = _unit_factor(match["dimunit"])[1]
    sides = [float(n.replace(",", "")) * factor for n in re.findall(_NUMBER, match["dims"])]
    return {"kind": "size", "label": _DEFAULT["length"][1].msgid, "low": max(sides),
            "high": max(sides), "text": match["dims"].strip()}


def _unit_factor(unit: str | None) -> tuple[str | None, float]:
    for pattern, family, factor in _UNIT_TABLE:
        if unit and pattern.fullmatch(unit):
            return family, factor
    return None, 1.0


def _number(match: re.Match, side: str, mult: str | None) -> float:
    value = float(match[f"{side}num"].replace(",", ""))
    return value * _MULTIPLIERS.get((mult or "").lower(), 1.0)


def _quantity(clause: str, match: re.Match) -> dict | None:
    ranged = match["bnum"] is not None
    prefix = match["apre"] or (match["bpre"] if ranged else None)
    unit = match["bunit"] if ranged and match["bunit"] else match["aunit"]
    before, after = _window_before(clause, match.start()), clause[match.end():]
    period = _period(before, after)
    family, factor = _family(match, prefix, unit, before, period)
    kind, label = _kind(family, prefix, before, after, period) if family else (None, None)
    if kind is None:
        return None
    low, high = _ends(match, factor, ranged)
    if kind.startswith("annual_"):
        low, high = low * period, high * period
    if family == "mass" and kind in ("force", "class"):  # tonnage: kg → tonnes
        low, high = low / 1000, high / 1000
    if not ranged:
        low, high = _bound(low, before, after)
    period_text = _PERIOD_AFTER.match(after)
    text = match.group(0).strip() + (period_text[0] if period_text else "")
    return {"kind": kind, "label": label.msgid, "low": low, "high": high, "text": text.strip()}


def _family(match: re.Match, prefix: str | None, unit: str | None, before: str,
            period: int | None) -> tuple[str | None, float]:
    """The unit's family; a bare number counts as millimetres right after a size word
    ("缸径40-200") and as pieces beside a volume word with a period ("年产能 50万")."""
    family, factor = _unit_factor(unit)
    if family:
        return family, factor
    if prefix:
        return _prefix_family(prefix), 1.0
    if _SIZE_WORD_BEFORE.search(before):
        return "length", 1.0
    if period and (match["amult"] or match["bmult"] or _VOLUME_WORDS.search(before)):
        return "count", 1.0
    return None, 1.0


def _ends(match: re.Match, factor: float, ranged: bool) -> tuple[float, float]:
    """Both ends of a range in the canonical unit ("5–10万": 万 applies to both; "500 kg–2 t":
    each end its own unit), or the single value twice."""
    mult_b = match["bmult"] if ranged else None
    low = _number(match, "a", match["amult"] or mult_b) * factor
    if not ranged:
        return low, low
    if match["aunit"] and match["bunit"]:
        low = _number(match, "a", match["amult"]) * _unit_factor(match["aunit"])[1]
    high = _number(match, "b", mult_b) * factor
    return min(low, high), max(low, high)


def _window_before(clause: str, start: int) -> str:
    """The clause just before a quantity, cut at the previous number (its words belong to it)."""
    window = clause[max(0, start - _WINDOW):start]
    digits = list(re.finditer(r"\d", window))
    return window[digits[-1].end():] if digits else window


def _prefix_family(prefix: str | None) -> str | None:
    if not prefix:
        return None
    return "thread" if prefix == "M" else "dn" if prefix == "DN" else "length"


def _period(before: str, after: str) -> int | None:
    match = _PERIOD_AFTER.match(after)
    if not match:
        found = list(_PERIOD_BEFORE.finditer(before))
        match = found[-1] if found else None
    if not match:
        return None
    word = next(g for g in match.groups() if g).lower()
    return next(factor for pattern, factor in _PERIODS if re.match(pattern, word))


def _kind(family: str, prefix: str | None, before: str, after: str,
          period: int | None) -> tuple[str | None, Text]:
    if family in ("thread", "dn"):
        return family, {"thread": _l("螺纹规格"), "dn": _l("公称通径")}[family]
    if family == "count" or (family == "mass" and period):
        return (f"annual_{family}", ANNUAL_LABEL) if period else (None, ANNUAL_LABEL)
    if family == "mass" and _CLASS_AFTER.match(after):
        return "class", _l("整机吨级")
    qualifier = _qualifier(family, before, after)
    if qualifier:
        return qualifier
    if prefix:
        return "diameter", _l("直径")
    return _DEFAULT[family]


def _hit_order(hit: tuple[int, str, Text]) -> tuple[int, str, str]:
    return hit[0], hit[1], hit[2].msgid


def _qualifier(family: str, before: str, after: str) -> tuple[str, Text] | None:
    """The word right after the quantity ("300 mm diameter", "2 m long"), else the nearest one
    before it ("缸径Φ140", "bore 40 to 160 mm"), else the first one further after it."""
    kinds = _FAMILY_KINDS.get(family)
    if not kinds:
        return None
    table = [(pattern, kind, label) for pattern, kind, label in _QUALIFIER_TABLE if kind in kinds]
    head = after[:_WINDOW]
    after_hits = sorted(((m.start(), kind, label) for pattern, kind, label in table
                         for m in [pattern.search(head)] if m), key=_hit_order)
    if after_hits and after_hits[0][0] <= 2:
        return after_hits[0][1:]
    before_hits = sorted(((m.end(), kind, label) for pattern, kind, label in table
                          for m in pattern.finditer(before)), key=_hit_order)
    if before_hits:
        return before_hits[-1][1:]
    return after_hits[0][1:] if after_hits else None


def _bound(value: float, before: str, after: str) -> tuple[float | None, float | None]:
    """A single value: a maximum, a minimum or a point, from the words beside it."""
    if _MAX_AFTER.match(after) or _MAX_BEFORE.search(before):
        return None, value
    if _MIN_AFTER.match(after) or _MIN_BEFORE.search(before):
        return value, None
    return value, value
