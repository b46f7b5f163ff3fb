"""Local supporting rates (本地配套率) from the ledger: per anchor and cluster, per year, against
the policy's targets, and the figures the purchase-increment award (R1) needs. The sums are
aggregated in the graph; "local" is decided there from the supplier's registered region."""
from __future__ import annotations

from graph import ledger as ledger_store
from graph import reference
from matchmaker.incentives import rules as rewards
from matchmaker.policy import Policy


def yearly_figures(graph, policy: Policy, years: list[int],
                   anchor: str | None = None) -> list[dict]:
    """Every anchor (only `anchor` when given) with its clusters and
    {year: {local_fen, total_fen, rows}}."""
    def work(tx):
        return (ledger_store.anchors(tx, anchor),
                ledger_store.anchor_year_totals(tx, years, policy.region, anchor))
    anchors, totals = graph.read(work)
    empty = {"local_fen": 0, "total_fen": 0, "rows": 0}
    return [{**a, "years": {y: totals.get((a["anchor"], y), empty) for y in years}}
            for a in anchors]


def increment_figures(graph, policy: Policy, year: int,
                      anchor: str | None = None) -> list[dict]:
    """Per anchor (only `anchor` when given), what R1 needs for `year`: local and total
    purchases, whether any purchase was recorded, and the prior year's local purchases — from
    the ledger when it has rows for that year, else the figure an organizer confirmed, else
    None (not computable)."""
    figures = yearly_figures(graph, policy, [year - 1, year], anchor)
    confirmed = graph.read(ledger_store.baselines, year - 1)
    out = []
    for f in figures:
        prev, current = f["years"][year - 1], f["years"][year]
        source = "ledger" if prev["rows"] else ("confirmed" if f["anchor"] in confirmed
                                                else None)
        out.append({"anchor": f["anchor"], "name": f["name"], "clusters": f["clusters"],
                    "local_fen": current["local_fen"], "total_fen": current["total_fen"],
                    "has_data": current["rows"] > 0, "prev_source": source,
                    "prev_local_fen": prev["local_fen"] if source == "ledger"
                    else confirmed.get(f["anchor"])})
    return out


def report(graph, policy: Policy, year: int, years_back: int = 0,
           anchor: str | None = None) -> dict:
    """Rates per anchor and per cluster for `year` (and the trend over the `years_back` earlier
    years that the policy covers), against the policy's targets. `anchor` limits the anchors to
    one company."""
    period = policy.for_year(year)
    years = list(range(max(year - years_back, policy.first_year), year + 1))
    figures = yearly_figures(graph, policy, years, anchor)
    sums: dict[str, dict[int, list[int]]] = {}
    anchors = []
    for f in figures:
        trend = {y: rewards.rate_row(f["years"][y]["local_fen"], f["years"][y]["total_fen"],
                                     policy.for_year(y)) for y in years}
        for code in f["clusters"]:
            for y in years:
                pair = sums.setdefault(code, {}).setdefault(y, [0, 0])
                pair[0] += f["years"][y]["local_fen"]
                pair[1] += f["years"][y]["total_fen"]
        anchors.append({"anchor": f["anchor"], "name": f["name"], "clusters": f["clusters"],
                        **trend[year], "trend": trend})
    cluster_rows = []
    if anchor is None:  # one anchor's figures say nothing about its clusters
        clusters = {c["code"]: c for c in graph.read_once(reference.list_clusters)}
        cluster_rows = [{"cluster": code, "name": clusters.get(code, {}).get("name", code),
                         **rewards.rate_row(*sums[code][year], period),
                         "trend": {y: rewards.rate_row(*sums[code][y], policy.for_year(y))
                                   for y in years}}
                        for code in sorted(sums)]
    return {"year": year, "region": policy.region, "region_name": policy.region_name,
            "targets_pct": [period.rate_target_phase1_pct, period.rate_target_phase2_pct],
            "anchors": anchors, "clusters": cluster_rows}
