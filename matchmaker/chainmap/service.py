"""Chain map, coverage, missing links (缺失环节) and the what-if of moving spending local.

`what_if` is pure arithmetic over figures; the other functions gather those figures from the
graph (graph/chain.py, aggregated there) and from matching."""
from __future__ import annotations

from graph import chain as chain_store
from graph import ledger as ledger_store
from matchmaker.incentives import rates, rules as rewards
from matchmaker.incentives.rules import AnchorYear
from matchmaker.matching import service
from matchmaker.matching.ranking import Filters
from matchmaker.policy import Policy


def coverage(graph, policy: Policy, year: int, cluster: str | None = None,
             spend: bool = True) -> dict:
    """Per part with demand: capable local suppliers, best local match for its open needs,
    spending local vs elsewhere. Missing links: no capable local supplier, or an open need
    whose best local match is not a confident (高) fit — ranked by the anchors' non-local
    spending. Without `spend`, the parts of open needs only and no purchase is read (a page
    that lists needs, whose cost must not grow with the ledger)."""
    rows = graph.read(chain_store.demand_by_category, year, policy.region, cluster, spend)
    for row in rows:
        best, row["needs_without_local_fit"] = None, 0
        for need_id in row["need_ids"]:
            top = service.rank_need(graph, service.stored_need(graph, need_id),
                                    Filters(local_only=True), limit=1)
            row["needs_without_local_fit"] += top["abstain"]
            for m in top["matches"]:
                if best is None or m["fit"] > best["fit"]:
                    best = {"fit": m["fit"], "tier": m["tier"], "confident": m["confident"],
                            "supplier": m["company_name"], "company": m["company"],
                            "need": need_id}
        row["best_local_match"] = best
        row["nonlocal_fen"] = row["total_fen"] - row["local_fen"]
        row["local_share_pct"] = (None if not row["total_fen"]
                                  else str(rewards.rate(row["local_fen"], row["total_fen"])))
        row["missing"] = row["local_suppliers"] == 0 or row["needs_without_local_fit"] > 0
    missing = sorted((r for r in rows if r["missing"]),
                     key=lambda r: (-r["nonlocal_fen"], -len(r["need_ids"])))
    invite = graph.read(chain_store.outside_sources, year, policy.region,
                        [r["category"] for r in missing], cluster) if missing and spend else {}
    for r in missing:
        r["outside_suppliers"] = invite.get(r["category"], [])
    return {"year": year, "cluster": cluster, "categories": rows, "missing_links": missing,
            "single_sources": graph.read(chain_store.single_sources, year, cluster)
            if spend else []}


def what_if(period, year: int, anchors: list[dict], category_spend: dict[str, dict],
            pct: int) -> dict:
    """If `pct`% of one part's non-local spending moved to local suppliers: each anchor's and
    cluster's rate, and the R1 award it would trigger, before and after. Integer fen throughout.

    anchors: {anchor, name, clusters, local_fen, total_fen, has_data, prev_local_fen}."""
    if not 0 <= pct <= 100:
        raise ValueError("pct must be between 0 and 100")
    out, clusters = [], {}
    for a in anchors:
        spend = category_spend.get(a["anchor"], {"total_fen": 0, "local_fen": 0})
        moved = (spend["total_fen"] - spend["local_fen"]) * pct // 100
        after = a["local_fen"] + moved
        award = {}
        for label, local in (("before", a["local_fen"]), ("after", after)):
            p = rewards.increment_award(period, AnchorYear(
                a["anchor"], tuple(a["clusters"]), year, local, a["has_data"], a["prev_local_fen"]))
            award[label] = {"award_fen": p.amount_fen, "status": p.status}
        out.append({"anchor": a["anchor"], "name": a["name"], "moved_fen": moved,
                    "before": rewards.rate_row(a["local_fen"], a["total_fen"], period),
                    "after": rewards.rate_row(after, a["total_fen"], period),
                    "award_before": award["before"], "award_after": award["after"]})
        for code in a["clusters"]:
            c = clusters.setdefault(code, [0, 0, 0])
            c[0] += a["local_fen"]
            c[1] += after
            c[2] += a["total_fen"]
    return {"pct": pct, "moved_fen": sum(r["moved_fen"] for r in out), "anchors": out,
            "clusters": [{"cluster": code, "before": rewards.rate_row(b, t, period),
                          "after": rewards.rate_row(af, t, period)}
                         for code, (b, af, t) in sorted(clusters.items())]}


def simulate(graph, policy: Policy, year: int, category: str, pct: int) -> dict:
    """`what_if` on the ledger's figures for `year` (prior year from the ledger or confirmed)."""
    anchors = rates.increment_figures(graph, policy, year)
    spend = graph.read(chain_store.category_spend_by_anchor, year, policy.region, category)
    return {"year": year, "category": category,
            **what_if(policy.for_year(year), year, anchors, spend, pct)}


def parks(graph, year: int) -> list[dict]:
    output = {(r["park"], r["year"]): r["output_fen"]
              for r in graph.read(ledger_store.park_output, [year - 1, year])}
    return [{**p, "output_fen": output.get((p["park"], year), 0),
             "prev_output_fen": output.get((p["park"], year - 1), 0),
             "clusters_served": sorted(set(p["clusters_served"]))}
            for p in graph.read(chain_store.parks)]
