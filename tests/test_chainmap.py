"""Chain map: a known missing link, a known single source, the what-if checked by hand."""
from __future__ import annotations

import io

import pytest
from conftest import login
from openpyxl import load_workbook

from matchmaker import policy as policy_module
from matchmaker.auth import accounts
from matchmaker.chainmap import service as chain
from matchmaker.incentives import rules as rewards
from matchmaker.matching import service

M = 100 * 1_000_000  # ¥1M in fen


@pytest.fixture
def city(app, graph, make_company):
    from matchmaker.imports import purchases as ledger
    x = make_company("星联重工", role="anchor", clusters=["CM"])
    y = make_company("湘江汽车", role="anchor", clusters=["AU"])
    local = make_company("浏阳液压有限公司", region="430181")
    compressor = make_company("株洲压缩机有限公司", region="430200")   # outside the city
    cylinders = make_company("武汉油缸有限公司", region="420100")      # outside the city
    model = app.config["EMBEDDING_MODEL"]
    service.save_capabilities(graph, model, local["credit_code"], [{
        "id": local["credit_code"] + "-1", "products": "工程机械液压油缸", "categories": ["HYD-CYL"]}])
    service.save_need(graph, model, x["credit_code"], {"id": "N-CYL", "title": "挖掘机液压油缸采购",
                                                        "category": "HYD-CYL"})
    rows = []
    for n, (anchor, supplier, day, yuan_, category) in enumerate([
            (x, local, "2024-05-01", "5000000", "HYD-CYL"),
            (x, local, "2025-05-01", "10000000", "HYD-CYL"),
            (x, cylinders, "2025-05-02", "5000000", "HYD-CYL"),
            (x, compressor, "2025-06-01", "40000000", "THERM-COMP"),
            (y, local, "2025-05-01", "20000000", "HYD-CYL"),
            (y, compressor, "2025-06-01", "10000000", "THERM-COMP")], start=2):
        rows.append((n, {"anchor_credit_code": anchor["credit_code"],
                         "supplier_credit_code": supplier["credit_code"], "invoice_no": f"I{n}",
                         "date": day, "amount_yuan": yuan_, "category": category}))
    ledger.import_purchases(graph, rows, "t")
    accounts.create_user(graph, "office@c.cn", "办公室", "organizer", "correct-horse-1")
    return {"x": x, "y": y, "local": local, "compressor": compressor,
            "policy": policy_module.load(app.config["POLICY_FILE"])}


def test_missing_link_and_single_source(app, graph, city):
    report = chain.coverage(graph, city["policy"], 2025)
    top = report["missing_links"][0]
    assert top["category"] == "THERM-COMP" and top["local_suppliers"] == 0
    assert top["nonlocal_fen"] == 50 * M
    assert [s["name"] for s in top["outside_suppliers"]] == ["株洲压缩机有限公司"]
    cylinders = next(r for r in report["categories"] if r["category"] == "HYD-CYL")
    assert not cylinders["missing"] and cylinders["local_suppliers"] == 1
    assert cylinders["best_local_match"]["supplier"] == "浏阳液压有限公司"
    singles = {(r["anchor_name"], r["category"]) for r in report["single_sources"]}
    service.save_need(graph, app.config["EMBEDDING_MODEL"], city["x"]["credit_code"],
                      {"id": "N-COMP", "title": "空调压缩机采购", "category": "THERM-COMP"})
    assert singles == {("星联重工", "THERM-COMP"), ("湘江汽车", "HYD-CYL"),
                       ("湘江汽车", "THERM-COMP")}
    # Without the spending (the office's home page): the same needs, no purchase read.
    report = chain.coverage(graph, city["policy"], 2025)
    needs_only = chain.coverage(graph, city["policy"], 2025, spend=False)
    missing_needs = {n for r in report["missing_links"] for n in r["need_ids"]}
    assert missing_needs == {"N-COMP"}
    assert {n for r in needs_only["missing_links"] for n in r["need_ids"]} == missing_needs
    assert all(r["total_fen"] == 0 for r in needs_only["categories"])


def test_what_if_matches_hand_computation(graph, city):
    result = chain.simulate(graph, city["policy"], 2025, "THERM-COMP", 50)
    x = next(a for a in result["anchors"] if a["name"] == "星联重工")
    y = next(a for a in result["anchors"] if a["name"] == "湘江汽车")
    # 星联: L 10M of T 55M; half of 40M moves → L 30M. Prior year L 5M: Δ 5M → 0, Δ 25M → 2 units.
    assert (x["moved_fen"], x["before"]["rate_pct"], x["after"]["rate_pct"]) == (20 * M, "18.2",
                                                                                  "54.5")
    assert (x["award_before"]["award_fen"], x["award_after"]["award_fen"]) == (0, 60_000 * 100)
    # 湘江: L 20M of T 30M; half of 10M moves → 25M (83.3%); no 2024 data → not computable.
    assert (y["after"]["rate_pct"], y["award_after"]["status"]) == ("83.3", "not_computable")
    assert result["moved_fen"] == 25 * M
    clusters = {c["cluster"]: c for c in result["clusters"]}
    assert (clusters["CM"]["after"]["rate_pct"], clusters["AU"]["after"]["rate_pct"]) == (
        "54.5", "83.3")


def test_what_if_pure_arithmetic_rounds_down_in_fen():
    period = policy_module.load("matchmaker/policy.toml").for_year(2025)
    out = chain.what_if(period, 2025, [{"anchor": "a", "name": "a", "clusters": ["CM"],
                                        "local_fen": 0, "total_fen": 7, "has_data": True,
                                        "prev_local_fen": 0}],
                        {"a": {"total_fen": 7, "local_fen": 0}}, 33)
    assert out["anchors"][0]["moved_fen"] == 2  # 7 × 33% = 2.31 fen → 2
    assert out["anchors"][0]["after"]["rate_pct"] == str(rewards.rate(2, 7)) == "28.6"


def test_chain_pages(client, city):
    login(client, "office@c.cn")
    page = client.get("/chain/?year=2025&category=THERM-COMP&pct=50").get_data(as_text=True)
    assert "缺失环节" in page and "株洲压缩机有限公司" in page and "54.5%" in page
    assert "/static/vendor/cytoscape.min.js" in page
    assert "/static/vendor/cytoscape-dagre.min.js" in page
    book = load_workbook(io.BytesIO(client.get("/chain/missing-links.xlsx?year=2025").data))
    first = list(book.active.iter_rows(values_only=True))[1]
    assert first[0] == "THERM-COMP" and "株洲压缩机有限公司" in first[-1]
    assert client.get("/chain/?pct=500&category=X").status_code == 400


def _by_id(data):
    return {n["id"]: n for n in data["nodes"]}


def test_map_is_layered_with_missing_links_and_counts(client, graph, city):
    """The map's JSON: anchors → parts in layers, the missing link flagged, suppliers collapsed
    into counts per part (local: able to supply; outside: bought from this year)."""
    login(client, "office@c.cn")
    x, y = city["x"]["credit_code"], city["y"]["credit_code"]
    data = client.get("/chain/map.json?year=2025").get_json()
    assert data["layers"] == ["anchor", "part", "supplier"] and data["missing_links"] == 1
    nodes = _by_id(data)
    assert {n["kind"] for n in data["nodes"]} == {"anchor", "part"}   # suppliers collapsed
    assert (nodes["a:" + x]["name"], nodes["a:" + y]["name"]) == ("星联重工", "湘江汽车")
    compressors, cylinders = nodes["p:THERM-COMP"], nodes["p:HYD-CYL"]
    assert compressors["missing"] and compressors["missing_reason"] == "no_local_supplier"
    assert (compressors["local_suppliers"], compressors["outside_suppliers"]) == (0, 1)
    assert compressors["nonlocal_fen"] == 50 * M and compressors["local_share_pct"] == "0.0"
    assert not cylinders["missing"] and cylinders["missing_reason"] is None
    assert (cylinders["local_suppliers"], cylinders["outside_suppliers"]) == (1, 1)
    assert cylinders["best_local_match"]["supplier"] == "浏阳液压有限公司"
    assert cylinders["best_local_match"]["company"] == city["local"]["credit_code"]
    # the same fit and tier as the coverage table and the need page
    table = next(r for r in chain.coverage(graph, city["policy"], 2025)["categories"]
                 if r["category"] == "HYD-CYL")["best_local_match"]
    assert (cylinders["best_local_match"]["fit"], cylinders["best_local_match"]["tier"]) == (
        table["fit"], table["tier"])
    edges = {(e["source"], e["target"]): e for e in data["edges"]}
    assert set(edges) == {("a:" + x, "p:HYD-CYL"), ("a:" + x, "p:THERM-COMP"),
                          ("a:" + y, "p:HYD-CYL"), ("a:" + y, "p:THERM-COMP")}
    mine = edges[("a:" + x, "p:HYD-CYL")]
    assert (mine["open_needs"], mine["total_fen"], mine["local_fen"], mine["nonlocal_fen"]) == (
        1, 15 * M, 10 * M, 5 * M)
    # The automotive cluster alone: its one anchor never bought cylinders outside the city.
    auto = _by_id(client.get("/chain/map.json?year=2025&cluster=AU").get_json())
    assert {n for n in auto if n.startswith("a:")} == {"a:" + y}
    assert auto["p:HYD-CYL"]["outside_suppliers"] == 0
    # The year changes the data: in 2024 only 星联 bought, and only cylinders.
    earlier = client.get("/chain/map.json?year=2024").get_json()
    assert [e["target"] for e in earlier["edges"]] == ["p:HYD-CYL"]
    assert _by_id(earlier)["p:HYD-CYL"]["total_fen"] == 5 * M


def test_opening_a_part_returns_its_suppliers(client, city):
    login(client, "office@c.cn")
    cylinders = client.get("/chain/part.json?year=2025&part=HYD-CYL").get_json()
    assert [(s["id"], s["name"]) for s in cylinders["local"]] == [
        ("s:" + city["local"]["credit_code"], "浏阳液压有限公司")]
    assert [(s["name"], s["amount_fen"]) for s in cylinders["outside"]] == [
        ("武汉油缸有限公司", 5 * M)]
    compressors = client.get("/chain/part.json?year=2025&part=THERM-COMP").get_json()
    assert compressors["local"] == []
    assert [(s["name"], s["region"], s["amount_fen"]) for s in compressors["outside"]] == [
        ("株洲压缩机有限公司", "株洲市", 50 * M)]
    auto = client.get("/chain/part.json?year=2025&part=HYD-CYL&cluster=AU").get_json()
    assert auto["outside"] == [] and len(auto["local"]) == 1
    assert client.get("/chain/part.json?year=2025&part=NOPE").status_code == 404
    assert client.get("/chain/part.json?year=2025").status_code == 400
    assert client.get("/chain/part.json?year=2025&part=HYD-CYL&cluster=NOPE").status_code == 400


def test_map_page_shows_names_not_codes(client, city):
    """Years with data as a select, clusters by name; no taxonomy or cluster codes on screen
    (they stay in the map's data and the form values)."""
    import re
    login(client, "office@c.cn")
    page = client.get("/chain/?year=2025&category=THERM-COMP&pct=50").get_data(as_text=True)
    years = re.search(r'<select name="year"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\d+)"', years) == ["2024", "2025"]
    assert 'value="2025" selected' in years
    assert 'id="chain-map-data"' in page and 'id="chain-map-text"' in page
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", page, flags=re.S))
    for code in ("HYD-CYL", "THERM-COMP", "CM", "AU"):
        assert not re.search(rf"\b{code}\b", visible), code
    assert "工程机械" in visible and "汽车" in visible    # the clusters, by name
