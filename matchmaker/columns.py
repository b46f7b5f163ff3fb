"""What the columns of an office's or an ERP's spreadsheet mean: the Chinese and English
headers that people and systems write for each importer's columns.

Headers are compared after normalization (full-width forms folded, case, spaces, underscores and
punctuation dropped), and a unit in brackets is read apart: "金额（万元）" is the amount column in
units of ¥10,000. A credit-code header says whose code it is by its prefix: 采购方 / 购买方 /
主机企业 (the buyer) or 供应商 / 销售方 / 配套企业 (the seller)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CREDIT_CODE = ("统一社会信用代码", "社会信用代码", "信用代码", "纳税人识别号", "纳税识别号", "税号",
               "creditcode", "uscc", "taxid", "taxpayerid")
BUYER = ("采购方", "采购单位", "采购企业", "购买方", "购方", "买方", "主机企业", "主机厂", "龙头企业",
         "buyer", "purchaser", "anchor")
SELLER = ("供应商", "销售方", "销方", "卖方", "配套企业", "供货单位", "供方",
          "supplier", "seller", "vendor")

ALIASES = {
    "credit_code": CREDIT_CODE,
    "name": ("企业名称", "公司名称", "单位名称", "名称", "企业", "companyname", "company", "name"),
    "role": ("企业类型", "类型", "企业角色", "角色", "role", "type", "companytype"),
    "cluster": ("产业集群", "所属集群", "所属产业集群", "集群", "产业链", "cluster", "industrycluster"),
    "registered_region": ("注册地", "注册地址", "注册地区", "所在区县", "区县", "所在地区", "所在地",
                          "行政区划", "region", "registeredregion", "district"),
    "park": ("所在园区", "园区", "所属园区", "park", "industrialpark"),
    "address": ("地址", "详细地址", "经营地址", "address"),
    "contact_name": ("联系人", "联系人姓名", "contact", "contactname", "contactperson"),
    "contact_phone": ("联系电话", "电话", "手机", "联系方式", "phone", "tel", "contactphone", "mobile"),
    "legal_representative": ("法定代表人", "法人代表", "法定代表人姓名", "法人", "法人姓名",
                             "legalrepresentative", "legalrep", "legalperson"),
    "invoice_no": ("发票号", "发票号码", "发票编号", "合同号", "合同编号", "单据号", "单据编号", "凭证号",
                   "invoice", "invoiceno", "invoicenumber", "documentno", "contractno"),
    "date": ("日期", "开票日期", "采购日期", "发票日期", "交易日期", "入库日期", "date", "invoicedate",
             "purchasedate"),
    "amount_yuan": ("金额", "采购金额", "含税金额", "价税合计", "发票金额", "合同金额", "amount",
                    "amountyuan", "value", "totalamount"),
    "category": ("品类", "物料类别", "物料组", "物料分类", "采购类别", "类别", "category",
                 "materialgroup", "materialcategory"),
    "products": ("产品", "主要产品", "主营产品", "products", "product", "mainproducts"),
    "processes": ("工艺", "加工工艺", "主要工艺", "processes", "process"),
    "materials": ("材料", "材质", "materials", "material"),
    "equipment": ("设备", "主要设备", "equipment"),
    "certifications": ("认证", "资质认证", "体系认证", "资质", "certifications", "certificates"),
    "capacity_per_year": ("年产能", "产能", "年产量", "capacity", "capacityperyear", "annualcapacity"),
    "ref": ("编号", "需求编号", "ref", "reference"),
    "title": ("标题", "需求名称", "需求标题", "采购需求", "title"),
    "description": ("描述", "需求描述", "说明", "description"),
    "spec": ("规格", "技术要求", "规格要求", "spec", "specification"),
    "annual_volume": ("年需求量", "年需求", "年用量", "annualvolume", "volume"),
    "certs_required": ("资质要求", "认证要求", "certsrequired", "requiredcertifications"),
    "delivery_region": ("交付地", "交货地点", "交付地点", "deliveryregion", "delivery"),
    "deadline": ("截止日期", "截止时间", "deadline"),
    "status": ("状态", "status"),
}
CODE_COLUMNS = {"anchor_credit_code": BUYER, "supplier_credit_code": SELLER}

# Units written in a header's brackets: amounts in ¥10,000 are common in office reports.
_UNIT = re.compile(r"[(\[（【]\s*(万元|元|人民币|rmb|cny|yuan|万)\s*[)\]）】]|[（(/]?(万元)$")
_DROP = re.compile(r"[\s_\-·.:：/\\()（）\[\]【】*#]+")


@dataclass(frozen=True)
class Column:
    name: str    # the importer's own column name
    label: str   # what the file's header says, for messages in the user's words
    scale: int   # amounts: 10,000 for a header in 万元, else 1


def normalize(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text or "").strip().lstrip("\ufeff").lower())


def _unit_scale(text: str) -> tuple[str, int]:
    folded = unicodedata.normalize("NFKC", text or "").lower()
    found = _UNIT.search(folded)
    if not found:
        return folded, 1
    unit = found.group(1) or found.group(2)
    return folded[:found.start()] + folded[found.end():], 10_000 if unit.startswith("万") else 1


def recognize(header: list[str], columns: list[str],
              remembered: dict[str, str] | None = None) -> dict[int, Column]:
    """{position in the file: Column} for each header that names one of `columns`, the first
    such header winning. `remembered`: {normalized header: column} the user chose earlier."""
    lookup = {normalize(alias): name for name, aliases in ALIASES.items() if name in columns
              for alias in aliases}
    lookup.update({normalize(name): name for name in columns})
    lookup.update({k: v for k, v in (remembered or {}).items() if v in columns})
    found: dict[int, Column] = {}
    taken: set[str] = set()
    for position, text in enumerate(header):
        bare, scale = _unit_scale(text)
        name = lookup.get(normalize(text)) or lookup.get(normalize(bare)) \
            or _credit_code_column(normalize(bare), columns)
        if name and name not in taken:
            taken.add(name)
            found[position] = Column(name, (text or "").strip(), scale)
    return found


def _credit_code_column(key: str, columns: list[str]) -> str | None:
    """'采购方统一社会信用代码' → anchor_credit_code; a bare code header → credit_code."""
    for code in CREDIT_CODE:
        code = normalize(code)
        if not key.endswith(code):
            continue
        prefix = key[:-len(code)]
        for name, owners in CODE_COLUMNS.items():
            if name in columns and prefix and any(prefix.endswith(normalize(o)) for o in owners):
                return name
        if not prefix and "credit_code" in columns:
            return "credit_code"
    return None


def describe(column: str) -> str:
    """A column's usual Chinese header, for messages."""
    if column in CODE_COLUMNS:
        return ("采购方" if column == "anchor_credit_code" else "供应商") + "统一社会信用代码"
    return ALIASES.get(column, (column,))[0]


ROLE_WORDS = {"anchor": ("anchor", "主机企业", "主机厂", "龙头企业", "链主企业", "整机企业"),
              "supplier": ("supplier", "配套企业", "供应商", "配套商", "零部件企业")}


def role(text: str) -> str:
    """'主机企业' → 'anchor', '配套企业' → 'supplier'; anything else as written (lower case)."""
    key = normalize(text)
    for name, words in ROLE_WORDS.items():
        if key in {normalize(w) for w in words}:
            return name
    return key
