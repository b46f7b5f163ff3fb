"""Detail pages: a supplier reads a need in full and opens the buyer's page; an anchor opens a
ranked supplier's page and sees what the supplier published (no contacts); the office sees
contacts and the status history."""
from __future__ import annotations

from conftest import csrf_token, login

from matchmaker.auth import accounts
from matchmaker.matching import service


def test_need_and_company_pages_for_each_role(app, graph, make_company, client):
    model = app.config["EMBEDDING_MODEL"]
    anchor = make_company("星联重工", role="anchor", clusters=["CM"], user="buyer@x.cn")
    pump = make_company("浏阳液压有限公司", region="430181", user="sales@pump.cn")
    graph.write(lambda tx: tx.run("MATCH (c:Company {credit_code: $c}) SET c.contact_phone = "
                                  "'0731-1234567'", c=pump["credit_code"]).consume())
    service.save_capabilities(graph, model, pump["credit_code"], [{
        "products": "液压油缸", "processes": "精密加工、焊接", "certifications": ["ISO9001"],
        "categories": ["HYD-CYL"]}])
    need_id = service.save_need(graph, model, anchor["credit_code"], {
        "title": "挖掘机液压油缸", "description": "斗杆油缸", "spec": "缸径160mm，行程1200mm",
        "delivery_region": "长沙县", "deadline": "2027-03-31", "category": "HYD-CYL",
        "annual_volume": 2000, "certs_required": ["ISO9001"]})
    accounts.create_user(graph, "office@c.cn", "办公室", "organizer", "correct-horse-1")

    login(client, "sales@pump.cn")
    listed = client.get("/suppliers/needs").get_data(as_text=True)
    assert f'href="/needs/{need_id}"' in listed
    page = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "缸径160mm，行程1200mm" in page and "长沙县" in page and "2027-03-31" in page
    assert "ISO9001" in page and "推荐配套企业" not in page   # no ranking for suppliers
    assert client.get(f"/companies/{anchor['credit_code']}").status_code == 200

    login(client, "buyer@x.cn")
    ranked = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert f'href="/companies/{pump["credit_code"]}"' in ranked
    profile = client.get(f"/companies/{pump['credit_code']}").get_data(as_text=True)
    assert "液压油缸" in profile and "精密加工" in profile and "浏阳" in profile
    assert "0731-1234567" not in profile and "审核记录" not in profile

    login(client, "office@c.cn")
    client.post(f"/companies/{pump['credit_code']}/status", data={
        "status": "rejected", "reason": "资料不全",
        "csrf_token": csrf_token(client, "/companies")})
    office = client.get(f"/companies/{pump['credit_code']}").get_data(as_text=True)
    assert "0731-1234567" in office and "审核记录" in office and "资料不全" in office
    assert f'href="/companies/{pump["credit_code"]}"' in client.get(
        "/companies?q=浏阳").get_data(as_text=True)


def test_need_form_takes_required_certifications(app, graph, make_company, client):
    from graph import catalog
    make_company("星联重工", role="anchor", clusters=["CM"], user="buyer@x.cn")
    login(client, "buyer@x.cn")
    form = client.get("/needs/new").get_data(as_text=True)
    assert 'name="certs_required"' in form
    response = client.post("/needs/new", data={
        "title": "变速箱壳体压铸", "category": "CAST-DIE", "description": "铝合金压铸",
        "certs_required": "IATF16949、ISO14001", "status": "open",
        "csrf_token": csrf_token(client, "/needs/new")})
    assert response.status_code == 302
    need_id = response.headers["Location"].rsplit("/", 1)[-1]
    need = graph.read(catalog.get_need, need_id)
    assert {"IATF16949", "ISO14001"} <= set(need["certs_required"])
    edit = client.get(f"/needs/{need_id}/edit").get_data(as_text=True)
    assert "IATF16949" in edit
