"""`matchmaker backup` and `matchmaker restore`: a backup taken while the server serves, restored
into a fresh data dir, holds the same companies, purchases, approved awards and audit trail, and
its vector indexes answer."""
from __future__ import annotations

import stat

import pytest
from click.testing import CliRunner

from conftest import MODEL
from graph import awards as award_store, catalog, search_index, server
from ledger_data import COMPANIES, EXAMPLES, purchases_csv
from matchmaker import policy as policy_module, tables
from matchmaker.cli import backup_command, restore_command
from matchmaker.imports import companies as company_imports
from matchmaker.imports import purchases as ledger
from matchmaker.incentives import rates as rate_figures
from matchmaker.incentives import service as awards

pytestmark = pytest.mark.slow

KEYS = {"Company": "credit_code", "Purchase": "key", "AuditEvent": "id"}


def contents(graph) -> dict:
    """What a restore must bring back, every property compared."""
    def work(tx):
        return {label: tx.run(f"MATCH (n:{label}) RETURN properties(n) ORDER BY n.{key}").value()
                for label, key in KEYS.items()}
    return graph.read(work) | {"approved": graph.read(award_store.awards, status="approved")}


def nearest_capability(graph, vector: list[float]) -> list[str]:
    index = search_index.vector_index_name(graph, "Capability", "emb")
    return graph.read(lambda tx: tx.run(
        "CALL db.index.vector.queryNodes($index, 1, $vector) YIELD node RETURN node.id",
        index=index, vector=vector).value())


@pytest.fixture
def city(app, graph, make_company):
    """The policy's worked example with an approved award, plus a supplier capability with
    embeddings (synthetic: only the index matters here)."""
    policy = policy_module.load(app.config["POLICY_FILE"])
    company_imports.import_companies(
        graph, tables.read(COMPANIES.encode(), "c.csv", company_imports.COMPANY_COLUMNS),
        policy, "clerk@test")
    ledger.import_purchases(graph, tables.read(purchases_csv(EXAMPLES), "p.csv",
                                               ledger.PURCHASE_COLUMNS), "clerk@test")
    report = awards.compute(graph, policy, 2024, "office@test")
    park = next(p for p in report["parks"] if p["park"] == "JXETDZ")
    awards.decide(graph, park["award_key"], "approve", "符合条件", "office@test")
    supplier = make_company("备份液压", clusters=["CM"])
    vector = [1.0] + [0.0] * 383
    graph.write(catalog.upsert_capabilities, [{
        "company": supplier["credit_code"], "id": "cap-backup", "products": ["液压缸"],
        "processes": [], "materials": [], "equipment": [], "certifications": [],
        "capacity_per_year": None, "text": "液压缸", "text_bridged": "液压缸 hydraulic cylinder",
        "emb": vector, "emb_x": [0.0, 1.0] + [0.0] * 510, "categories": []}])
    return policy, vector


def test_backup_while_serving_restores_into_fresh_data_dir(graph, city, tmp_path):
    policy, vector = city
    before = contents(graph)
    assert before["approved"] and len(before["Purchase"]) == len(EXAMPLES)
    assert {e["action"] for e in before["AuditEvent"]} >= {"award.original", "award.approve"}
    rates_before = rate_figures.report(graph, policy, 2025)

    runner = CliRunner()
    archive = tmp_path / "city.zip"
    made = runner.invoke(backup_command, ["--output", str(archive)], env={
        "MATCHMAKER_DATA_DIR": str(graph.settings.data_dir), "NEO4J_DATABASE": graph.database,
        "NEO4J_URI": None})
    assert made.exit_code == 0, made.output
    assert str(archive) in made.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert not any(server.backups_dir(graph.settings.data_dir, graph.database).iterdir())

    fresh = tmp_path / "fresh"
    env = {"MATCHMAKER_DATA_DIR": str(fresh), "NEO4J_DATABASE": None, "NEO4J_URI": None}
    from matchmaker import create_app
    try:
        restored = runner.invoke(restore_command, [str(archive)], env=env)
        assert restored.exit_code == 0, restored.output
        app = create_app({"DATA_DIR": fresh, "TESTING": True, "EMBEDDING_MODEL": MODEL,
                          "SECRET_KEY": "test-secret"})  # migrates the restored schema
        copy = app.extensions["graph"]
        try:
            assert contents(copy) == before
            assert rate_figures.report(copy, policy, 2025) == rates_before
            assert nearest_capability(copy, vector) == ["cap-backup"]

            # A database that holds data is replaced only on request, and backed up first.
            refused = runner.invoke(restore_command, [str(archive)], env=env)
            assert refused.exit_code == 1 and "--force" in refused.output
            forced = runner.invoke(restore_command, ["--force", str(archive)], env=env)
            assert forced.exit_code == 0, forced.output
            assert len(list((fresh / "backups").iterdir())) == 1
            assert contents(copy) == before  # the open driver carries on with the restored one
        finally:
            copy.close()
    finally:
        server.stop(fresh)


def test_refuses_what_it_cannot_restore_and_neo4j(tmp_path):
    runner = CliRunner()
    not_a_backup = tmp_path / "notes.zip"
    not_a_backup.write_text("hello")
    env = {"MATCHMAKER_DATA_DIR": str(tmp_path), "NEO4J_URI": None}
    refused = runner.invoke(restore_command, [str(not_a_backup)], env=env)
    assert refused.exit_code == 1 and "not an archive" in refused.output
    neo4j = runner.invoke(backup_command, [], env={**env, "NEO4J_URI": "bolt://db.example:7687"})
    assert neo4j.exit_code == 1 and "neo4j-admin database dump" in neo4j.output
    assert server.status(tmp_path) is None  # neither started the embedded server
