"""A fair's report: its meetings, then what they changed in local purchasing (see
`attribution`), and fairs side by side."""
from __future__ import annotations

import json
from datetime import date

from graph import attribution as attribution_store
from graph import awards as award_store
from graph import fairs as fair_store
from graph import ledger as ledger_store
from graph import reference
from matchmaker import clock
from matchmaker.fairs import attribution, setup
from matchmaker.incentives import rules as rewards
from matchmaker.policy import Policy


def fair_report(graph, policy: Policy, fair_id: str, as_of: date | None = None) -> dict:
    fair = setup.get(graph, fair_id)
    windows = attribution.Windows(date.fromisoformat(fair["days"][0]), as_of or clock.today())
    counts = attribution.meeting_counts(graph.read(fair_store.meetings, fair_id))
    met = graph.read(attribution_store.met_pairs, fair_id, policy.region)
    pairs = [attribution.MetPair(m["key"], m["anchor"], m["supplier"], bool(m["local"]),
                                 m["outcome"], m["declared_fen"], m["expected_fen"])
             for m in met]
    purchases = [attribution.Purchase(p["anchor"], p["supplier"], date.fromisoformat(p["date"]),
                                      p["amount_fen"])
                 for p in graph.read(attribution_store.pair_purchases,
                                     sorted({(m.anchor, m.supplier) for m in pairs}))]
    local = graph.read(attribution_store.local_suppliers, policy.region)
    before = graph.read(attribution_store.window_totals, *map(str, windows.before), local)
    after = graph.read(attribution_store.window_totals, *map(str, windows.after), local)
    yearly: dict[tuple[str, str, int], int] = {}
    for p in purchases:
        key = (p.anchor, p.supplier, p.day.year)
        yearly[key] = yearly.get(key, 0) + p.amount_fen
    result = attribution.follow(
        pairs, purchases, windows,
        {a: attribution.AnchorWindow(v["total_fen"], v["local_fen"]) for a, v in after.items()},
        yearly, _increment_awards(graph, {p.anchor for p in pairs}, windows))
    names = {m["key"]: m for m in met}
    anchor_names = {m["anchor"]: m["anchor_name"] for m in met}
    answers: dict[str, dict] = {}  # meeting → {company: the latest round's answer}
    for a in graph.read(attribution_store.follow_ups, fair_id):  # ordered by round
        answers.setdefault(a["meeting"], {})[a["company"]] = a
    clusters = _cluster_rates(graph, before, after, fair.get("cluster"))
    return {"fair": fair, "windows": windows, "counts": counts,
            "pairs": [{**vars(r), "change_fen": r.change_fen,
                       "anchor_name": names[r.pair.key]["anchor_name"],
                       "supplier_name": names[r.pair.key]["supplier_name"],
                       "anchor_says": answers.get(r.pair.key, {}).get(r.pair.anchor),
                       "supplier_says": answers.get(r.pair.key, {}).get(r.pair.supplier)}
                      for r in result.pairs],
            "new_relationships": result.new_relationships,
            "new_local_fen": result.new_local_fen,
            "met_local_after_fen": result.met_local_after_fen,
            "awards": [{**a, "anchor_name": anchor_names.get(a["anchor"])}
                       for a in result.awards],
            "award_share_fen": sum(a["share_fen"] for a in result.awards
                                   if a["status"] == rewards.APPROVED),
            "clusters": clusters}


def _increment_awards(graph, anchors: set[str], windows: attribution.Windows
                      ) -> list[attribution.Award]:
    """The anchors' current R1 awards for the calendar years the after-window touches."""
    start, end = windows.after
    out = []
    for year in range(start.year, end.year + 1):
        for a in graph.read(award_store.awards, year):
            if a["rule"] != rewards.INCREMENT or a["subject"] not in anchors \
                    or a["status"] not in (rewards.PROPOSED, rewards.APPROVED):
                continue
            delta = json.loads(a.get("calculation") or "{}").get("delta")
            if isinstance(delta, int):
                out.append(attribution.Award(a["key"], a["subject"], a["year"], a["status"],
                                             a["amount_fen"], delta))
    return out


def _cluster_rates(graph, before: dict, after: dict, only: str | None) -> list[dict]:
    clusters_of = {a["anchor"]: a["clusters"] for a in graph.read(ledger_store.anchors)}

    def by_cluster(totals):
        out: dict[str, tuple[int, int]] = {}
        for anchor, t in totals.items():
            for code in clusters_of.get(anchor, []):
                local, total = out.get(code, (0, 0))
                out[code] = (local + t["local_fen"], total + t["total_fen"])
        return out
    names = {c["code"]: c["name"] for c in graph.read_once(reference.list_clusters)}
    change = attribution.rate_change(by_cluster(before), by_cluster(after))
    return [{"cluster": code, "name": names.get(code, code), **row}
            for code, row in change.items() if only in (None, "", code)]


def compare(graph, policy: Policy, as_of: date | None = None) -> list[dict]:
    """Every fair that has taken place, newest first, with its headline figures."""
    today = as_of or clock.today()
    rows = []
    for fair in graph.read(fair_store.list_fairs):
        if date.fromisoformat(fair["days"][0]) > today:
            continue
        report = fair_report(graph, policy, fair["id"], today)
        rows.append({"id": fair["id"], "name": fair["name"], "day": fair["days"][0],
                     "complete": report["windows"].complete, **report["counts"],
                     "new_relationships": report["new_relationships"],
                     "new_local_fen": report["new_local_fen"],
                     "met_local_after_fen": report["met_local_after_fen"],
                     "award_share_fen": report["award_share_fen"]})
    return sorted(rows, key=lambda r: r["day"], reverse=True)
