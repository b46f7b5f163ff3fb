"""Reference data as data: park names matched as people write them, unknown parks proposed to
the office, and the office's pages that add, rename, alias, merge and retire (real graph)."""
import re

import pytest

from conftest import csrf_token, login
from graph import audit, catalog, companies, ledger as ledger_store, reference
from matchmaker import credit_code, tables
from matchmaker.auth import accounts
from matchmaker.imports import purchases as ledger
from matchmaker.matching import service
from matchmaker.reference import edits
from matchmaker.reference.parks import ParkMatch, ParkMatcher, normalize, propose_park

PARKS = [
    {"code": "YHEDZ", "name": "雨花经济开发区", "aliases": [], "status": "active"},
    {"code": "LYETDZ", "name": "浏阳经济技术开发区", "aliases": [], "status": "active"},
    {"code": "CSHTZ", "name": "长沙高新技术产业开发区", "aliases": ["麓谷高新区"],
     "status": "active"},
    {"code": "TXEDZ", "name": "天心经济开发区", "aliases": [], "status": "retired"},
    {"code": "OLDP", "name": "暮云工业园", "aliases": ["暮云园"], "status": "merged",
     "merged_into": "YHEDZ"},
]


@pytest.mark.parametrize("text,expected", [
    ("雨花经济开发区", ParkMatch("YHEDZ", "雨花经济开发区", "exact")),
    ("yhedz", ParkMatch("YHEDZ", "雨花经济开发区", "exact")),
    ("麓谷高新区", ParkMatch("CSHTZ", "长沙高新技术产业开发区", "alias")),
    ("雨花经开区", ParkMatch("YHEDZ", "雨花经济开发区", "fuzzy")),
    ("浏阳经开区", ParkMatch("LYETDZ", "浏阳经济技术开发区", "fuzzy")),
    ("浏阳市经济开发区", ParkMatch("LYETDZ", "浏阳经济技术开发区", "fuzzy")),
    ("长沙高新区", ParkMatch("CSHTZ", "长沙高新技术产业开发区", "fuzzy")),
    ("国家级长沙高新技术开发区（麓谷）", ParkMatch("CSHTZ", "长沙高新技术产业开发区", "fuzzy")),
    ("暮云园", ParkMatch("YHEDZ", "雨花经济开发区", "alias")),          # merged: the survivor
    ("暮云工业园区", ParkMatch("YHEDZ", "雨花经济开发区", "fuzzy")),
    ("天心经济开发区", None), ("天心经开区", None),                     # retired
    ("宁乡高新区", None), ("", None),                                   # unknown, empty
])
def test_park_names_match_as_people_write_them(text, expected):
    assert ParkMatcher(PARKS).match(text) == expected


def test_a_spelling_two_parks_share_matches_neither():
    parks = [{"code": "A", "name": "星城经济开发区", "aliases": []},
             {"code": "B", "name": "星城经济技术开发区", "aliases": []}]
    assert ParkMatcher(parks).match("星城经开区") is None
    assert ParkMatcher(parks).match("星城经济开发区").code == "A"


def test_normalized_park_names():
    assert normalize("雨花经济开发区") == normalize("雨花经开区") == "雨花经开区"
    assert normalize("长沙高新技术产业开发区") == normalize("长沙高新区") == "长沙高新区"
    assert normalize("望城工业园区") == normalize("望城 工业园") == "望城工业园"


# ----------------------------------------------------------------------------- graph

def _company(graph, name, n, region="430111", park=None, role="supplier", clusters=()):
    row = accounts.company_row({"credit_code": credit_code.make(region, n), "name": name,
                                "role": role, "region": region, "park": park,
                                "clusters": list(clusters)}, "approved", "430100")
    graph.write(companies.upsert_companies, [row])
    return row["credit_code"]


def _park_of(graph, code):
    return graph.read(companies.get_company, code)["park"]


def test_unknown_parks_are_proposed_once_and_confirmed_or_mapped(graph):
    a, b, c = (_company(graph, f"企业{i}", i) for i in (1, 2, 3))
    propose_park(graph, "雨花智造产业园", "430111", "import", a)
    propose_park(graph, "雨花智造产业园区", None, "import", b)  # the same name, normalized
    propose_park(graph, "雨花智造产业园", "430111", "import", a)
    propose_park(graph, "洞井工业园", "430111", "import", c)
    open_ = {p["key"]: p for p in graph.read(reference.park_proposals)}
    assert set(open_) == {"雨花智造产业园", "洞井工业园"}
    assert open_["雨花智造产业园"]["companies"] == [a, b]
    assert open_["雨花智造产业园"]["region_name"] == "雨花区"

    assert edits.confirm_proposal(graph, "雨花智造产业园", {"code": "yhzz"},
                                  "office@test") == "YHZZ"
    assert _park_of(graph, a) == _park_of(graph, b) == "YHZZ"
    new = graph.read(reference.get_item, "park", "YHZZ")
    assert (new["name"], new["region"]) == ("雨花智造产业园", "430111")

    edits.map_proposal(graph, "洞井工业园", "YHEDZ", "office@test")
    assert _park_of(graph, c) == "YHEDZ"
    parks = ParkMatcher(graph.read(reference.list_parks))
    assert parks.match("洞井工业园") == ParkMatch("YHEDZ", "雨花经济开发区", "alias")
    assert parks.match("雨花智造产业园区").code == "YHZZ"
    assert graph.read(reference.park_proposals) == []
    actions = {e["action"] for e in graph.read(audit.events, "park-proposal:")}
    assert actions == {"park.propose", "park.proposal_confirmed", "park.proposal_mapped"}


def test_merging_categories_moves_needs_capabilities_and_purchases(app, graph):
    anchor = _company(graph, "主机", 1, role="anchor", clusters=["CM"])
    supplier = _company(graph, "配套", 2)
    model = app.config["EMBEDDING_MODEL"]
    need = service.save_need(graph, model, anchor, {"title": "O型圈", "category": "HYD-SEAL"})
    service.save_capabilities(graph, model, supplier, [{"id": "cap1", "products": "O型圈",
                                                        "categories": ["HYD-SEAL"]}])
    ledger.import_purchases(graph, tables.read(
        f"anchor_credit_code,supplier_credit_code,invoice_no,date,amount_yuan,category\n"
        f"{anchor},{supplier},F1,2025-01-02,1000,HYD-SEAL\n".encode(), "p.csv",
        ledger.PURCHASE_COLUMNS), "test")

    assert edits.merge(graph, "category", "HYD-SEAL", "PLAS-RUB", "office@test") >= 3
    assert graph.read(catalog.get_need, need)["category"] == "PLAS-RUB"
    assert graph.read(catalog.capabilities_of, supplier)[0]["categories"] == ["PLAS-RUB"]
    assert [p["category"] for p in graph.read(ledger_store.purchases_of, anchor, 2025)] == [
        "PLAS-RUB"]
    merged = graph.read(reference.get_item, "category", "HYD-SEAL")
    assert (merged["status"], merged["merged_into"]) == ("merged", "PLAS-RUB")
    assert {"HYD-SEAL", "密封件"} <= set(graph.read(reference.get_item, "category",
                                                     "PLAS-RUB")["aliases"])
    with pytest.raises(edits.ValidationError, match="同一层级"):
        edits.merge(graph, "category", "HYD", "PLAS-INJ", "office@test")


# ----------------------------------------------------------------------------- pages

@pytest.fixture
def office(client, graph):
    accounts.create_user(graph, "office@test.cn", "办公室", "organizer", "correct-horse-1")
    login(client, "office@test.cn")
    return client


def _post(client, path, **data):
    response = client.post(path, data={"csrf_token": csrf_token(client, "/reference/park"),
                                       **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_office_adds_renames_aliases_and_merges_parks(office, graph):
    page = _post(office, "/reference/park", code="dtip", name="洞井工业园",
                 region="长沙市雨花区", aliases="洞井园")
    assert "已添加 DTIP" in page
    # The import's park list sees it at once (the process's kept list was dropped).
    assert "DTIP" in {p["code"] for p in graph.read_once(reference.list_parks)}
    page = _post(office, "/reference/park/DTIP/rename", name="洞井智能制造产业园")
    assert "原名称作为别名保留" in page
    _post(office, "/reference/park/DTIP/aliases", aliases="洞井园、洞井智造园")
    park = graph.read(reference.get_item, "park", "DTIP")
    assert (park["name"], park["aliases"]) == ("洞井智能制造产业园", ["洞井园", "洞井智造园"])
    refused = _post(office, "/reference/park", code="DT2", name="洞井园", region="430111")
    assert "已是园区“洞井智能制造产业园”（DTIP）的名称或别名" in refused

    in_old = [_company(graph, f"天心企业{i}", i, "430103", "TXEDZ") for i in (1, 2)]
    in_new = _company(graph, "雨花企业", 3, "430111", "YHEDZ")
    page = _post(office, "/reference/park/TXEDZ/merge", into="YHEDZ")
    assert "已合并到 YHEDZ，转移了 2 条关联记录" in page
    assert {_park_of(graph, c) for c in in_old + [in_new]} == {"YHEDZ"}
    assert "TXEDZ" not in {p["code"] for p in graph.read_once(reference.list_parks)}
    parks = ParkMatcher(graph.read(reference.list_parks, True))
    assert parks.match("天心经开区") == ParkMatch("YHEDZ", "雨花经济开发区", "fuzzy")
    assert parks.match("TXEDZ").how == "alias"
    listing = office.get("/reference/park").get_data(as_text=True)
    assert re.search(r"TXEDZ.*已合并.*→ YHEDZ", listing, re.S)
    history = office.get("/reference/park/DTIP").get_data(as_text=True)
    assert "park.add" in history and "park.rename" in history and "park.alias" in history


def test_retired_category_leaves_choices_but_needs_keep_it(app, office, graph, client):
    anchor = _company(graph, "主机", 1, role="anchor", clusters=["CM"])
    need = service.save_need(graph, app.config["EMBEDDING_MODEL"], anchor,
                             {"title": "O型圈", "category": "HYD-SEAL"})
    assert "已停用" in _post(office, "/reference/category/HYD-SEAL/retire")
    assert "HYD-SEAL" not in {c["code"] for c in graph.read_once(reference.list_categories)}
    assert graph.read(catalog.get_need, need)["category"] == "HYD-SEAL"
    refused = _post(office, "/reference/category/HYD/retire")
    assert "请先停用或合并该品类下的子类" in refused
    assert "已恢复使用" in _post(office, "/reference/category/HYD-SEAL/restore")
    assert "HYD-SEAL" in {c["code"] for c in graph.read_once(reference.list_categories)}


def test_office_confirms_a_proposed_park_on_its_page(office, graph):
    company = _company(graph, "暮云企业", 1)
    propose_park(graph, "暮云工业园", "430111", "import", company)
    page = office.get("/reference/park").get_data(as_text=True)
    assert "暮云工业园" in page and "暮云企业" in page
    page = _post(office, "/reference/proposals", key="暮云工业园", action="confirm",
                 code="MYIP", name="暮云经济开发区")
    assert "已新建园区 MYIP" in page and "没有待确认的园区名称" in page
    assert _park_of(graph, company) == "MYIP"
    assert graph.read(reference.get_item, "park", "MYIP")["aliases"] == ["暮云工业园"]


@pytest.mark.parametrize("role", ["anchor", "supplier"])
def test_only_the_office_edits_reference_data(client, graph, make_company, role):
    make_company("某企业", role=role, clusters=["CM"] if role == "anchor" else (),
                 user="user@test.cn")
    login(client, "user@test.cn")
    assert client.get("/reference/park").status_code == 403
    assert client.get("/reference/park/YHEDZ").status_code == 403
    token = csrf_token(client, "/needs/" if role == "anchor" else "/suppliers/profile")
    assert client.post("/reference/park/YHEDZ/retire",
                       data={"csrf_token": token}).status_code == 403
    assert graph.read(reference.get_item, "park", "YHEDZ")["status"] == "active"


def test_cli_imports_merges_and_retires(app, graph, tmp_path):
    runner = app.test_cli_runner()
    (tmp_path / "parks.csv").write_text(
        "code,name,region,aliases\nYHEDZ,雨花经济开发区,430111,\n"
        "DTIP,洞井工业园,长沙市雨花区,洞井园|洞井智造园\n", encoding="utf-8")
    result = runner.invoke(args=["reference", "import", "park", str(tmp_path / "parks.csv")])
    assert result.exit_code == 0 and result.output == "added DTIP 洞井工业园\n", result.output
    assert graph.read(reference.get_item, "park", "DTIP")["aliases"] == ["洞井园", "洞井智造园"]
    company = _company(graph, "洞井企业", 1, park="DTIP")
    result = runner.invoke(args=["reference", "merge", "park", "dtip", "YHEDZ"])
    assert result.exit_code == 0 and "moved 1 records" in result.output, result.output
    assert _park_of(graph, company) == "YHEDZ"
    refused = runner.invoke(args=["reference", "retire", "park", "DTIP"])
    assert refused.exit_code == 1 and "已停用" in refused.output
    assert runner.invoke(args=["reference", "retire", "cluster", "EI"]).exit_code == 0
    assert "EI" not in {c["code"] for c in graph.read_once(reference.list_clusters)}
    assert {e["actor"] for e in graph.read(audit.events, "park:DTIP")} == {"cli"}
