"""The worked-example city of docs/policy.md as CSV: anchors A–K, local suppliers, one in
株洲 (outside the policy region) and two in parks, with purchases for 2024 and 2025."""
from __future__ import annotations

from matchmaker import credit_code

M = 100 * 1_000_000  # ¥1M in fen

CODES = {name: credit_code.make(region, n) for n, (name, region) in enumerate([
    ("A", "430104"), ("B", "430104"), ("C", "430104"), ("D", "430104"), ("E", "430104"),
    ("G", "430104"), ("J", "430104"), ("K", "430121"),
    ("local1", "430181"), ("local2", "430121"), ("zhuzhou", "430200"),
    ("parkH", "430181"), ("parkI", "430105")], start=1)}

COMPANIES = """credit_code,name,role,cluster,registered_region,park
{A},主机A,anchor,CM,岳麓区,
{B},主机B,anchor,工程机械,430104,
{C},主机C,anchor,CM,430104,
{D},主机D,anchor,AU,430104,
{E},主机E,anchor,HA,430104,
{G},主机G,anchor,CM,430104,
{J},主机J,anchor,EI,430104,
{K},主机K,anchor,CM,长沙县,长沙经济技术开发区
{local1},浏阳配套,supplier,,浏阳市,
{local2},长沙县配套,supplier,,430121,
{zhuzhou},株洲配套,supplier,,株洲市,
{parkH},浏阳园区配套,supplier,,浏阳市,LYETDZ
{parkI},金霞园区配套,supplier,,开福区,JXETDZ
""".format(**CODES)


def purchases_csv(rows) -> bytes:
    lines = ["anchor_credit_code,supplier_credit_code,invoice_no,date,amount_yuan,category"]
    for anchor, supplier, invoice, day, yuan_amount in rows:
        lines.append(f"{CODES[anchor]},{CODES[supplier]},{invoice},{day},{yuan_amount},HYD-CYL")
    return "\n".join(lines).encode()


EXAMPLES = [
    ("A", "local1", "A24", "2024-03-01", "120000000"), ("A", "local2", "A25", "2025-03-01",
                                                        "158500000.00"),
    ("B", "local1", "B24", "2024-05-01", "80000000"), ("B", "local1", "B25", "2025-05-01",
                                                       "89990000"),
    ("C", "local1", "C24", "2024-05-01", "50000000"), ("C", "local1", "C25", "2025-05-01",
                                                       "40000000"),
    ("D", "zhuzhou", "D25a", "2025-06-01", "20000000"), ("D", "local1", "D25b", "2025-06-01",
                                                         "30000000"),
    ("E", "local1", "E25a", "2025-07-01", "60000000"), ("E", "zhuzhou", "E25b", "2025-07-01",
                                                        "90000000"),
    ("G", "local1", "G25", "2025-08-01", "200000000"),
    ("J", "local1", "J24", "2024-01-01", "10000000"), ("J", "local1", "J25", "2025-01-01",
                                                       "60000000"),
    ("K", "parkH", "H25", "2025-09-01", "1200000000"),
    ("K", "parkI", "I24", "2024-09-01", "600000000"), ("K", "parkI", "I25", "2025-09-01",
                                                       "1050000000"),
]


def load_city(graph, rules) -> None:
    """The worked-example companies and purchases, imported as the office would."""
    from matchmaker import tables
    from matchmaker.imports import companies as company_imports
    from matchmaker.imports import purchases as ledger
    company_imports.import_companies(
        graph, tables.read(COMPANIES.encode(), "c.csv", company_imports.COMPANY_COLUMNS),
        rules, "t")
    ledger.import_purchases(graph, tables.read(purchases_csv(EXAMPLES), "p.csv",
                                               ledger.PURCHASE_COLUMNS), "t")
