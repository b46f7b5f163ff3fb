"""Matching with the real model and the real graph server."""
import pytest
from conftest import login

from graph import catalog
from matchmaker.errors import Forbidden
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
    top = service.match_need(graph, need, None)["matches"][0]
    assert top["company"] == market["hyd"]["credit_code"]
    assert top["confident"] and "液压油缸" in "".join(top["explanation"]["matched_terms"])


def test_english_need_finds_chinese_supplier(graph, market):
    need = _need(graph, market, "We need aluminium die-cast motor housings for electric cars")
    top = service.match_need(graph, need, None)["matches"][0]
    assert top["company"] == market["diecast"]["credit_code"]


def test_hard_filter_and_missing_certification_explained(graph, market):
    need = _need(graph, market, "液压油缸采购", description="需IATF16949认证")
    matches = service.match_need(graph, need, None)["matches"]
    hyd = next(m for m in matches if m["company"] == market["hyd"]["credit_code"])
    assert hyd["explanation"]["certifications_missing"] == ["IATF16949"]
    filtered = service.match_need(graph, need, None, Filters(required_certs=["IATF16949"]))
    assert market["hyd"]["credit_code"] not in [m["company"] for m in filtered["matches"]]
    local = service.match_need(graph, need, None, Filters(local_only=True))["matches"]
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
    matches = service.match_need(graph, need, None)["matches"]
    assert not any(m["confident"] for m in matches)


def test_supplier_sees_fitting_needs(graph, market):
    _need(graph, market, "挖掘机液压油缸采购")
    _need(graph, market, "员工工服采购")
    found = service.match_supplier(graph, market["hyd"]["credit_code"])
    assert found[0]["title"] == "挖掘机液压油缸采购"


def test_other_anchor_cannot_see_matches(graph, market, client, app):
    need = _need(graph, market, "挖掘机液压油缸采购", status="draft")
    login(client, "other@a.cn")
    assert client.get(f"/needs/{need}").status_code == 403
    assert client.get(f"/api/v1/needs/{need}/matches").status_code == 403
    other_user = type("U", (), {"company": market["other"]["credit_code"], "is_organizer": False})
    with pytest.raises(Forbidden):
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
