"""Matching with the real model and the real graph server."""
import pytest
from conftest import login

from matchmaker.errors import NotFound
from matchmaker.matching import service
from matchmaker.matching.ranking import Filters


@pytest.fixture
def market(app, graph, make_company):
    model = app.config["EMBEDDING_MODEL"]
    hyd = make_company("湘液液压有限公司", region="430181", user="hyd@a.cn")
    auto_hyd = make_company("星城汽车液压件有限公司", region="430121")
    diecast = make_company("麓谷压铸有限公司", region="430104")
    harness = make_company("株洲线束有限公司", region="430200")  # outside the city
    for company, text, certs in [
        (hyd, "工程机械液压油缸、伸缩油缸，缸筒珩磨、活塞杆镀铬", ["ISO9001"]),
        (auto_hyd, "汽车液压缸、减震器总成研发制造", ["IATF16949"]),
        (diecast, "铝合金压铸件，新能源电机壳体、变速箱壳体", ["IATF16949"]),
        (harness, "汽车线束、新能源高压线束", ["IATF16949"]),
    ]:
        service.save_capabilities(graph, model, company["credit_code"],
                                  [{"id": company["credit_code"] + "-1", "products": text,
                                    "certifications": certs}])
    anchor = make_company("星联重工", role="anchor", clusters=["CM"], user="anchor@a.cn")
    other = make_company("湘江汽车", role="anchor", clusters=["AU"], user="other@a.cn")
    return {"model": model, "hyd": hyd, "auto_hyd": auto_hyd, "diecast": diecast,
            "harness": harness, "anchor": anchor, "other": other}


def _need(graph, market, title, **extra):
    return service.save_need(graph, market["model"], market["anchor"]["credit_code"],
                             {"title": title, **extra})


def test_chinese_need_finds_the_right_supplier(graph, market):
    need = _need(graph, market, "采购挖掘机液压油缸，缸径160mm")
    top = service.rank_need(graph, service.stored_need(graph, need))["matches"][0]
    assert top["company"] == market["hyd"]["credit_code"]
    assert top["confident"] and "液压油缸" in "".join(top["explanation"]["matched_terms"])


def test_english_need_finds_chinese_supplier(graph, market):
    need = _need(graph, market, "We need aluminium die-cast motor housings for electric cars")
    top = service.rank_need(graph, service.stored_need(graph, need))["matches"][0]
    assert top["company"] == market["diecast"]["credit_code"]


def test_hard_filter_and_missing_certification_explained(graph, market):
    need = _need(graph, market, "液压油缸采购", description="需IATF16949认证")
    matches = service.rank_need(graph, service.stored_need(graph, need))["matches"]
    hyd = next(m for m in matches if m["company"] == market["hyd"]["credit_code"])
    assert hyd["explanation"]["certifications_missing"] == ["IATF16949"]
    filtered = service.rank_need(graph, service.stored_need(graph, need),
                                 Filters(required_certs=["IATF16949"]))
    assert market["hyd"]["credit_code"] not in [m["company"] for m in filtered["matches"]]
    local = service.rank_need(graph, service.stored_need(graph, need),
                              Filters(local_only=True))["matches"]
    assert market["harness"]["credit_code"] not in [m["company"] for m in local]


def test_embeddings_recomputed_when_capability_changes(graph, market):
    cap_id = market["harness"]["credit_code"] + "-1"
    before = graph.read(lambda tx: tx.run("MATCH (c:Capability {id: $id}) RETURN c.emb AS e",
                                          id=cap_id).single()["e"])
    service.save_capabilities(graph, market["model"], market["harness"]["credit_code"],
                              [{"id": cap_id, "products": "挖掘机液压油缸"}])
    after = graph.read(lambda tx: tx.run("MATCH (c:Capability {id: $id}) RETURN c.emb AS e",
                                         id=cap_id).single()["e"])
    assert before != after


def test_unrelated_need_is_not_a_confident_match(graph, market):
    need = _need(graph, market, "采购员工食堂餐饮服务")
    matches = service.rank_need(graph, service.stored_need(graph, need))["matches"]
    assert not any(m["confident"] for m in matches)


def test_supplier_sees_fitting_needs(graph, market):
    _need(graph, market, "挖掘机液压油缸采购")
    _need(graph, market, "员工工服采购")
    found = service.match_supplier(graph, market["hyd"]["credit_code"])
    assert found[0]["title"] == "挖掘机液压油缸采购"


def test_other_anchor_cannot_see_matches(graph, market, client, app):
    need = _need(graph, market, "挖掘机液压油缸采购", status="draft")
    login(client, "other@a.cn")
    # 404 as for a need that does not exist: nothing tells another company a draft is there
    assert client.get(f"/needs/{need}").status_code == 404
    assert client.get(f"/api/v1/needs/{need}/matches").status_code == 404
    other_user = type("U", (), {"company": market["other"]["credit_code"], "is_organizer": False})
    with pytest.raises(NotFound):
        service.match_need(graph, need, other_user)


def test_anchor_sees_own_matches_page(graph, market, client):
    need = _need(graph, market, "挖掘机液压油缸采购")
    login(client, "anchor@a.cn")
    page = client.get(f"/needs/{need}").get_data(as_text=True)
    assert "湘液液压有限公司" in page
    body = client.get(f"/api/v1/needs/{need}/matches").get_json()
    assert body["matches"][0]["company_name"] == "湘液液压有限公司"


def test_api_requires_login(client):
    assert client.get("/api/v1/needs/x/matches").status_code == 401


def test_supplier_edits_profile_in_the_browser_and_sees_matching_needs(graph, market, client):
    _need(graph, market, "Aluminium die-cast gearbox housings, IATF 16949 required")
    login(client, "hyd@a.cn")
    assert "工程机械液压油缸" in client.get("/suppliers/profile").get_data(as_text=True)
    cap_id = market["hyd"]["credit_code"] + "-1"
    form = client.get(f"/suppliers/capabilities/{cap_id}").get_data(as_text=True)
    token = csrf_token_from(form)
    missing = client.post(f"/suppliers/capabilities/{cap_id}", data={"csrf_token": token,
                                                                     "products": ""})
    assert missing.status_code == 400 and 'class="error"' in missing.get_data(as_text=True)
    saved = client.post(f"/suppliers/capabilities/{cap_id}", data={
        "csrf_token": token, "products": "铝合金压铸件，变速箱壳体", "processes": "压铸、T6热处理",
        "certifications": ["IATF16949"], "capacity_per_year": "200000",
        "category": "CAST-DIE"}, follow_redirects=True).get_data(as_text=True)
    assert "已保存" in saved and "IATF16949" in saved
    page = client.get("/suppliers/needs").get_data(as_text=True)
    assert "Aluminium die-cast gearbox housings" in page and "✔ IATF16949" in page
    other = market["diecast"]["credit_code"] + "-1"
    assert client.get(f"/suppliers/capabilities/{other}").status_code == 404


def test_prior_supply_to_the_cluster_from_the_ledger_is_explained(graph, market):
    from matchmaker.imports import purchases as ledger
    ledger.import_purchases(graph, [(2, {
        "anchor_credit_code": market["anchor"]["credit_code"],
        "supplier_credit_code": market["auto_hyd"]["credit_code"], "invoice_no": "P-1",
        "date": "2025-03-01", "amount_yuan": "100000", "category": "HYD-CYL"})], "t")
    need = _need(graph, market, "液压油缸采购")
    matches = service.rank_need(graph, service.stored_need(graph, need))["matches"]
    auto_hyd = next(m for m in matches if m["company"] == market["auto_hyd"]["credit_code"])
    assert any("星联重工" in p for p in auto_hyd["explanation"]["graph_path"])


def csrf_token_from(html: str) -> str:
    import re
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)
