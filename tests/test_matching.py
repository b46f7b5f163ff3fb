"""Matching with the real model and the real graph server."""
import json
import re

import pytest
from conftest import login

from matchmaker import clock
from matchmaker.errors import NotFound
from matchmaker.matching import ranking, service
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
    top, *rest = service.rank_need(graph, service.stored_need(graph, need))["matches"]
    assert top["company"] == market["hyd"]["credit_code"]
    assert "液压油缸" in "".join(top["explanation"]["matched_terms"])
    # four suppliers only: the right one stands out, the unrelated ones are not a fit
    assert top["tier"] != "low" and all(top["fit"] > m["fit"] for m in rest)
    unrelated = (market["diecast"]["credit_code"], market["harness"]["credit_code"])
    assert all(m["tier"] == "low" for m in rest if m["company"] in unrelated)


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


def test_prior_supply_to_the_cluster_is_counted_never_named(graph, market, make_company,
                                                            client):
    """A competitor's ledger is its own: the anchor learns that the supplier already supplies
    it, and how many other anchors of the cluster only when they are at least three (fewer
    could name them), never which."""
    from matchmaker.imports import purchases as ledger
    rivals = [make_company(name, role="anchor", clusters=["CM"])
              for name in ("中湘重工", "楚天重工", "山河重工")]

    def bought(anchors, start):
        ledger.import_purchases(graph, [(n, {
            "anchor_credit_code": anchor["credit_code"],
            "supplier_credit_code": market["auto_hyd"]["credit_code"], "invoice_no": f"P-{n}",
            "date": "2025-03-01", "amount_yuan": "100000", "category": "HYD-CYL"})
            for n, anchor in enumerate(anchors, start=start)], "t")

    def explained():
        matches = service.rank_need(graph, service.stored_need(graph, need))["matches"]
        found = next(m for m in matches if m["company"] == market["auto_hyd"]["credit_code"])
        return found["explanation"], [str(p) for p in found["explanation"]["graph_path"]]

    need = _need(graph, market, "液压油缸采购")
    bought([market["anchor"], rivals[0], rivals[1]], 2)
    explanation, path = explained()
    assert explanation["supplies_this_anchor"] and explanation["cluster_anchors_supplied"] == 0
    assert any("已向该需求企业供货" in p for p in path)
    assert not any("其他主机企业" in p for p in path)  # two others: not counted
    bought([rivals[2]], 10)
    explanation, path = explained()
    assert explanation["cluster_anchors_supplied"] == 3
    assert any("已为同产业集群 3 家其他主机企业供货" in p for p in path)
    login(client, "anchor@a.cn")
    page = client.get(f"/needs/{need}").get_data(as_text=True)
    api = json.dumps(client.get(f"/api/v1/needs/{need}/matches").get_json(), ensure_ascii=False)
    for shown in (page, api):
        assert "星城汽车液压件" in shown
        assert not any(rival["name"] in shown for rival in rivals)


def test_stored_fair_reasons_that_named_other_anchors_are_dropped_at_start(graph):
    from graph import schema
    from matchmaker.i18n import _l, stored
    old = stored(_l("曾配套 %(anchors)s", anchors="中湘重工"))
    keep = stored(_l("本地企业"))
    graph.write(lambda tx: tx.run("CREATE (:FairMeeting {key: 'F|a|s', reasons: $r}), "
                                  "(:FairMeeting {key: 'F|b|s', reasons: []}), "
                                  "(:FairMeeting {key: 'F|c|s'})", r=[keep, old]).consume())
    schema.migrate(graph)
    assert graph.read(lambda tx: tx.run("MATCH (m:FairMeeting {key: 'F|a|s'}) "
                                        "RETURN m.reasons AS r").single()["r"]) == [keep]


def test_explanation_paths_name_the_category_and_products_not_their_keys():
    query = ranking.Query(text="", requirements={}, category="HYD-CYL", category_name="液压油缸")
    path = ranking._graph_path(query, {"capability": "91430100MA4L000001-1",
                                       "products": "工程机械液压油缸、活塞杆、缸筒总成及配套密封件等产品",
                                       "company_name": "星城液压"}, category_link=True)
    assert str(path[0]) == "需求 → 品类 液压油缸 ← 能力「工程机械液压油缸、活塞杆、缸筒总成及配套密封件…」 ← 星城液压"


def _fit_on_page(html: str, row_text: str) -> int:
    """The fit shown in the table row that names `row_text`."""
    row = next(r for r in html.split("<tr") if row_text in r)
    return int(re.search(r'data-fit="(\d+)"', row).group(1))


def test_one_fit_for_a_pair_on_every_page(app, graph, market):
    """The need page, the supplier's page, both APIs and a fair's proposals: the same number."""
    title = "采购挖掘机液压油缸，缸径160mm"
    need = _need(graph, market, title)
    hyd = market["hyd"]["credit_code"]
    pair = next(m for m in service.rank_need(graph, service.stored_need(graph, need))["matches"]
                if m["company"] == hyd)
    expected = pair["fit"]
    assert pair["tier"] in ("high", "medium", "low") and 0 <= expected <= 100

    anchor = app.test_client()
    login(anchor, "anchor@a.cn")
    body = anchor.get(f"/api/v1/needs/{need}/matches").get_json()
    assert next(m["fit"] for m in body["matches"] if m["company"] == hyd) == expected
    assert _fit_on_page(anchor.get(f"/needs/{need}").get_data(as_text=True),
                        "湘液液压有限公司") == expected

    supplier = app.test_client()
    login(supplier, "hyd@a.cn")
    needs = supplier.get("/api/v1/suppliers/me/matching-needs").get_json()["needs"]
    assert next((n["fit"], n["tier"]) for n in needs if n["need"] == need) == (
        expected, pair["tier"])
    assert _fit_on_page(supplier.get("/suppliers/needs").get_data(as_text=True),
                        title) == expected

    from datetime import timedelta

    from graph import fairs as fair_store
    from matchmaker.fairs import proposals, setup
    day = clock.today() + timedelta(days=10)
    fair_id = setup.create(graph, {
        "name": "洽谈会", "cluster": "CM", "days": day.isoformat(), "day_start": "09:00",
        "day_end": "10:00", "slot_minutes": "30", "tables": "2",
        "registration_opens": clock.today().isoformat(),
        "registration_closes": day.isoformat()}, {"CM"}, "office")
    for company, role in ((market["anchor"]["credit_code"], "anchor"), (hyd, "supplier")):
        who = type("U", (), {"company": company, "role": role, "is_organizer": False})
        proposals.register(graph, fair_id, who, [0, 1])
    meeting = next(m for m in graph.read(fair_store.meetings, fair_id) if m["supplier"] == hyd)
    assert (meeting["fit"], meeting["tier"], meeting["need"]) == (expected, pair["tier"], need)


def test_not_a_fit_is_kept_as_a_judgment_and_trains_the_ranker(app, graph, market, client):
    from click.testing import CliRunner

    from graph import engagement as judgments
    from matchmaker.cli import train_ranker
    from matchmaker.matching import fit

    need = _need(graph, market, "采购挖掘机液压油缸")
    hyd, harness = market["hyd"]["credit_code"], market["harness"]["credit_code"]
    login(client, "anchor@a.cn")
    token = csrf_token_from(client.get(f"/needs/{need}").get_data(as_text=True))
    client.post(f"/needs/{need}/marks/{hyd}", data={"csrf_token": token, "status": "engaged"})
    too_long = client.post(f"/needs/{need}/marks/{harness}", data={
        "csrf_token": token, "status": "not_a_fit", "reason": "长" * 201})
    assert too_long.status_code == 400
    client.post(f"/needs/{need}/marks/{harness}", data={
        "csrf_token": token, "status": "not_a_fit", "reason": "只做线束，不做液压件"})
    # marked again: still one judgment per pair
    client.post(f"/needs/{need}/marks/{harness}", data={
        "csrf_token": token, "status": "not_a_fit", "reason": "只做线束，不做液压件"})
    stored = graph.read(judgments.judgments)
    assert [(j["supplier"], j["status"], j["reason"]) for j in stored if j["need"] == need] \
        == sorted([(hyd, "engaged", ""), (harness, "not_a_fit", "只做线束，不做液压件")],
                  key=lambda j: f"{need}|{j[0]}")
    page = client.get(f"/needs/{need}").get_data(as_text=True)
    assert "只做线束，不做液压件" in page and "不合适" in page

    with app.app_context():
        result = CliRunner().invoke(train_ranker, [], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["judgments_used"] == 2 and report["stored"]
    assert report["version"] == fit.shipped().version + 1
    assert report["figures"]["judgments"]["after (in-sample)"]["not_a_fit_mean_fit"] is not None
    assert service.ranker(graph).version == report["version"]
    # ranks with the new version
    assert service.rank_need(graph, service.stored_need(graph, need))["matches"]


def test_a_need_without_a_confident_local_fit_is_a_missing_link(app, graph, make_company):
    from matchmaker import policy as policy_module
    from matchmaker.chainmap import service as chain
    model = app.config["EMBEDDING_MODEL"]
    anchor = make_company("星联重工", role="anchor", clusters=["CM"])
    local = make_company("浏阳液压有限公司", region="430181")
    service.save_capabilities(graph, model, local["credit_code"], [{
        "products": "工程机械液压油缸制造，缸径Φ32–Φ100", "categories": ["HYD-CYL"]}])
    service.save_need(graph, model, anchor["credit_code"], {
        "id": "N-BIG", "title": "采购大型液压油缸新品，缸径Φ400", "category": "HYD-CYL"})
    policy = policy_module.load(app.config["POLICY_FILE"])
    report = chain.coverage(graph, policy, 2025)
    row = next(r for r in report["categories"] if r["category"] == "HYD-CYL")
    assert row["local_suppliers"] == 1 and row["needs_without_local_fit"] == 1 and row["missing"]
    assert "HYD-CYL" in [r["category"] for r in report["missing_links"]]
    top = service.rank_need(graph, service.stored_need(graph, "N-BIG"), Filters(local_only=True),
                           limit=1)
    assert top["abstain"] and row["best_local_match"]["fit"] == top["matches"][0]["fit"]


def csrf_token_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)
