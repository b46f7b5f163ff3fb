"""The policy's worked examples A–J, end to end: CSV files through the importers into the real
graph, rates and awards computed there, proposals approved, corrections turned into
adjustments, and the `matchmaker rates|rewards --json` commands."""
from __future__ import annotations

import json

import pytest

from graph import audit as audit_store
from matchmaker import credit_code, policy as policy_module, tables
from matchmaker.cli import import_companies, import_purchases, rates, rewards_command
from matchmaker.errors import Conflict, ValidationError
from matchmaker.imports import companies as company_imports
from matchmaker.imports import purchases as ledger
from matchmaker.imports.rows import BATCH
from matchmaker.incentives import rates as rate_figures
from matchmaker.incentives import service as awards
from ledger_data import CODES, COMPANIES, EXAMPLES, M, purchases_csv

@pytest.fixture
def policy(app):
    return policy_module.load(app.config["POLICY_FILE"])


@pytest.fixture
def ledger_data(graph, policy):
    company_imports.import_companies(
        graph, tables.read(COMPANIES.encode(), "c.csv", company_imports.COMPANY_COLUMNS),
        policy, "test")
    report = ledger.import_purchases(graph, tables.read(purchases_csv(EXAMPLES), "p.csv",
                                                        ledger.PURCHASE_COLUMNS), "test")
    assert report.created == len(EXAMPLES)
    return report


def by_anchor(report, name):
    return next(r for r in report["anchors"] if r["anchor"] == CODES[name])


def by_park(report, code):
    return next(r for r in report["parks"] if r["park"] == code)


def test_worked_examples_a_to_j(graph, policy, ledger_data):
    # I needs the 2024 park award first: compute 2024, approve it, then compute 2025.
    r2024 = awards.compute(graph, policy, 2024, "office@test")
    assert by_park(r2024, "JXETDZ")["award_fen"] == 500_000 * 100
    awards.decide(graph, by_park(r2024, "JXETDZ")["award_key"], "approve", "", "office@test")

    report = awards.compute(graph, policy, 2025, "office@test")
    a = by_anchor(report, "A")
    assert (a["prev_local_fen"], a["local_fen"], a["delta_fen"]) == (120 * M, 158_500_000 * 100,
                                                                     38_500_000 * 100)
    assert (a["award_fen"], a["status"]) == (90_000 * 100, "proposed")        # A: 3 units
    assert by_anchor(report, "B")["award_fen"] == 0                            # B: Δ 9.99M
    assert by_anchor(report, "B")["reason"] == "below_step"
    assert (by_anchor(report, "C")["award_fen"], by_anchor(report, "C")["reason"]) == (0,
                                                                                  "decrease")
    d = by_anchor(report, "D")                                                 # D
    assert (d["local_fen"], d["total_fen"]) == (30 * M, 50 * M)
    g = by_anchor(report, "G")                                                 # G
    assert (g["status"], g["award_fen"], g["prev_local_fen"]) == ("not_computable", 0, None)
    j = by_anchor(report, "J")                                                 # J
    assert (j["award_fen"], j["reason"]) == (0, "not_designated_cluster")
    assert by_park(report, "LYETDZ")["award_fen"] == 1_000_000 * 100           # H: not 1.5M
    i = by_park(report, "JXETDZ")                                              # I: top-up
    assert (i["award_fen"], i["reason"]) == (500_000 * 100, "tier_top_up")

    rate_report = rate_figures.report(graph, policy, 2025)
    e = next(r for r in rate_report["anchors"] if r["anchor"] == CODES["E"])   # E
    assert (e["rate_pct"], e["meets_phase1"], e["meets_phase2"]) == ("40.0", True, False)
    assert next(r for r in rate_report["anchors"]
                if r["anchor"] == CODES["D"])["rate_pct"] == "60.0"           # D: 30 / 50
    k_2023 = rate_figures.report(graph, policy, 2023)["anchors"]
    assert all(r["rate_pct"] is None for r in k_2023)                          # no data ≠ 0%

    # An anchor's own pages compute only its figures; they must agree with the city-wide run.
    for name in "ABCDGJ":
        own = awards.compute(graph, policy, 2025, "office@test", store=False, anchor=CODES[name])
        assert own["anchors"] == [by_anchor(report, name)] and own["parks"] == []
        own_rates = rate_figures.report(graph, policy, 2025, years_back=2, anchor=CODES[name])
        city = rate_figures.report(graph, policy, 2025, years_back=2)
        assert own_rates["anchors"] == [r for r in city["anchors"] if r["anchor"] == CODES[name]]
        assert own_rates["clusters"] == []
    with pytest.raises(ValueError):
        awards.compute(graph, policy, 2025, "office@test", anchor=CODES["A"])


def test_reimport_counts_once_and_correction_becomes_adjustment(graph, policy, ledger_data):
    # F: the same file again (and a row repeated inside it) changes nothing.
    again = ledger.import_purchases(graph, tables.read(
        purchases_csv(EXAMPLES + EXAMPLES[:1]), "p.csv", ledger.PURCHASE_COLUMNS), "test")
    assert (again.created, again.updated, again.unchanged, again.duplicates_in_file) == (
        0, 0, len(EXAMPLES), 1)
    first = awards.compute(graph, policy, 2025, "office@test")
    key = by_anchor(first, "A")["award_key"]
    approved = awards.decide(graph, key, "approve", "符合条件", "office@test")
    assert approved["status"] == "approved"
    with pytest.raises(Conflict):
        awards.decide(graph, key, "reject", "改主意", "office@test")

    # A corrected invoice: ¥158.5M → ¥170M. Approved award stays; an adjustment is proposed.
    corrected = [r if r[2] != "A25" else (*r[:4], "170000000") for r in EXAMPLES]
    report = ledger.import_purchases(graph, tables.read(purchases_csv(corrected), "p.csv",
                                                        ledger.PURCHASE_COLUMNS), "clerk@test")
    assert report.updated == 1
    after = awards.compute(graph, policy, 2025, "office@test")
    a = by_anchor(after, "A")
    assert a["award_fen"] == 150_000 * 100 and a["granted_fen"] == 90_000 * 100
    adjustment = awards.decide(graph, a["award_key"], "approve", "", "office@test")
    assert adjustment["kind"] == "adjustment" and adjustment["amount_fen"] == 60_000 * 100
    trail = graph.read(audit_store.events, "purchase:")
    assert trail[0]["actor"] == "clerk@test"
    assert (trail[0]["before"]["amount_fen"], trail[0]["after"]["amount_fen"]) == (
        158_500_000 * 100, 170 * M)
    actions = [e["action"] for e in graph.read(audit_store.events, "award:")]
    assert actions.count("award.approve") == 2 and "award.adjustment" in actions


def test_not_computable_until_prior_year_confirmed(graph, policy, ledger_data):
    report = awards.confirm_prior_year(graph, policy, CODES["G"], 2024, 0, "office@test")
    g = by_anchor(report, "G")
    assert (g["prev_source"], g["award_fen"], g["status"]) == ("confirmed", 600_000 * 100,
                                                              "proposed")


def test_other_document_award_highest_wins(graph, policy, ledger_data):
    awards.compute(graph, policy, 2025, "office@test")
    report = awards.add_other_award(graph, policy, "OTHER_PURCHASE_AWARD", CODES["A"], 2025,
                                    200_000 * 100, "另一文件", "office@test")
    a = by_anchor(report, "A")
    assert a["status"] == "superseded" and a["superseded_by"].startswith("OTHER_PURCHASE_AWARD")
    other = report["others"][0]
    assert (other["status"], other["award_fen"]) == ("proposed", 200_000 * 100)
    with pytest.raises(ValidationError):
        awards.add_other_award(graph, policy, "R7", CODES["A"], 2025, 1, "", "office@test")


def test_bad_rows_named_and_nothing_stored(graph, policy, ledger_data):
    bad = purchases_csv([("A", "local1", "N1", "2025-13-01", "100"),
                         ("A", "local1", "N2", "2025-01-01", "1.234"),
                         ("A", "local1", "N3", "2025-01-01", "500")])
    bad += f"\n{CODES['A']},91430100XXXXXXXXXX,N4,2025-01-01,5,HYD-CYL".encode()
    with pytest.raises(ValidationError) as caught:
        ledger.import_purchases(graph, tables.read(bad, "p.csv", ledger.PURCHASE_COLUMNS), "t")
    found = {(d["row"], d["column"]) for d in caught.value.details}
    assert found == {(2, "date"), (3, "amount_yuan"), (5, "supplier_credit_code")}
    assert rate_figures.report(graph, policy, 2025)  # still readable
    valid_only = ledger.import_purchases(graph, tables.read(bad, "p.csv",
                                                            ledger.PURCHASE_COLUMNS), "t",
                                         valid_only=True)
    assert (valid_only.created, valid_only.skipped_invalid) == (1, 3)

    companies = "credit_code,name,role,cluster,registered_region,park\n" \
        "91430100MA4L000001,坏代码,supplier,,长沙市,\n" \
        f"{credit_code.make('430104', 999)},无集群主机,anchor,,岳麓区,\n"
    with pytest.raises(ValidationError) as caught:
        company_imports.import_companies(
            graph, tables.read(companies.encode(), "c.csv", company_imports.COMPANY_COLUMNS),
            policy, "t")
    assert {(d["row"], d["column"]) for d in caught.value.details} == {(2, "credit_code"),
                                                                       (3, "cluster")}


def test_cli_imports_and_json_reports(app, tmp_path):
    runner = app.test_cli_runner()
    (tmp_path / "c.csv").write_text(COMPANIES, encoding="utf-8")
    (tmp_path / "p.csv").write_bytes(purchases_csv(EXAMPLES))
    assert runner.invoke(import_companies, [str(tmp_path / "c.csv")]).exit_code == 0
    result = runner.invoke(import_purchases, [str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    out = runner.invoke(rewards_command, ["--year", "2025", "--json"])
    report = json.loads(out.stdout)
    assert by_anchor(report, "A")["award_fen"] == 9_000_000
    assert set(by_anchor(report, "A")) >= {"prev_local_fen", "local_fen", "delta_fen",
                                           "award_fen", "status", "reason"}
    rate_report = json.loads(runner.invoke(rates, ["--year", "2025", "--json"]).stdout)
    cm = next(c for c in rate_report["clusters"] if c["cluster"] == "CM")
    assert cm["total_fen"] > 0 and cm["rate_pct"] is not None
    (tmp_path / "bad.csv").write_text("anchor_credit_code,invoice_no\n1,2\n")
    bad = runner.invoke(import_purchases, [str(tmp_path / "bad.csv")])
    assert bad.exit_code == 1 and "supplier_credit_code" in bad.stderr


def test_withdrawn_award_comment_in_the_readers_language(app, graph, policy, ledger_data):
    """The system's comment on an award it withdraws is a message, shown translated; an
    organizer's comment stays as written."""
    key = by_anchor(awards.compute(graph, policy, 2025, "office@test"), "A")["award_key"]
    awards.decide(graph, key, "approve", "符合条件", "office@test")
    corrected = [r if r[2] != "A25" else (*r[:4], "170000000") for r in EXAMPLES]
    for rows in (corrected, EXAMPLES):  # an adjustment opened, then the correction undone
        ledger.import_purchases(graph, tables.read(purchases_csv(rows), "p.csv",
                                                   ledger.PURCHASE_COLUMNS), "clerk@test")
        awards.compute(graph, policy, 2025, "office@test")
    for language, withdrawn in (("zh", "数据更新后不再符合条件"),
                                ("en", "No longer eligible after the data was updated")):
        with app.test_request_context(headers={"Accept-Language": language}):
            comments = {a["status"]: str(a["comment"]) for a in awards.records(graph, 2025)
                        if a["subject"] == CODES["A"]}
        assert comments == {"approved": "符合条件", "withdrawn": withdrawn}


def test_a_file_of_several_batches_reports_progress_and_links_each_pair_once(graph, policy,
                                                                             ledger_data):
    """Rows are stored BATCH at a time; a supplier→anchor pair gets one SUPPLIED edge however
    many batches and imports name it; the new rows count in the rates like any other; stored
    keys met in a later batch (a first import skips looking keys up until then) are corrected
    or left, not duplicated."""
    n = 2 * BATCH + 500
    rows = [("G", ("local1", "local2", "zhuzhou")[i % 3], f"G26-{i}", "2025-10-01", "1.00")
            for i in range(n)]
    progress = []
    report = ledger.import_purchases(graph, tables.read(purchases_csv(rows), "p.csv",
                                                        ledger.PURCHASE_COLUMNS), "test",
                                     progress=lambda done, total: progress.append((done, total)))
    assert report.created == n
    assert progress == [(0, n), (BATCH, n), (2 * BATCH, n), (n, n)]
    more = [("G", "local1", f"G27-{i}", "2025-11-01", "1.00") for i in range(3)]
    ledger.import_purchases(graph, tables.read(purchases_csv(more), "p.csv",
                                               ledger.PURCHASE_COLUMNS), "test")
    links = graph.read(lambda tx: tx.run(
        "MATCH (s:Company)-[r:SUPPLIED]->(:Company {credit_code: $g}) "
        "RETURN s.credit_code AS supplier, count(r) AS n", g=CODES["G"]).data())
    assert sorted((r["supplier"], r["n"]) for r in links) == sorted(
        (CODES[s], 1) for s in ("local1", "local2", "zhuzhou"))
    g = by_anchor(rate_figures.report(graph, policy, 2025), "G")
    assert g["total_fen"] == 200 * M + (n + 3) * 100
    assert g["local_fen"] == 200 * M + (n - n // 3 + 3) * 100  # every third row from 株洲
    # New rows first, stored ones later (one corrected): the batch that meets them is looked up.
    fresh = [("G", "local1", f"G28-{i}", "2025-12-01", "1.00") for i in range(BATCH + 5)]
    mixed = ledger.import_purchases(graph, tables.read(purchases_csv(
        fresh + [(*rows[0][:4], "2.00")] + rows[1:10]), "p.csv", ledger.PURCHASE_COLUMNS), "test")
    assert (mixed.created, mixed.updated, mixed.unchanged) == (BATCH + 5, 1, 9)
    assert by_anchor(rate_figures.report(graph, policy, 2025), "G")["total_fen"] == (
        g["total_fen"] + (BATCH + 5 + 1) * 100)
