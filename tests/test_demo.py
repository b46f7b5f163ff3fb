"""The demo city that `make run` serves loads, and each demo login's main pages render."""
from __future__ import annotations

import pytest
from conftest import login

from matchmaker import demo, policy
from matchmaker.fairs import report, setup
from matchmaker.incentives import flags

pytestmark = pytest.mark.slow


def test_demo_city_loads_and_renders(app, graph, client):
    summary = demo.load(graph, app.config)
    assert summary["fair"]["scheduled"] == summary["fair"]["accepted"] > 0
    assert demo.load(graph, app.config)["fair"] == {"id": demo.DEMO_FAIR}   # idempotent
    from graph import schema
    schema.migrate(graph)  # what every restart runs, over a full city
    fair = setup.get(graph, demo.DEMO_FAIR)
    assert fair["status"] == "scheduled" and fair["report"]["gap_pct"] <= 2
    # Every page has figures: awards in each status, parks with supporting output.
    from graph import awards as award_store
    statuses = {a["status"] for a in graph.read(award_store.awards, demo.PURCHASE_YEARS[-1])}
    assert {"approved", "proposed"} <= statuses
    from matchmaker.chainmap import service as chain
    assert any(p["output_fen"] > 0 for p in chain.parks(graph, demo.PURCHASE_YEARS[-1]))
    # Last spring's fair is followed in the ledger: new local relationships and their purchases.
    past = report.fair_report(graph, policy.load(app.config["POLICY_FILE"]), demo.PAST_FAIR)
    assert past["windows"].complete and past["counts"]["no_shows"] == 6
    assert past["new_relationships"] >= 6 and past["new_local_fen"] > 0
    assert any(p["reconciliation"] for p in past["pairs"])
    assert any(p["supplier_says"] for p in past["pairs"])
    # the crafted case for the office's integrity review
    raised = {f["rule"] for g in flags.year_review(graph, 2025) for f in g["flags"]}
    assert raised == {"year_end_reversal", "related_party", "round_amounts", "repeated_amounts"}
    pages = {"office@demo.cn": ["/", "/incentives/", "/incentives/flags?year=2025", "/chain/", "/fairs/", f"/fairs/{demo.DEMO_FAIR}",
                                f"/fairs/{demo.DEMO_FAIR}/tables", f"/fairs/{demo.PAST_FAIR}",
                                f"/fairs/{demo.PAST_FAIR}/report", "/fairs/reports"],
             "anchor@demo.cn": ["/", "/needs/", "/incentives/mine", f"/fairs/{demo.DEMO_FAIR}"],
             "supplier@demo.cn": ["/", "/suppliers/profile", "/suppliers/needs",
                                  f"/fairs/{demo.DEMO_FAIR}", "/fairs/follow-ups"]}
    for email, paths in pages.items():
        login(client, email, demo.DEMO_PASSWORD)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (email, path)
        if email == "office@demo.cn":   # the office's home names the chain's weak spot
            home = client.get("/").get_data(as_text=True)
            assert "空调转子压缩机" in home and 'data-chart="cluster-rates"' in home
