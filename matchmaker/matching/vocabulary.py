"""Words that name certificates, materials and processes, in Chinese and English.

Written from general trade knowledge (standards' names, common grades, the usual Chinese and
English terms), not from any evaluation text. Materials and processes form small trees: an
exclusion of steel covers stainless steel, a supplier of castings covers sand castings.
"""
from __future__ import annotations

import re

from matchmaker.i18n import _l

CERT_PATTERNS = {
    "ISO9001": r"iso\s*9001|gb/t\s*19001",
    "IATF16949": r"iatf\s*16949|ts\s*16949",
    "ISO14001": r"iso\s*14001",
    "ISO45001": r"iso\s*45001|ohsas\s*18001",
    "ISO13485": r"iso\s*13485",
    "AS9100": r"as\s*9100|en\s*9100",
    "ISO3834": r"iso\s*3834",
    "EN15085": r"en\s*15085|din\s*6701",
    "ISO22163": r"iso\s*22163|(?<![a-z])iris(?![a-z])",
    "API": r"(?<![a-z])api\s*(?:q1|6a|6d|5l|5ct|598|600|spec|monogram|certif|license|licence|"
           r"认证|会标|证书)",
    "ASME": r"asme\s*(?:u|s|r|pp|n)?\s*(?:stamp|certif|认证|钢印|授权|证书)",
    "PED": r"(?<![a-z])ped(?![a-z])|2014/68/eu",
    "TSG": r"特种设备(?:制造|生产)?许可|压力容器(?:制造|设计)?许可|(?<![a-z])tsg(?![a-z])",
    "UL": r"(?<![a-z])ul(?![a-z])",
    "CE": r"(?<![a-z])ce(?![a-z])(?:[\s-]*(?:认证|标志|marking|mark|certif))",
    "CCC": r"(?<![a-z])ccc(?![a-z])|3c认证|3c\s*certif",
    "RoHS": r"(?<![a-z])rohs(?![a-z])",
    "REACH": r"(?<![a-z])reach(?![a-z])[\s-]*(?:合规|认证|compli|certif)",
    "CQC": r"(?<![a-z])cqc(?![a-z])",
    "CB": r"(?<![a-z])cb(?![a-z])[\s-]*(?:认证|证书|certif|scheme|report)",
    "ETL": r"(?<![a-z])etl(?![a-z])",
    "TUV": r"t[üu]v(?![a-z])|tuev",
    "FCC": r"(?<![a-z])fcc(?![a-z])",
    "E-MARK": r"(?<![a-z])e-?mark(?![a-z])",
    "ATEX": r"(?<![a-z])(?:atex|iecex)(?![a-z])|防爆(?:合格证|认证|许可)",
    "VDA6.3": r"vda\s*6\.3",
    "ISO17025": r"iso\s*17025|(?<![a-z])cnas(?![a-z])",
    "ISO50001": r"iso\s*50001",
    "EN1090": r"en\s*1090",
    "CRCC": r"(?<![a-z])crcc(?![a-z])",
    "NADCAP": r"nadcap",
    "FDA": r"(?<![a-z])fda(?![a-z])",
    "船级社": r"船级社|(?<![a-z])(?:ccs|dnv|lloyd'?s\s+register|bureau\s+veritas)(?![a-z])",
    "军工资质": r"武器装备[^，,；;。]{0,8}许可|军工资质|保密资质",
    "GJB9001": r"gjb\s*9001",
}
CERT_PATTERNS_COMPILED = {code: re.compile(p, re.A) for code, p in CERT_PATTERNS.items()}
# A certificate that includes another: IATF 16949 and AS9100 are ISO 9001 plus sector clauses.
CERT_IMPLIES = {"IATF16949": {"ISO9001"}, "AS9100": {"ISO9001"}}

# (id, name (translated when shown), parent, surface forms); a child's forms are tried before
# its parent's.
MATERIALS = [
    ("steel", _l("钢"), None, r"(?<!不锈)(?<!铸)钢(?!琴|印|化玻璃)|\bsteel\b"),
    ("stainless", _l("不锈钢"), "steel", r"不锈钢|stainless(?:\s+steel)?|sus\s*3\d\d|\bss\s*3\d\d|"
                                         r"\binox\b"),
    ("carbon_steel", _l("碳钢"), "steel", r"碳钢|碳素钢|q235|q345|q355|45#钢?|45号钢|carbon\s+steel|"
                                          r"mild\s+steel"),
    ("alloy_steel", _l("合金钢"), "steel", r"合金钢|42crmo|40cr|20crmnti|alloy\s+steel"),
    ("cast_steel", _l("铸钢"), "steel", r"铸钢|cast\s+steel|steel\s+castings?"),
    ("galvanized_steel", _l("镀锌钢板"), "steel", r"镀锌板|镀锌钢|\bsecc\b|\bsgcc\b|"
                                                  r"galvani[sz]ed\s+(?:steel|sheet)"),
    ("cold_rolled_steel", _l("冷轧钢板"), "steel", r"冷轧|\bspcc\b|\bdc0[1-6]\b|cold[- ]rolled"),
    ("tool_steel", _l("模具钢"), "steel", r"模具钢|工具钢|\bh13\b|skd\s*11|cr12mov|tool\s+steel|"
                                         r"die\s+steel"),
    ("spring_steel", _l("弹簧钢"), "steel", r"弹簧钢|65mn|60si2mn|spring\s+steel"),
    ("bearing_steel", _l("轴承钢"), "steel", r"轴承钢|gcr15|52100|bearing\s+steel"),
    ("electrical_steel", _l("硅钢"), "steel", r"硅钢|电工钢|electrical\s+steel|silicon\s+steel"),
    ("iron", _l("铸铁"), None, r"铸铁|灰铁|灰口铁|\bht\s*[23]\d0\b|cast\s+iron|gr[ae]y\s+iron"),
    ("ductile_iron", _l("球墨铸铁"), "iron", r"球墨铸铁|球铁|\bqt\s*[4-8]\d0|ductile\s+iron|"
                                            r"nodular\s+iron|sg\s+iron"),
    ("aluminium", _l("铝合金"), None, r"铝合金|铝(?!基板)|adc\s*12|a356|a380|"
                                     r"\b(?:6061|6063|6082|7075|5052|2024)\b|"
                                     r"alumin(?:i)?um(?:\s+alloy)?|\balu\b"),
    ("zinc", _l("锌合金"), None, r"锌合金|zamak|zinc\s+alloy|zinc\s+die"),
    ("magnesium", _l("镁合金"), None, r"镁合金|镁|magnesium(?:\s+alloy)?"),
    ("copper", _l("铜"), None, r"(?<!镀)铜|copper"),
    ("brass", _l("黄铜"), "copper", r"黄铜|brass"),
    ("bronze", _l("青铜"), "copper", r"青铜|bronze"),
    ("titanium", _l("钛合金"), None, r"钛合金|钛|titanium(?:\s+alloy)?"),
    ("plastic", _l("塑料"), None, r"塑料|塑胶|plastics?\b|polymer"),
    ("engineering_plastic", _l("工程塑料"), "plastic", r"工程塑料|尼龙|\bpa\s*6{1,2}\b|nylon|\bpom\b|"
                                                     r"\bpeek\b|\bpbt\b|\bpps\b|\blcp\b|"
                                                     r"engineering\s+plastic"),
    # ABS, PP, PC… are also a brake system, pieces, a computer: read only beside a plastics word.
    ("abs", _l("ABS"), "plastic", r"\babs(?=\s*(?:塑料|料|树脂|材质|plastic|resin))|abs\s*/\s*pc|"
                                  r"pc\s*/\s*abs"),
    ("pp", _l("PP"), "plastic", r"\bpp(?=\s*(?:塑料|料|树脂|材质|plastic|resin))|聚丙烯|polypropylene"),
    ("pc", _l("PC"), "plastic", r"\bpc(?=\s*(?:塑料|料|树脂|材质|plastic|resin))|聚碳酸酯|polycarbonate"),
    ("pvc", _l("PVC"), "plastic", r"\bpvc\b|聚氯乙烯"),
    ("pe", _l("PE"), "plastic", r"\b(?:hd|ld)?pe(?=\s*(?:塑料|料|树脂|材质|plastic|resin))|聚乙烯|"
                                r"polyethylene|\bhdpe\b|\bldpe\b"),
    ("pmma", _l("PMMA"), "plastic", r"\bpmma\b|亚克力|有机玻璃|acrylic"),
    ("tpe", _l("TPE/TPU"), "plastic", r"\btp[eu]\b|热塑性弹性体"),
    ("rubber", _l("橡胶"), None, r"橡胶|丁腈|氟橡胶|三元乙丙|硅胶|rubber|\bnbr\b|\bfkm\b|\bepdm\b|"
                                r"silicone"),
    ("carbide", _l("硬质合金"), None, r"硬质合金|钨钢|(?:tungsten\s+)?carbide"),
    ("ceramic", _l("陶瓷"), None, r"陶瓷|ceramic"),
    ("composite", _l("复合材料"), None, r"复合材料|碳纤维|玻璃钢|composite|carbon\s+fib|\bfrp\b|"
                                       r"\bgfrp\b|\bcfrp\b"),
]
PROCESSES = [
    ("casting", _l("铸造"), None, r"铸造|铸件|castings?\b|foundry"),
    ("sand_casting", _l("砂型铸造"), "casting", r"砂型|砂铸|树脂砂|消失模|sand[- ]cast|lost[- ]foam"),
    ("die_casting", _l("压铸"), "casting", r"压铸|die[- ]?cast"),
    ("investment_casting", _l("精密铸造"), "casting", r"精密铸造|精铸|熔模|失蜡|硅溶胶|"
                                                    r"investment[- ]cast|lost[- ]wax"),
    ("forging", _l("锻造"), None, r"锻造|锻件|锻压|forg(?:e|ed|es|ings?)\b"),
    ("die_forging", _l("模锻"), "forging", r"模锻|热模锻|closed[- ]die|impression[- ]die|die[- ]forg"),
    ("open_die_forging", _l("自由锻"), "forging", r"自由锻|open[- ]die|free[- ]forg"),
    ("ring_rolling", _l("辗环"), "forging", r"辗环|碾环|环锻|ring[- ]roll|rolled\s+rings?"),
    ("machining", _l("机加工"), None, r"机加工|机械加工|精加工|数控|\bcnc\b|车削|车铣|铣削|镗|"
                                     r"加工中心|machin(?:ed|ing)|\bturning|\bmilling"),
    ("grinding", _l("磨削"), "machining", r"磨削|磨床|\bgrinding"),
    ("honing", _l("珩磨"), "machining", r"珩磨|\bhon(?:ed|ing)\b"),
    ("gear_cutting", _l("齿轮加工"), "machining", r"滚齿|插齿|磨齿|hobbing|gear\s+(?:cutting|grinding)"),
    ("heat_treatment", _l("热处理"), None, r"热处理|淬火|回火|heat[- ]treat|quench|temper(?:ed|ing)\b"),
    ("carburizing", _l("渗碳"), "heat_treatment", r"渗碳|carburi[sz]|case[- ]harden"),
    ("nitriding", _l("渗氮"), "heat_treatment", r"渗氮|氮化|nitrid"),
    ("induction_hardening", _l("感应淬火"), "heat_treatment", r"感应淬火|高频淬火|中频淬火|"
                                                            r"induction[- ]harden"),
    ("quench_temper", _l("调质"), "heat_treatment", r"调质|quench(?:ed|ing)?\s+and\s+temper"),
    ("annealing", _l("退火/正火"), "heat_treatment", r"退火|正火|anneal|normali[sz]"),
    ("plating", _l("电镀"), None, r"电镀|plating|electroplat"),
    ("zinc_plating", _l("镀锌"), "plating", r"镀锌|galvani[sz]|zinc[- ]plat"),
    ("chrome_plating", _l("镀铬"), "plating", r"镀铬|硬铬|chrom(?:e|ium)[- ]plat"),
    ("nickel_plating", _l("镀镍"), "plating", r"镀镍|nickel[- ]plat"),
    ("painting", _l("涂装"), None, r"喷涂|涂装|\bpaint|coating line"),
    ("spray_painting", _l("喷漆"), "painting", r"喷漆|spray[- ]paint|wet[- ]paint"),
    ("e_coating", _l("电泳"), "painting", r"电泳|e-?coat|electrocoat|cathodic\s+dip"),
    ("powder_coating", _l("喷粉"), "painting", r"喷粉|粉末涂|powder[- ]coat"),
    ("anodizing", _l("阳极氧化"), None, r"阳极氧化|anodi[sz]"),
    ("welding", _l("焊接"), None, r"焊接|焊装|\bweld"),
    ("robotic_welding", _l("机器人焊接"), "welding", r"机器人焊|robot(?:ic)?\s+weld"),
    ("laser_welding", _l("激光焊接"), "welding", r"激光焊|laser\s+weld"),
    ("brazing", _l("钎焊"), "welding", r"钎焊|brazing"),
    ("stamping", _l("冲压"), None, r"冲压|拉伸件|\bstamp(?:ed|ings?)\b|deep[- ]draw"),
    ("sheet_metal", _l("钣金"), None, r"钣金|折弯|sheet[- ]metal|press[- ]brake"),
    ("laser_cutting", _l("激光切割"), "sheet_metal", r"激光切割|laser[- ]cut"),
    ("injection_molding", _l("注塑"), None, r"注塑|注射成型|injection[- ]mou?ld"),
    ("extrusion", _l("挤压"), None, r"挤压|挤出|\bextru[sd]"),
    ("powder_metallurgy", _l("粉末冶金"), None, r"粉末冶金|烧结|powder\s+metallurgy|sinter"),
    ("smt", _l("SMT贴片"), None, r"贴片|\bsmt\b|surface[- ]mount|回流焊|reflow"),
    ("tht", _l("插件/波峰焊"), None, r"插件|波峰焊|through[- ]hole|\btht\b|wave[- ]solder"),
    ("rubber_molding", _l("橡胶硫化"), None, r"硫化|vulcani[sz]|rubber\s+mou?lding"),
    ("blow_molding", _l("吹塑"), None, r"吹塑|blow[- ]mou?ld"),
]
_TERMS = sorted([(f"mat:{i}", f"mat:{p}" if p else None, re.compile(f, re.I | re.A))
                 for i, _, p, f in MATERIALS]
                + [(f"proc:{i}", f"proc:{p}" if p else None, re.compile(f, re.I | re.A))
                   for i, _, p, f in PROCESSES], key=lambda t: t[1] is None)  # children first
NAMES = {f"mat:{i}": n for i, n, _, _ in MATERIALS} | {f"proc:{i}": n for i, n, _, _ in PROCESSES}
_PARENT = {term: parent for term, parent, _ in _TERMS}


def extract_certifications(text: str) -> list[str]:
    """Certificates mentioned in `text`, whatever is said about them."""
    lowered = (text or "").lower()
    return [code for code, pattern in CERT_PATTERNS_COMPILED.items() if pattern.search(lowered)]


def holds(held: set[str], code: str) -> bool:
    return code in held or any(code in CERT_IMPLIES.get(h, ()) for h in held)


def terms(text: str) -> list[tuple[str, tuple[int, int]]]:
    """('mat:…' or 'proc:…', span) of each material and process named; a span is read once,
    by the most specific term that matches it."""
    found, taken = [], []
    for term, _, pattern in _TERMS:
        for match in pattern.finditer(text):
            if not any(s < match.end() and match.start() < e for s, e in taken):
                taken.append(match.span())
                found.append((term, match.span()))
    return found


def covers(general: str, term: str) -> bool:
    """A term covers itself and every term under it (steel covers stainless steel)."""
    while term:
        if term == general:
            return True
        term = _PARENT.get(term)
    return False
