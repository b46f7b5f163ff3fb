"""Requirements read when needs and capabilities are saved, checked when they are matched:
through the real graph server and the real model, and shown on the pages and in the API."""
import pytest
from conftest import login

from matchmaker.matching import service


@pytest.fixture
def cylinders(app, graph, make_company):
    """Three hydraulic cylinder suppliers that differ on one detail each, and one anchor."""
    model = app.config["EMBEDDING_MODEL"]
    codes = {}
    for name, text, user in [
        ("修缸厂", "工程机械液压油缸维修、再制造，只修不造", None),
        ("小缸厂", "工程机械液压油缸制造，缸径Φ32–Φ100", "small@a.cn"),
        ("大缸厂", "工程机械液压油缸制造，缸径Φ80–Φ250，年产能 1 万件", "big@a.cn"),
    ]:
        company = make_company(name, user=user)
        service.save_capabilities(graph, model, company["credit_code"], [{"products": text}])
        codes[name] = company["credit_code"]
    anchor = make_company("星联重工", role="anchor", user="anchor@a.cn")

    def need(title, description=""):
        return service.save_need(graph, model, anchor["credit_code"],
                                 {"title": title, "description": description})
    return {"codes": codes, "need": need}


def test_near_misses_rank_below_the_fit_with_their_reasons(graph, cylinders, client):
    need = cylinders["need"]("采购挖掘机液压油缸新品", "缸径Φ140，年需求 2000 件")
    result = service.rank_need(graph, service.stored_need(graph, need))
    top, *rest = result["matches"]
    assert top["company_name"] == "大缸厂" and top["confident"] and not result["abstain"]
    unmet = {m["company_name"]: m["unmet"] for m in rest}
    assert unmet["小缸厂"] == ["缸径范围 Φ32–Φ100，需求 Φ140"]
    assert unmet["修缸厂"] == ["供应商只做维修/再制造，不做新品"]
    assert not any(m["confident"] for m in rest)

    login(client, "anchor@a.cn")
    page = client.get(f"/needs/{need}").get_data(as_text=True)
    assert "<dt>年需求量</dt><dd>2000</dd>" in page and "缸径 Φ140" in page and "年需求 2000 件" in page
    assert "✘ 缸径范围 Φ32–Φ100，需求 Φ140" in page and "✔ 缸径 Φ140" in page
    assert "暂无可靠的本地配套企业" not in page
    assert client.get(f"/api/v1/needs/{need}").get_json()["requirement_chips"] == [
        "缸径 Φ140", "年需求 2000 件"]


def test_a_need_nobody_can_serve_says_so(graph, cylinders, client):
    need = cylinders["need"]("采购液压油缸新品", "缸径Φ400")
    login(client, "anchor@a.cn")
    body = client.get(f"/api/v1/needs/{need}/matches").get_json()
    assert body["abstain"] and body["notice"] == "暂无可靠的本地配套企业"
    assert all(m["unmet"] for m in body["matches"])
    assert "暂无可靠的本地配套企业" in client.get(f"/needs/{need}").get_data(as_text=True)


def test_supplier_sees_what_was_read_and_which_needs_it_cannot_serve(graph, cylinders, client):
    cylinders["need"]("采购挖掘机液压油缸新品", "缸径Φ140")
    login(client, "big@a.cn")
    profile = client.get("/suppliers/profile").get_data(as_text=True)
    assert "缸径 Φ80–Φ250" in profile and "年产能 1万 件" in profile and "10000" in profile
    small = service.match_supplier(graph, cylinders["codes"]["小缸厂"])
    assert small[0]["unmet"] == ["缸径范围 Φ32–Φ100，需求 Φ140"] and not small[0]["confident"]


def test_backfill_reads_requirements_stored_before_they_were_read(app, graph, cylinders):
    from click.testing import CliRunner

    from graph import catalog
    from matchmaker.cli import backfill_requirements
    need = cylinders["need"]("采购液压油缸新品", "缸径Φ140，需IATF16949认证")
    def as_stored_before(tx):  # as nodes were written before requirements were read on save
        for label in ("Need", "Capability"):
            tx.run(f"MATCH (x:{label}) REMOVE x.requirements, x.requirement_chips, "
                   "x.stated_volume, x.text_bridged").consume()
        tx.run("MATCH (n:Need) SET n.certs_required = []").consume()
    graph.write(as_stored_before)
    with app.app_context():
        result = CliRunner().invoke(backfill_requirements, [], catch_exceptions=False)
    assert result.exit_code == 0 and '"needs": 1, "capabilities": 3' in result.output
    stored = graph.read(catalog.get_need, need, True)
    assert "缸径 Φ140" in service.shown(stored, "need")["requirement_chips"]
    assert stored["certs_required"] == ["IATF16949"] and stored["requirements"]
    with app.app_context():
        again = CliRunner().invoke(backfill_requirements, [], catch_exceptions=False)
    assert '"needs": 0, "capabilities": 0' in again.output
    # read by an older reader: read again, the property older versions stored goes
    graph.write(lambda tx: tx.run("MATCH (n:Need) SET n.requirements_version = 1, "
                                  "n.requirement_chips = ['old']").consume())
    with app.app_context():
        stale = CliRunner().invoke(backfill_requirements, [], catch_exceptions=False)
    assert '"needs": 1, "capabilities": 0' in stale.output
    assert "requirement_chips" not in graph.read(
        lambda tx: tx.run("MATCH (n:Need) RETURN properties(n) AS p").single()["p"])
