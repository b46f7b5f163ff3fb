"""The graph layer on the real embedded server: schema, constraints, restart, health, and its
trickiest queries called directly."""
import time

import pytest
from neo4j.exceptions import ClientError, ConstraintError

from graph import catalog, companies, schema, server
from graph import imports as job_store
from graph import ledger as ledger_store
from graph.db import Graph, Settings
from matchmaker.auth import accounts
from matchmaker.errors import Conflict
from matchmaker.matching.service import need_row
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


@pytest.mark.slow
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


# ------------------------------------------------- the trickiest queries, called directly

def _purchase(anchor, supplier, invoice, year, fen):
    return {"key": f"{anchor}|{supplier}|{invoice}", "anchor": anchor, "supplier": supplier,
            "invoice_no": invoice, "date": f"{year}-03-01", "year": year, "amount_fen": fen,
            "category": None, "category_text": ""}


def test_local_purchases_follow_the_region_hierarchy_and_approval(graph, make_company):
    """What every rate and award rests on: a purchase is local when its supplier is approved and
    registered anywhere inside the policy region (a district, a county-level city); the total
    counts every purchase, credit notes lower both."""
    anchor, other = (make_company(name, role="anchor", clusters=["CM"])["credit_code"]
                     for name in ("星联重工", "楚天起重"))
    district, county_city, outside, pending = (
        make_company(name, region=region, status=status)["credit_code"]
        for name, region, status in (("岳麓配套", "430104", "approved"),
                                     ("浏阳配套", "430181", "approved"),
                                     ("株洲配套", "430211", "approved"),
                                     ("待审配套", "430104", "pending")))
    graph.write(ledger_store.create_purchases, [
        _purchase(anchor, district, "A1", 2025, 100_00),
        _purchase(anchor, district, "A2", 2025, -30_00),  # a credit note
        _purchase(anchor, county_city, "A3", 2025, 50_00),
        _purchase(anchor, outside, "A4", 2025, 200_00),
        _purchase(anchor, pending, "A5", 2025, 7_00),
        _purchase(anchor, district, "A6", 2024, 10_00),
        _purchase(other, outside, "B1", 2025, 1_00)], 0, "test")
    totals = graph.read(ledger_store.anchor_year_totals, [2024, 2025], "430100")
    assert totals[(anchor, 2025)] == {"total_fen": 327_00, "local_fen": 120_00, "rows": 5}
    assert totals[(anchor, 2024)] == {"total_fen": 10_00, "local_fen": 10_00, "rows": 1}
    assert totals[(other, 2025)] == {"total_fen": 1_00, "local_fen": 0, "rows": 1}
    assert graph.read(ledger_store.anchor_year_totals, [2025], "430100", other) == {
        (other, 2025): {"total_fen": 1_00, "local_fen": 0, "rows": 1}}
    assert graph.read(ledger_store.anchor_year_totals, [2025], "430200")[(anchor, 2025)][
        "local_fen"] == 200_00  # another city's policy region: 株洲 is local there


def _per_pair_and_year(graph, query: str) -> dict:
    """{(anchor, supplier, year): (amount_fen, rows)} of a query returning a, s, y, f, n."""
    return {(r["a"], r["s"], r["y"]): (r["f"], r["n"])
            for r in graph.read(lambda tx: tx.run(query).data())}


def _totals(graph) -> dict:
    """As the yearly totals hold them."""
    return _per_pair_and_year(graph, "MATCH (t:PurchaseTotal) RETURN t.anchor AS a, "
                                     "t.supplier AS s, t.year AS y, t.amount_fen AS f, t.rows AS n")


def _summed(graph) -> dict:
    """The same summed from the purchases themselves."""
    return _per_pair_and_year(graph, "MATCH (p:Purchase) RETURN p.anchor AS a, p.supplier AS s, "
                                     "p.year AS y, sum(p.amount_fen) AS f, count(p) AS n")


def test_yearly_totals_are_never_behind_the_purchases(graph, make_company):
    """Rates and awards read yearly totals: a write marks its anchor stale and reads sum that
    anchor's purchases until the totals are rebuilt, so the figures are the same either way,
    through new rows, credit notes, corrections of amount and of year; a second rebuild finds
    the anchor fresh; a ledger stored before totals were kept is marked at start-up."""
    anchor = make_company("星联重工", role="anchor", clusters=["CM"])["credit_code"]
    local, outside = (make_company(name, region=region)["credit_code"]
                      for name, region in (("岳麓配套", "430104"), ("株洲配套", "430211")))
    graph.write(ledger_store.create_purchases, [
        _purchase(anchor, local, "A1", 2025, 100_00), _purchase(anchor, local, "A2", 2025, 40_00),
        _purchase(anchor, local, "A3", 2025, -30_00), _purchase(anchor, outside, "A4", 2024, 5_00)],
        0, "test")
    graph.write(ledger_store.correct_purchases, [
        _purchase(anchor, local, "A1", 2025, 90_00),      # a new amount
        _purchase(anchor, local, "A2", 2024, 40_00),      # a new date, in the year before
        _purchase(anchor, outside, "A4", 2025, 6_00)], 1)  # both
    expected = {(anchor, 2024): {"total_fen": 40_00, "local_fen": 40_00, "rows": 1},
                (anchor, 2025): {"total_fen": 66_00, "local_fen": 60_00, "rows": 3}}
    read = lambda: graph.read(ledger_store.anchor_year_totals, [2024, 2025], "430100")  # noqa: E731
    park = lambda: graph.read(ledger_store.park_output, [2025])  # noqa: E731
    assert anchor in graph.read(ledger_store.stale_anchors) and _totals(graph) == {}
    assert read() == expected
    parks = park()
    assert ledger_store.rebuild_stale_totals(graph) == 3
    assert graph.read(ledger_store.stale_anchors) == []
    assert _totals(graph) == _summed(graph) and read() == expected and park() == parks
    # a write marks the anchor again; a rebuild of a fresh anchor makes nothing
    graph.write(ledger_store.create_purchases, [_purchase(anchor, local, "A5", 2025, 3_00)],
                0, "test")
    assert anchor in graph.read(ledger_store.stale_anchors)
    assert read()[(anchor, 2025)]["total_fen"] == 69_00
    assert graph.write(ledger_store.rebuild_totals, anchor) == 3
    assert graph.write(ledger_store.rebuild_totals, anchor) == 0
    assert _totals(graph) == _summed(graph) and read()[(anchor, 2025)]["total_fen"] == 69_00
    # a ledger stored before totals were kept: marked at start-up, read from its purchases
    graph.write(lambda tx: tx.run("MATCH (t:PurchaseTotal) DELETE t").consume())
    schema.migrate(graph)
    assert anchor in graph.read(ledger_store.stale_anchors)
    assert read()[(anchor, 2025)]["total_fen"] == 69_00


def test_two_rebuilds_of_one_anchor_never_double_its_totals(graph, make_company):
    """The form, the API and the worker's tick may rebuild the same anchor at once: the second
    rebuild conflicts with the first on the anchor's mark (on Neo4j it waits for its lock), and
    is retried, instead of adding its own totals beside the first one's."""
    from neo4j.exceptions import TransientError
    anchor = make_company("星联重工", role="anchor", clusters=["CM"])["credit_code"]
    local = make_company("岳麓配套", region="430104")["credit_code"]
    graph.write(ledger_store.create_purchases, [_purchase(anchor, local, "A1", 2025, 100_00),
                                                _purchase(anchor, local, "A2", 2024, 50_00)],
                0, "test")
    with graph.driver.session(database=graph.database) as first, \
            graph.driver.session(database=graph.database) as second:
        tx1, tx2 = first.begin_transaction(), second.begin_transaction()
        assert ledger_store.rebuild_totals(tx1, anchor) == 2
        with pytest.raises(TransientError):
            ledger_store.rebuild_totals(tx2, anchor)
            tx1.commit()
            tx2.commit()
    ledger_store.rebuild_stale_totals(graph)  # what the retry does: finds it fresh or rebuilds
    assert _totals(graph) == _summed(graph)


def test_a_need_is_claimed_for_its_announcement_once_in_its_life(graph, make_company):
    anchor = make_company("星联重工", role="anchor", clusters=["CM"])["credit_code"]
    need = dict(need_row(anchor, {"title": "挖掘机液压油缸", "status": "draft"}),
                emb=None, emb_x=None)
    graph.write(catalog.upsert_need, need)

    def claim():
        return graph.write(catalog.claim_announcement, need["id"])
    assert claim() is None  # a draft is not announced
    graph.write(catalog.set_need_status, need["id"], "open")
    assert claim() == ["CM"]  # the one call that may announce: its anchor's clusters
    assert claim() is None
    graph.write(catalog.set_need_status, need["id"], "closed")
    graph.write(catalog.set_need_status, need["id"], "open")
    assert claim() is None  # reopening never announces again


def test_an_import_is_claimed_once_and_never_after_its_preview_expired(graph):
    job = {"id": "j1", "kind": "purchases", "actor": "clerk@a.cn", "company": None,
           "filename": "p.csv", "size": 10, "total": 1, "summary": "{}"}
    graph.write(job_store.create_job, job)
    graph.write(job_store.create_job, dict(job, id="j2"))
    assert graph.write(job_store.claim_job, "j1", 60_000)
    assert not graph.write(job_store.claim_job, "j1", 60_000)  # a second click, or worker
    time.sleep(0.01)
    assert graph.write(job_store.expire_jobs, 0) == ["j2"]  # a running import never expires
    assert not graph.write(job_store.claim_job, "j2", 60_000)
    assert [graph.read(job_store.get_job, j)["status"] for j in ("j1", "j2")] == [
        "running", "expired"]


def test_concurrent_imports_link_each_supplier_to_an_anchor_once(graph, make_company):
    """Two imports naming the same new supplier→anchor pairs at once: one SUPPLIED edge each
    (the anchor is locked before its pairs are looked for; a conflict is retried)."""
    import threading
    anchors = [make_company(f"主机{i}", role="anchor")["credit_code"] for i in range(2)]
    suppliers = [make_company(f"配套{i}")["credit_code"] for i in range(30)]
    pairs = [(a, s) for a in anchors for s in suppliers]
    failures = []

    def link(order):
        try:
            for start in range(0, len(order), 10):
                graph.write(ledger_store.link_suppliers, order[start:start + 10])
        except Exception as e:  # reported below
            failures.append(e)
    threads = [threading.Thread(target=link, args=(order,)) for order in (pairs, pairs[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert graph.read(lambda tx: tx.run(
        "MATCH (s:Company)-[r:SUPPLIED]->(a:Company) "
        "RETURN count(r) AS edges, count(DISTINCT [s, a]) AS pairs").single().data()) == {
        "edges": len(pairs), "pairs": len(pairs)}
