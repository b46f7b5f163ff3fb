"""A second city from its own folder — policy file and seed files, no code change: 株洲市
(region 430200) is initialised by `matchmaker init`, and its awards follow its own policy."""
import json
import uuid
from pathlib import Path

import pytest

from conftest import MODEL
from graph import reference, server
from matchmaker import credit_code, policy as policy_module, tables
from matchmaker.cli import init
from matchmaker.imports import companies as company_imports
from matchmaker.imports import purchases as ledger
from matchmaker.incentives import rates as rate_figures
from matchmaker.incentives import service as awards

ZHUZHOU = Path(__file__).resolve().parent.parent / "matchmaker" / "cities" / "zhuzhou"
M = 100 * 1_000_000  # ¥1M in fen

CODES = {name: credit_code.make(region, n) for n, (name, region) in enumerate([
    ("rail", "430211"), ("ceramic", "430281"), ("liling", "430281"), ("tianyuan", "430211"),
    ("changsha", "430111")], start=1)}

COMPANIES = """credit_code,name,role,cluster,registered_region,park
{rail},株洲轨道装备,anchor,RT,株洲市天元区,ZZHTZ
{ceramic},醴陵陶瓷,anchor,陶瓷,湖南省醴陵市,
{liling},醴陵配套,supplier,,湖南省株洲市醴陵市,醴陵经济开发区
{tianyuan},天元配套,supplier,,430211001,
{changsha},长沙配套,supplier,,长沙市雨花区,
""".format(**CODES)

PURCHASES = [  # anchor, supplier, invoice, date, yuan
    ("rail", "tianyuan", "R24", "2024-03-01", 100_000_000),
    ("rail", "tianyuan", "R25", "2025-03-01", 112_000_000),
    ("rail", "changsha", "R25c", "2025-04-01", 50_000_000),  # outside 株洲: not local
    ("rail", "liling", "R25l", "2025-05-01", 350_000_000),
    ("ceramic", "liling", "C24", "2024-05-01", 10_000_000),
    ("ceramic", "liling", "C25", "2025-05-01", 46_000_000),
    ("ceramic", "changsha", "C25c", "2025-05-01", 54_000_000),
]


@pytest.fixture
def zhuzhou_app(data_dir):
    from matchmaker import create_app
    database = f"z{uuid.uuid4().hex[:10]}"
    app = create_app({"DATA_DIR": data_dir, "NEO4J_DATABASE": database, "TESTING": True,
                      "EMBEDDING_MODEL": MODEL, "SECRET_KEY": "test-secret",
                      "POLICY_FILE": str(ZHUZHOU / "policy.toml")})
    yield app
    graph = app.extensions["graph"]
    graph.close()
    server.drop_database(graph.embedded, database)


def test_second_city_initialises_and_computes_its_awards(zhuzhou_app):
    graph = zhuzhou_app.extensions["graph"]
    result = zhuzhou_app.test_cli_runner().invoke(init)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["city"] == "zhuzhou"
    assert {p["code"] for p in graph.read(reference.list_parks)} == {
        "ZZHTZ", "LLEDZ", "CLEDZ", "LKEDZ", "YXIZ"}
    assert {c["code"] for c in graph.read(reference.list_clusters)} == {"RT", "AV", "AU", "CE"}
    assert "RAIL-BOGIE" in {c["code"] for c in graph.read(reference.list_categories)}
    assert zhuzhou_app.test_cli_runner().invoke(init).exit_code == 0  # idempotent

    policy = policy_module.load(zhuzhou_app.config["POLICY_FILE"])
    assert policy.region == "430200"
    report = company_imports.import_companies(
        graph, tables.read(COMPANIES.encode(), "c.csv", company_imports.COMPANY_COLUMNS),
        policy, "test")
    assert report.created == 5 and not report.errors
    lines = ["anchor_credit_code,supplier_credit_code,invoice_no,date,amount_yuan,category"]
    lines += [f"{CODES[a]},{CODES[s]},{i},{d},{y},RAIL-BOGIE" for a, s, i, d, y in PURCHASES]
    report = ledger.import_purchases(graph, tables.read("\n".join(lines).encode(), "p.csv",
                                                        ledger.PURCHASE_COLUMNS), "test")
    assert report.created == len(PURCHASES)

    computed = awards.compute(graph, policy, 2025, "office@test")
    rail = next(r for r in computed["anchors"] if r["anchor"] == CODES["rail"])
    # Local: 112M + 350M (醴陵) = 462M against 100M; the 长沙 supplier is outside 株洲.
    assert (rail["prev_local_fen"], rail["local_fen"]) == (100 * M, 462 * M)
    # 株洲's step is ¥5M → ¥20,000: Δ 362M is 72 steps (长沙's ¥10M → ¥30,000 would pay 36).
    assert (rail["award_fen"], rail["status"]) == (72 * 20_000 * 100, "proposed")
    ceramic = next(r for r in computed["anchors"] if r["anchor"] == CODES["ceramic"])
    assert (ceramic["award_fen"], ceramic["reason"]) == (0, "not_designated_cluster")
    liling = next(r for r in computed["parks"] if r["park"] == "LLEDZ")
    assert liling["output_fen"] == 396 * M and liling["award_fen"] == 300_000 * 100  # ≥ ¥300M

    rates = {r["anchor"]: r for r in rate_figures.report(graph, policy, 2025)["anchors"]}
    # 46 / 100 = 46%: meets 株洲's 45% second target (长沙's is 50%).
    assert (rates[CODES["ceramic"]]["rate_pct"], rates[CODES["ceramic"]]["meets_phase2"]) == (
        "46.0", True)
