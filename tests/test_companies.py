"""The company directory: duplicate review rules (pure) and the office's approval of a
registration, which the company reads in its inbox."""
from conftest import csrf_token, login

from matchmaker.auth import accounts
from matchmaker.companies import dedupe


def test_legal_form_and_city_prefix_do_not_hide_a_duplicate():
    assert dedupe.normalize_name("湖南长沙湘液液压有限公司") == "湘液液压"
    assert dedupe.looks_same({"name": "湘液液压有限公司"}, {"name": "长沙市湘液液压有限责任公司"})


def test_similar_names_need_similar_addresses():
    a = {"name": "星沙精密机械有限公司", "address": "长沙县星沙街道开元路18号"}
    b = {"name": "星沙精密机械制造有限公司", "address": "长沙县星沙街道开元路18号厂房2栋"}
    c = {"name": "星沙精密机械制造有限公司", "address": "岳麓区麓谷大道100号"}
    assert dedupe.looks_same(a, b)
    assert not dedupe.looks_same(a, c)
    assert not dedupe.looks_same({"name": "有限公司"}, {"name": "公司"})


def test_index_finds_only_other_codes():
    index = dedupe.Index([{"credit_code": "A", "name": "湘液液压有限公司", "address": ""},
                          {"credit_code": "B", "name": "麓谷压铸有限公司", "address": ""}])
    assert [c["credit_code"] for c in index.similar(
        {"credit_code": "C", "name": "湘液液压（长沙）有限公司", "address": ""})] == []
    assert [c["credit_code"] for c in index.similar(
        {"credit_code": "C", "name": "长沙湘液液压有限公司", "address": ""})] == ["A"]
    assert index.similar({"credit_code": "A", "name": "湘液液压有限公司", "address": ""}) == []


def test_approval_is_announced_to_the_company(app, client, graph, make_company):
    accounts.create_user(graph, "office@a.cn", "办公室", "organizer", "correct-horse-1")
    firm = make_company("新注册配套厂", status="pending", user="new@a.cn")
    login(client, "office@a.cn")
    client.post(f"/companies/{firm['credit_code']}/status",
                data={"status": "approved", "csrf_token": csrf_token(client, "/companies")})
    company = app.test_client()
    login(company, "new@a.cn")
    assert "贵企业已通过产业链办公室审核" in company.get("/notifications").get_data(as_text=True)
