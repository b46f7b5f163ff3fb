"""Requirements read from a need's or a capability's text, Chinese or English.

`extract(text, role)` returns a plain dict (stored as JSON on the node when it is written):
- quantities: sizes, pressures, weights, tonnages, annual volumes or capacities (quantities.py);
- certifications: held (capability) or required (need), read with their negations ("尚未通过
  IATF16949", "ISO 14001 in progress") and, for a need, preferences ("IATF16949优先");
- service: new parts versus repair / remanufacture / overhaul ("new", "repair", "both", and for
  a supplier that says it does not repair, "no_repair");
- design: the need asks for design, or the supplier designs ("design"), works to the customer's
  drawings ("print") or says it does not design ("print_only");
- toll: the buyer supplies the parts or material to be worked on (来料加工; need: True), and
  whether a supplier takes such work ("accepts") or works on its own products only ("own_only");
- terms and concepts: the materials and processes named (vocabulary.py) and the glossary's trade
  terms, in either language, outside the text's exclusions;
- exclusions and only: what a supplier says it does not do ('不做X', '不承接X', 'X除外',
  'no X', 'except X') and what it restricts itself to ('只做Y', '仅Y', 'only Y', 'Y only').
Pure functions over strings: no graph, no model.
"""
from __future__ import annotations

import re

from matchmaker.i18n import Text, _l, joined
from matchmaker.matching import glossary
from matchmaker.matching.quantities import clauses, label, quantities
from matchmaker.matching.vocabulary import (CERT_PATTERNS_COMPILED, NAMES, extract_certifications,
                                            terms)

# Raised whenever what is read from a text changes: `backfill-requirements` reads the texts of
# needs and capabilities stored by an older reader again. 2: parts the buyer supplies (toll),
# repair named as a use or a customer.
VERSION = 2

_CERT_NOT_HELD = re.compile(r"无|没有|未|尚未|暂无|不具备|缺|\bno\b|\bnot\b|\bwithout\b|\black",
                            re.I | re.A)
_CERT_PENDING = re.compile(r"申请中|办理中|认证中|审核中|在办|正在|筹备|计划|拟|准备|"
                           r"in\s+progress|pending|underway|planned|applying|pursuing|"
                           r"working\s+towards?|expected|scheduled|next\s+year|upcoming|"
                           r"in\s+preparation|aiming", re.I | re.A)
_CERT_PREFERRED = re.compile(r"优先|加分|更佳|最好|为佳|preferred|preferably|a\s+plus|advantage|"
                             r"nice\s+to\s+have|desirable|optional|ideally", re.I | re.A)
_CERT_WAIVED = re.compile(r"不要求|无需|不需|不必|not\s+required|no\s+need|not\s+necessary",
                          re.I | re.A)
_ALTERNATIVES = re.compile(r"或|\bor\b|/", re.I | re.A)

_REPAIR = re.compile(r"维修|修复|再制造|翻新|大修|修理|返修|\brepair|overhaul|remanufactur|"
                     r"refurbish|rebuil|recondition", re.I | re.A)
# Making new parts; "new seals" fitted in a repair is not one.
_NEW_BUILD = re.compile(r"新品|全新|新件|新制|(?<!再)制造|生产|(?<!re)manufactur|\bproduc|"
                        r"fabricat|brand[- ]new|\bnew\s+(?:parts?|products?|units?|builds?|"
                        r"components?|assembl|production)", re.I | re.A)
_AFTER_SALES = re.compile(r"售后[^，,；;。]*|after[- ]sales?[^,;.]*|warranty[^,;.]*", re.I | re.A)
# Repair named as the parts' use or the supplier's customers, not as the work asked or done:
# "seals for cylinder rebuilds", "维修用密封件", "用于设备维修", "供维修市场", "维修店的好帮手",
# "serving repair shops" (but "a supplier for cylinder repair", "quote for overhaul of…",
# "提供维修服务", "我们是维修厂", "repair shop" are repair work).
_REPAIR_PURPOSE = re.compile(
    r"(?:用于|面向)[^，,；;。]{0,8}?(?:维修|修理|翻新|再制造)|"
    r"(?:维修|修理|翻新|再制造)(?:用|市场|客户|用户|行业)|"
    r"(?:维修|修理)(?:店|厂|站)(?=的?(?:好帮手|首选|伙伴|合作伙伴))|"
    r"\baftermarket\b|\brepair\s+market\b|"
    r"\b(?:serving|serves?|supplying|supplies|supply|to|for)\s+(?:[a-z\-]+\s+){0,2}"
    r"(?:(?:repair|rebuild|overhaul)\s+(?:shops?|market|customers?|centers?|centres?|trade|"
    r"industry)|rebuilders)\b|"
    r"\b(?P<before>[a-z\-]+)\s+(?:used\s+)?for\s+(?:[a-z\-]+\s+){0,3}(?:repairs?|rebuilds?|"
    r"overhauls?|refurbishment|remanufactur\w*|maintenance)\b", re.I | re.A)
# "X for … repair" is a purpose when X is a product, not a party or a request
_PARTIES = {"supplier", "suppliers", "vendor", "vendors", "partner", "partners", "someone",
            "anyone", "company", "companies", "shop", "shops", "factory", "factories", "provider",
            "providers", "contractor", "contractors", "service", "services", "quote", "quotes",
            "quotation", "rfq", "looking", "search", "searching", "seeking", "need", "needs",
            "needed", "capacity", "help", "specialist", "specialists", "expert", "experts",
            "source", "request", "bid", "tender", "us", "we", "you", "responsible", "team"}
_REPAIR_ONLY = re.compile(r"只修不造|只修不做")  # other forms are read as 'only' or exclusions
# "不做新油缸": an excluded item that starts with 新 is new parts (not 新能源, 新型: new energy/type)
_NEW_PARTS = re.compile(r"^全?新(?!能源|型|材料|工艺|技术)|(?<!翻)(?:新品|全新|新件|新制|新造)|"
                        r"brand[- ]new|\bnew\b(?!\s+energy)", re.I | re.A)
# Design work, not a spec value named after it (设计压力, design life: values on a drawing).
_DESIGN = re.compile(r"(?<!按)设计(?!压力|寿命|温度|流量|载荷|产能|年产|能力为|标准|规范|图|要求|值)|"
                     r"研发|开发(?!票)|\bR&D\b|\bdesign(?!\s+(?:pressure|life|temperature|flow|load|"
                     r"capacity|standard|code|drawing|requirement|spec|value))|"
                     r"engineering\s+(?:team|support|service|capabilit)|\bODM\b|co-?develop",
                     re.I | re.A)
# A buyer asking for a solution or a turnkey system leaves the design to the supplier.
_DESIGN_ASKED = re.compile(_DESIGN.pattern + r"|解决方案|交钥匙|选型|\bturnkey\b|"
                           r"(?:total|complete|system)\s+solution", re.I | re.A)
_PRINT = re.compile(r"来图|按图|图纸加工|来样|来料加工|build[- ]to[- ]print|"
                    r"(?:to|per|according\s+to)\s+(?:the\s+)?(?:customer|client|your|our)?'?s?\s*"
                    r"drawings?|drawings?\s+(?:provided|supplied)", re.I | re.A)
# Work on parts the buyer supplies (来料加工): the need says it supplies them; the supplier says
# it takes such work, or that it works on its own products only.
_WORKPIECES_ZH = (r"(?:毛坯|锻件|铸件|坯料|原材料|材料|工件|零件|管材|钢管|棒料|板材|板料|缸筒|半成品)"
                  # "我方提供零件图纸", "材料规格", "零件总装": documents and work, not workpieces
                  r"(?!图|要求|规格|标准|清单|技术|资料|证明|报告|总装|装配)")
_WORKPIECES_EN = (r"(?:[a-z\-]+\s+){0,2}(?:parts|forgings|castings|blanks|billets|material|"
                  r"materials|components|workpieces|pieces|tubes|pipes|bars|rods|plates|sheets|"
                  r"coils|shafts|housings|gears|semi-finished\s+\w+)\b"
                  r"(?!\s+(?:specs?|specifications?|lists?|drawings?|data|standards?|requirements?|"
                  r"certificates?|numbers?))")
_TOLL_WORK = r"\btoll\s+(?:processing|treatment|coating|machining|manufacturing)"
_TOLL_ASKED = re.compile(
    r"来料(?:加工|热处理|涂装|电镀|机加工?)|(?:甲方|我方|客户|需方)供料|供料加工|甲供(?:材料|料)|"
    r"(?:我方|我司|我厂|客户|甲方|买方|需方)(?:提供|供应|负责|发货|送)[^，,；;。]{0,6}?"
    + _WORKPIECES_ZH + r"|"
    r"\bwe\s+(?:will\s+)?(?:ship|send|supply|provide|deliver|furnish)\s+(?:the\s+|our\s+|all\s+)?"
    + _WORKPIECES_EN + r"|"
    r"\b(?:free[- ]issue|customer[- ](?:supplied|furnished|owned))\s+" + _WORKPIECES_EN
    + r"|" + _TOLL_WORK, re.I | re.A)
# Its own products only: a restriction that names products or orders ("只处理本厂锻件"), not its
# documents or rooms ("技术资料仅限本公司内部使用", "检测中心不对外开放").
_TOLL_OWN_ONLY = re.compile(
    r"(?:只|仅|只能|仅限)(?:处理|加工|做|热处理|涂装|服务)?(?:本厂|本公司|本司|自产|自家|自有|自己)的?"
    r"(?:产品|锻件|铸件|零件|工件|毛坯|订单|件)|"
    r"(?:不|无法)(?:接受?|承接|对外)(?:外来|客户)?来料|不对外(?:加工|承接)|"
    r"\b(?:our|its)\s+own\s+(?:parts|forgings|castings|products|production|components)\s+only\b|"
    r"\bonly\s+(?:for|on)\s+(?:our|its)\s+own\s+(?:parts|forgings|castings|products|production|"
    r"components)\b|"
    r"\bnot\s+(?:offered|available)\s+as\s+a\s+(?:separate|standalone|stand-alone)\s+service|"
    r"\bno\s+(?:toll|job[- ]shop|third[- ]party)\s+(?:work|processing|orders|jobs)", re.I | re.A)
_TOLL_ACCEPTED = re.compile(
    r"来料加工|接受?来料|承接外协|对外(?:加工|承接)|代加工|受托加工|" + _TOLL_WORK + r"|\bjob[- ]shop|"
    r"customer[- ](?:supplied|furnished|owned)\s+(?:parts|material|forgings|castings)|"
    r"\bsubcontract\s+(?:processing|treatment|heat\s+treatment|machining|coating)", re.I | re.A)
_EXCLUDE_ZH = re.compile(
    r"(?:不|无法|不能|不可|未)(?:再)?(?:承接|接受|接单|接|做|生产|制造|加工|提供|涉及|从事|具备|开展|"
    r"承做|支持|包括|包含|含|处理|供应|配备|拥有)(?P<x>.+)|"
    r"没有(?!问题)(?P<y>.+)|"
    # 无X能力/设备/产线; not 无缝 (seamless), 无刷 (brushless), 无损 (non-destructive)…
    r"(?<![a-zA-Z])无(?![缝损尘铅磁刷油级人线纺机])(?P<z>[^无]{1,12}?)"
    r"(?:能力|设备|产线|生产线|资质|条件|业务)|"
    r"除(?P<w>.{1,16}?)(?:以|之)?外|(?P<v>[^除]{1,16}?)除外|"
    r"(?P<u>[^，]{1,12}?)不在[^，]{0,6}范围|"
    r"^(?P<t>.{1,12}?)(?:暂|均|一律|概)?(?:不|无法)(?:做|接|承接|生产|加工|提供)\s*$")
# A need's "无需镀铬", "不需要热处理", "plating is not required": not asked for (read in needs
# only: a supplier's "无需模具费" is a price, not a restriction).
_NOT_NEEDED = re.compile(r"(?:无需|毋需|不需要?|不要求|不用)(?P<x>.+)|"
                         r"(?P<y>.+?)\s+(?:is|are)\s+not\s+(?:required|needed)", re.I | re.A)
_EXCLUDE_EN = re.compile(
    r"(?P<u>.+?)\s+(?:is|are)\s+not\s+(?:offered|available|supported|provided|included|possible|"
    r"accepted|done|in\s+scope)|"
    # not a restriction: "no more than", "no minimum order", "not only", "not a problem"
    r"\b(?:no|never|without|nor)\s+(?!more\b|less\b|later\b|longer\b|other\b|problem|"
    r"minimum|moq\b|extra\b|additional\b|hidden\b|defect|delay)(?P<x>.+)|"
    r"\bnot\s+(?!only\b|less\b|more\b|exceed|limited\b|below\b|above\b|over\b|under\b|"
    r"required\b|necessary\b|a\b|an\b|just\b|yet\b|all\b|applicable\b)(?P<y>.+)|"
    r"\b(?:do|does|did|will|would|could|can)\s*(?:not|n't)\s+(?P<z>.+)|"
    r"\b(?:cannot|unable\s+to)\s+(?P<w>.+)|"
    r"\b(?:except(?:\s+for)?|excluding|other\s+than)\s+(?P<v>.+)", re.I | re.A)
_ONLY_ZH = re.compile(r"(?<!不)(?:只|仅)(?:限于|限|承接|接受|接单|接|做|生产|制造|加工|提供|从事|"
                      r"供应|能做|负责)?(?P<x>.+)")
_ONLY_EN = re.compile(r"(?<!not\s)\b(?:only|exclusively|solely)\s+(?P<x>.+)", re.I | re.A)
# "aluminium only": the last words before it
_ONLY_AFTER_EN = re.compile(r"(?P<x>.+?)\s+only\b", re.I | re.A)
_VERBS_EN = re.compile(r"^(?:do|does|offer|offers|provide|provides|make|makes|accept|accepts|"
                       r"handle|handles|take|takes|produce|produces|manufacture|manufactures|"
                       r"machine|machines|supply|supplies|undertake|undertakes|support|supports|"
                       r"have|has|work\s+(?:with|on)|perform|performs|carry\s+out|any)\s+",
                       re.I | re.A)
_ITEM_SPLIT = re.compile(r"、|和|及|与|或|/|\band\b|\bor\b|\bnor\b|&", re.I | re.A)
# An exclusion's object ends where the sentence turns to what is done ("不做X，只做Y"; "no X but Y").
_ITEM_END = re.compile(r"但|而|只|仅|可|\bbut\b|\bonly\b|\bwe\b|\bhowever\b", re.I | re.A)
_FILLER = re.compile(r"^(?:任何|各类|各种|所有|any|the|a|an|in-house)\s*|"
                     r"(?:等|类|业务|方面|服务|订单|项目|能力|work|jobs?|services?|capabilit\w*)$",
                     re.I | re.A)
_STOP_EN = {"the", "and", "for", "with", "from", "any", "our", "we", "line", "lines", "parts",
            "part", "work", "jobs", "job", "products", "product", "service", "services"}


def extract(text: str, role: str) -> dict:
    """role: 'need' or 'capability'."""
    text = text or ""
    exclusions, only, excluded_spans = _restrictions(text, role)
    plain = _without(text, excluded_spans)
    req = {"quantities": quantities(text),
           "service": _service(plain, exclusions, only, role),
           "design": _design(plain, exclusions, only, role),
           "toll": _toll(text, role),
           "terms": sorted({t for t, _ in terms(plain)}),
           "concepts": sorted({c for _, c in _concepts(plain)}),
           # repair, design and certificates have checks of their own
           "exclusions": [i for i in exclusions if not _special(i["text"])],
           "only": [i for i in only if any(c in NAMES for c in i["concepts"])]}
    req.update(_certifications(text, role))
    return req


def _special(item: str) -> bool:
    return bool(_REPAIR.search(item) or _NEW_BUILD.search(item) or _NEW_PARTS.search(item)
                or _DESIGN.search(item) or _PRINT.search(item) or "来料" in item
                or extract_certifications(item))


def _restrictions(text: str, role: str) -> tuple[list[dict], list[dict], list[tuple[int, int]]]:
    """Exclusion and 'only' items of every clause, and the spans of the excluded objects (in
    a need, also what it says it does not need)."""
    negations = (_EXCLUDE_ZH, _EXCLUDE_EN) + ((_NOT_NEEDED,) if role == "need" else ())
    exclusions, only, spans = [], [], []
    offset = 0
    for clause in clauses(text):
        offset = text.index(clause, offset)
        for pattern in negations:
            for match in pattern.finditer(clause):
                name = next(k for k, v in match.groupdict().items() if v)
                start, obj = match.start(name), _object(match[name])
                spans.append((offset + start, offset + start + len(obj)))
                exclusions += _items(obj)
        for pattern in (_ONLY_ZH, _ONLY_EN):
            only += [i for m in pattern.finditer(clause) for i in _items(_object(m["x"]))]
        only += [i for m in _ONLY_AFTER_EN.finditer(clause)
                 for i in _items(" ".join(m["x"].split()[-3:]))]
        offset += len(clause)
    return exclusions, only, spans


def _object(phrase: str) -> str:
    end = _ITEM_END.search(phrase)
    return _VERBS_EN.sub("", phrase[:end.start()] if end else phrase).strip()


def _items(phrase: str) -> list[dict]:
    """Each listed object: its concepts and the words left beside them ('大型' of '大型铸件'),
    all of which a need must name for the item to concern it."""
    out = []
    for part in _ITEM_SPLIT.split(phrase):
        item = _FILLER.sub("", part.strip()).strip(" ：:的()（）[]【】")
        if not item:
            continue
        found = _concepts(item)
        rest = _without(item, [span for span, _ in found])
        words = _words(rest)
        if found or words:
            out.append({"text": item, "concepts": sorted({c for _, c in found}), "words": words})
    return out


def _words(text: str) -> list[str]:
    """Chinese runs of two or more characters and English content words (singular)."""
    han = [w for w in re.findall(r"[\u4e00-\u9fff]{2,}", text) if len(w) <= 8]
    latin = [w.lower().removesuffix("s") for w in re.findall(r"[A-Za-z][A-Za-z0-9\-]{2,}", text)
             if w.lower() not in _STOP_EN]
    return han + latin if len(han) + len(latin) <= 3 else []


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = [" "] * (end - start)
    return "".join(chars)


def _concepts(text: str) -> list[tuple[tuple[int, int], str]]:
    """Materials and processes ('mat:…', 'proc:…') and, where none was named, glossary trade
    terms ('g:…'): the same concept in either language."""
    named = terms(text)
    out = [(span, term) for term, span in named]
    for (start, end), concept in glossary.concepts(text):
        if not any(s < end and start < e for _, (s, e) in named):
            out.append(((start, end), f"g:{concept}"))
    return out


def _mentions(items: list[dict], pattern: re.Pattern) -> bool:
    return any(pattern.search(i["text"]) for i in items)


def _service(plain: str, exclusions: list[dict], only: list[dict], role: str) -> str:
    """'repair' (repair / remanufacture only), 'new' (nothing said of repair), 'no_repair'
    (says it does not repair), or 'both'."""
    if _REPAIR_ONLY.search(plain) or _mentions(only, _REPAIR) or _mentions(exclusions, _NEW_PARTS):
        return "repair"
    if _mentions(exclusions, _REPAIR):
        return "new" if role == "need" else "no_repair"
    plain = _REPAIR_PURPOSE.sub(_purpose_blanked, _AFTER_SALES.sub(" ", plain))
    repair = bool(_REPAIR.search(plain))
    new = bool(_NEW_BUILD.search(_REPAIR.sub(" ", plain)))
    if role == "need":  # a need names what it buys: repair unless it also asks for new parts
        return "repair" if repair and not new else "new"
    return "both" if repair and new else "repair" if repair else "new"


def _purpose_blanked(match: re.Match) -> str:
    before = match["before"]
    return match[0] if before and before.lower() in _PARTIES else " "


def _design(plain: str, exclusions: list[dict], only: list[dict], role: str) -> str | None:
    """'design'; 'print' (works to the customer's drawings, says nothing of design); 'print_only'
    (says it does not design); None (nothing said)."""
    if role == "need":
        if _PRINT.search(plain):  # the buyer supplies the drawings
            return "print"
        return "design" if _DESIGN_ASKED.search(plain) else None
    if _mentions(exclusions, _DESIGN) or _mentions(only, _PRINT):
        return "print_only"
    if _DESIGN.search(plain):
        return "design"
    return "print" if _PRINT.search(plain) else None


def _toll(text: str, role: str) -> bool | str | None:
    """Need: True when the buyer supplies the parts or material worked on. Capability:
    "own_only" (works on its own products only), "accepts" (takes customers' parts), or None."""
    if role == "need":
        return bool(_TOLL_ASKED.search(text)) or None
    if _TOLL_OWN_ONLY.search(text):
        return "own_only"
    return "accepts" if _TOLL_ACCEPTED.search(text) else None


def _certifications(text: str, role: str) -> dict:
    """Capability: {certifications: held, certs_pending}. Need: {certifications: required, as
    groups of alternatives, certs_preferred}. What is said of a certificate is read between the
    certificate before it in the clause and the one after it."""
    held, pending, required, preferred = [], [], [], []
    for clause in clauses(text):
        lowered = clause.lower()
        found = sorted((m.start(), m.end(), code) for code, p in CERT_PATTERNS_COMPILED.items()
                       for m in [p.search(lowered)] if m)
        if not found:
            continue
        if role == "need":
            _need_certs(lowered, found, required, preferred)
            continue
        for i, (start, end, code) in enumerate(found):
            before = lowered[found[i - 1][1] if i else 0:start]
            after = lowered[end:found[i + 1][0] if i + 1 < len(found) else len(lowered)]
            if _CERT_PENDING.search(before + " " + after):
                pending.append(code)
            elif not _CERT_NOT_HELD.search(before):
                held.append(code)
    if role == "capability":
        return {"certifications": sorted(set(held)), "certs_pending": sorted(set(pending))}
    return {"certifications": required, "certs_preferred": sorted(set(preferred))}


def _need_certs(clause: str, found: list, required: list, preferred: list) -> None:
    codes = [code for _, _, code in found]
    if _CERT_WAIVED.search(clause):
        return
    if _CERT_PREFERRED.search(clause):
        preferred += codes
    elif len(codes) > 1 and _ALTERNATIVES.search(clause[found[0][1]:found[-1][0]]):
        required.append(codes)
    else:
        required += [[code] for code in codes]


def chips(req: dict, role: str) -> list[Text | str]:
    """Short labels of what was read, for the need and capability pages, in the reader's
    language (made when shown, from the stored requirements)."""
    out = [_quantity_chip(q, role) for q in req.get("quantities") or []]
    if role == "need":
        out += [_l("需 %(certs)s", certs=" / ".join(group))
                for group in req.get("certifications") or []]
        out += [_l("%(cert)s 优先", cert=c) for c in req.get("certs_preferred") or []]
    else:
        out += list(req.get("certifications") or [])
        out += [_l("%(cert)s 办理中", cert=c) for c in req.get("certs_pending") or []]
    out += [chip for chip in (_SERVICE_CHIPS[role].get(req.get("service")),
                              _DESIGN_CHIPS[role].get(req.get("design")),
                              _TOLL_CHIPS[role].get(req.get("toll"))) if chip]
    if role == "need" and req.get("terms"):
        out.append(joined(NAMES[t] for t in req["terms"]))
    out += [_l("仅做：%(item)s", item=i["text"]) for i in req.get("only") or []]
    out += [_l("不需：%(item)s", item=i["text"]) if role == "need" else
            _l("不做：%(item)s", item=i["text"]) for i in req.get("exclusions") or []]
    return out


_SERVICE_CHIPS = {"need": {"repair": _l("维修/再制造")},
                  "capability": {"repair": _l("只做维修/再制造"), "no_repair": _l("不做维修"),
                                 "both": _l("新品及维修")}}
_DESIGN_CHIPS = {"need": {"design": _l("需设计能力"), "print": _l("来图加工")},
                 "capability": {"design": _l("具备设计能力"), "print": _l("来图加工"),
                                "print_only": _l("仅来图加工，不做设计")}}

_TOLL_CHIPS = {"need": {True: _l("来料加工（需方供料）")},
               "capability": {"accepts": _l("接受来料加工"), "own_only": _l("只加工自产件")}}


def _quantity_chip(q: dict, role: str) -> Text:
    if q["kind"].startswith("annual_"):
        value = q["low"] if q["low"] is not None else q["high"]
        if q["kind"] == "annual_count":
            n = _number(value)
            return _l("年需求 %(n)s 件", n=n) if role == "need" else _l("年产能 %(n)s 件", n=n)
        n = _number(value / 1000)
        return _l("年需求 %(n)s 吨", n=n) if role == "need" else _l("年产能 %(n)s 吨", n=n)
    if q["low"] is None:
        return _l("%(label)s ≤%(text)s", label=label(q), text=q["text"])
    if q["high"] is None:
        return _l("%(label)s ≥%(text)s", label=label(q), text=q["text"])
    return _l("%(label)s %(text)s", label=label(q), text=q["text"])


def _number(value: float) -> Text | str:
    """'2万' in Chinese, '20,000' in English: "%(n).0s" shows nothing, it only hands the whole
    number to the translation."""
    if value >= 10_000 and value % 1000 == 0:
        return _l("%(wan)s万%(n).0s", wan=f"{value / 10_000:g}", n=f"{value:,.0f}")
    return f"{value:g}"


def annual_volume(req: dict) -> int | None:
    """The annual count a need states, or a capability's stated capacity."""
    for q in req.get("quantities") or []:
        if q["kind"] == "annual_count":
            return int(q["low"] if q["low"] is not None else q["high"])
    return None
