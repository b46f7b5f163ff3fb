"""Needs after matching: draft → publish (best-fitting suppliers are notified), edit, close;
shortlist/engaged marks; supplier interest (anchor notified)."""
import pytest
from conftest import csrf_token, login

from matchmaker.matching import service


@pytest.fixture
def market(app, graph, make_company):
    model = app.config["EMBEDDING_MODEL"]
    hyd = make_company("湘液液压有限公司", region="430181", user="hyd@a.cn")
    cast = make_company("麓谷压铸有限公司", region="430104", user="cast@a.cn")
    for company, text in [(hyd, "工程机械液压油缸、伸缩油缸，缸筒珩磨、活塞杆镀铬"),
                          (cast, "铝合金压铸件，新能源电机壳体、变速箱壳体")]:
        service.save_capabilities(graph, model, company["credit_code"],
                                  [{"products": text, "certifications": ["ISO9001"]}])
    anchor = make_company("星联重工", role="anchor", clusters=["CM"], user="anchor@a.cn")
    make_company("湘江汽车", role="anchor", clusters=["AU"], user="other@a.cn")
    return {"hyd": hyd, "cast": cast, "anchor": anchor}


def _post(client, path, data, page):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def _new_need(client, status):
    login(client, "anchor@a.cn")
    response = _post(client, "/needs/new", {"title": "采购挖掘机液压油缸", "status": status,
                                            "description": "缸径160mm，年需求2000件"}, "/needs/new")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_publishing_a_draft_notifies_the_fitting_supplier_once(app, client, market):
    need_id = _new_need(client, "draft")
    supplier = app.test_client()
    login(supplier, "hyd@a.cn")
    assert "badge" not in supplier.get("/").get_data(as_text=True)
    _post(client, f"/needs/{need_id}/status", {"status": "open"}, f"/needs/{need_id}")
    home = supplier.get("/").get_data(as_text=True)
    assert 'class="badge">1<' in home
    inbox = supplier.get("/notifications").get_data(as_text=True)
    assert "新的采购需求与贵企业能力匹配：采购挖掘机液压油缸" in inbox
    assert 'class="badge">1<' not in inbox  # the page that marks them read shows none left
    assert 'class="badge">1<' not in supplier.get("/").get_data(as_text=True)  # read now
    caster = app.test_client()
    login(caster, "cast@a.cn")
    assert "采购挖掘机液压油缸" not in caster.get("/notifications").get_data(as_text=True)
    # closing and editing stay with the owner
    _post(client, f"/needs/{need_id}/edit", {"title": "液压油缸（修订）", "status": "open"},
          f"/needs/{need_id}/edit")
    assert "液压油缸（修订）" in client.get(f"/needs/{need_id}").get_data(as_text=True)
    other = app.test_client()
    login(other, "other@a.cn")
    assert other.get(f"/needs/{need_id}/edit").status_code == 404
    assert _post(other, f"/needs/{need_id}/status", {"status": "closed"},
                 "/needs/").status_code == 404
    _post(client, f"/needs/{need_id}/status", {"status": "closed"}, f"/needs/{need_id}")
    assert "已关闭" in client.get("/needs/").get_data(as_text=True)


def test_interest_reaches_the_anchor_and_marks_follow_up(app, client, market):
    need_id = _new_need(client, "open")
    supplier = app.test_client()
    login(supplier, "hyd@a.cn")
    page = supplier.get("/suppliers/needs").get_data(as_text=True)
    assert f"/suppliers/needs/{need_id}/interest" in page
    _post(supplier, f"/suppliers/needs/{need_id}/interest", {"message": "希望下周约谈"},
          "/suppliers/needs")
    assert "已表达意向" in supplier.get("/suppliers/needs").get_data(as_text=True)
    assert "湘液液压有限公司 对贵企业的采购需求表达了意向" in \
        client.get("/notifications").get_data(as_text=True)
    assert "希望下周约谈" in client.get(f"/needs/{need_id}").get_data(as_text=True)
    hyd = market["hyd"]["credit_code"]
    _post(client, f"/needs/{need_id}/marks/{hyd}", {"status": "shortlisted"}, f"/needs/{need_id}")
    _post(client, f"/needs/{need_id}/marks/{hyd}", {"status": "engaged"}, f"/needs/{need_id}")
    html = client.get(f"/needs/{need_id}").get_data(as_text=True)
    assert "取消标记" in html and html.count("已对接") >= 2
    other = app.test_client()
    login(other, "other@a.cn")
    assert _post(other, f"/needs/{need_id}/marks/{hyd}", {"status": "engaged"},
                 "/needs/").status_code == 404
    bad = _post(client, f"/needs/{need_id}/marks/{hyd}", {"status": "owner"}, f"/needs/{need_id}")
    assert bad.status_code == 400
