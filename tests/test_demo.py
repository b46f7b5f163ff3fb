"""The demo city that `make run` serves loads, and each demo login's main pages render."""
from __future__ import annotations

from conftest import login

from matchmaker import demo
from matchmaker.fairs import service as fairs
from matchmaker.incentives import flags


def test_demo_city_loads_and_renders(app, graph, client):
    summary = demo.load(graph, app.config)
    assert summary["fair"]["scheduled"] == summary["fair"]["accepted"] > 0
    assert demo.load(graph, app.config)["fair"] == {"id": demo.DEMO_FAIR}   # idempotent
    fair = fairs.get(graph, demo.DEMO_FAIR)
    assert fair["status"] == "scheduled" and fair["report"]["gap_pct"] <= 2
    # the crafted case for the office's integrity review
    raised = {f["rule"] for g in flags.year_review(graph, 2025) for f in g["flags"]}
    assert raised == {"year_end_reversal", "related_party", "round_amounts", "repeated_amounts"}
    pages = {"office@demo.cn": ["/incentives/", "/incentives/flags?year=2025", "/chain/",
                                "/fairs/", f"/fairs/{demo.DEMO_FAIR}",
                                f"/fairs/{demo.DEMO_FAIR}/tables"],
             "anchor@demo.cn": ["/needs/", "/incentives/mine", f"/fairs/{demo.DEMO_FAIR}"],
             "supplier@demo.cn": ["/suppliers/profile", "/suppliers/needs",
                                  f"/fairs/{demo.DEMO_FAIR}"]}
    for email, paths in pages.items():
        login(client, email, demo.DEMO_PASSWORD)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (email, path)
