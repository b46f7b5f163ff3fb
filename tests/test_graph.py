"""Foundation on the real embedded graph server: schema, constraints, restart, health."""
import pytest
from neo4j.exceptions import ClientError, ConstraintError

from graph import companies, schema, server
from graph.db import Graph, Settings
from matchmaker.auth import accounts
from matchmaker.errors import Conflict
from conftest import login


def test_schema_migration_is_idempotent(graph):
    before = schema.describe(graph)
    schema.migrate(graph)
    schema.migrate(graph)
    assert schema.describe(graph) == before
    assert "company_credit_code_unique" in before["constraints"]


def test_unique_constraint_enforced(graph, make_company):
    row = make_company("甲公司")
    with pytest.raises(ConstraintError):
        graph.write(companies.create_company, row)


def test_duplicate_registration_is_a_clear_conflict(graph, make_company):
    row = make_company("甲公司")
    with pytest.raises(Conflict) as e:
        accounts.register_company(graph, {"credit_code": row["credit_code"], "name": "乙",
                                          "region": "岳麓区"},
                                  {"email": "x@y.cn", "password": "long-enough-1"}, "430100")
    assert e.value.field == "credit_code"


def test_healthz_names_graph_server_to_the_office_only(client, graph):
    assert client.get("/healthz").get_json() == {"status": "ok"}  # anonymous: up or down only
    accounts.create_user(graph, "office@x.cn", "办公室", "organizer", "correct-horse-1")
    login(client, "office@x.cn")
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"
    assert "ArcadeDB" in body["graph"]["agent"] and body["graph"]["backend"] == "arcadedb"


def test_committed_data_survives_server_restart(tmp_path):
    g = Graph(Settings(uri=None, user="", password="", database="restart", data_dir=tmp_path))
    g.write(lambda tx: tx.run("CREATE (:Probe {v: 42})").consume())
    g.close()
    assert server.stop(tmp_path)
    assert server.status(tmp_path) is None
    g = Graph(Settings(uri=None, user="", password="", database="restart", data_dir=tmp_path))
    try:
        assert g.read(lambda tx: tx.run("MATCH (p:Probe) RETURN p.v AS v").single()["v"]) == 42
    finally:
        g.close()
        server.stop(tmp_path)


def test_failed_transaction_rolls_back_whole(graph, make_company):
    row = make_company("甲公司")

    def work(tx):
        tx.run("CREATE (:Probe {v: 1})").consume()
        companies.create_company(tx, row)  # violates the unique constraint

    with pytest.raises(ConstraintError):
        graph.write(work)
    assert graph.read(lambda tx: tx.run("MATCH (p:Probe) RETURN count(p) AS n").single()["n"]) == 0


def test_parallel_reads_keep_order_and_raise(graph):
    def value(i):
        return lambda tx: tx.run("RETURN $i AS i", i=i).single()["i"]
    assert graph.read_parallel([value(i) for i in range(6)]) == list(range(6))
    with pytest.raises(ClientError):
        graph.read_parallel([value(1), lambda tx: tx.run("RETURN nothing_here").consume()])


def test_reference_lists_are_kept_until_their_version_moves(graph):
    from graph import reference
    from matchmaker.reference import edits
    graph.begin_request()  # as each web request begins
    parks = graph.read_once(reference.list_parks)
    assert parks and graph.read_once(reference.list_parks) is parks
    graph.begin_request()
    assert graph.read_once(reference.list_parks) is parks  # same version: still kept
    # Another process's edit: this one learns of it from the version, at its next request.
    other = Graph(graph.settings)
    try:
        edits.rename(other, "park", parks[0]["code"], {"name": "改名园区"}, "office@test")
    finally:
        other.close()
    assert graph.read_once(reference.list_parks) is parks
    graph.begin_request()
    assert graph.read_once(reference.list_parks)[0]["name"] == "改名园区"
    assert graph.read_once(reference.list_regions, "no-such-region") == []
    assert ("no-such-region",) not in {args for _, args in graph._kept}  # empty: not kept
