"""The chain map's data: anchors → the parts they need or buy → the suppliers of a part.

Built on `chain.coverage` (its parts, missing links and best local matches), so the map and the
tables under it always agree. Suppliers stay collapsed into counts per part (local: approved
local companies able to supply it; outside: companies outside the city the anchors bought it
from in the year) until a part is opened, which `part_suppliers` answers. Node ids carry a kind
prefix (a: anchor, p: part, s: supplier); labels are names only, never codes."""
from __future__ import annotations

from graph import chain as chain_store
from graph import reference
from matchmaker.errors import NotFound
from matchmaker.policy import Policy
from matchmaker.i18n import _l

EVERY_SOURCE = 100_000  # outside_sources' per-part cap: count them all


def chain_map(graph, policy: Policy, report: dict) -> dict:
    """The layered map of a `chain.coverage` report (its year and cluster)."""
    year, cluster = report["year"], report["cluster"]
    rows = report["categories"]
    codes = [r["category"] for r in rows]
    links = graph.read(chain_store.map_links, year, policy.region, cluster, codes)
    outside = graph.read(chain_store.outside_sources, year, policy.region, codes, cluster,
                         EVERY_SOURCE) if codes else {}
    anchors = {link["anchor"]: link["anchor_name"] for link in links}
    nodes = [{"id": "a:" + code, "kind": "anchor", "code": code, "name": name}
             for code, name in sorted(anchors.items(), key=lambda a: a[1])]
    for r in rows:
        best = r["best_local_match"]
        nodes.append({
            "id": "p:" + r["category"], "kind": "part", "name": r["name"], "group": r["parent"],
            "missing": r["missing"],
            "missing_reason": (None if not r["missing"] else "no_local_supplier"
                               if r["local_suppliers"] == 0 else "no_confident_match"),
            "local_suppliers": r["local_suppliers"],
            "outside_suppliers": len(outside.get(r["category"], [])),
            "open_needs": len(r["need_ids"]), "total_fen": r["total_fen"],
            "local_fen": r["local_fen"], "nonlocal_fen": r["nonlocal_fen"],
            "local_share_pct": r["local_share_pct"],
            "best_local_match": best and {"supplier": best["supplier"],
                                          "company": best["company"], "need": best["need"],
                                          "fit": best["fit"], "tier": best["tier"],
                                          "confident": best["confident"]}})
    edges = [{"source": "a:" + link["anchor"], "target": "p:" + link["category"],
              "open_needs": link["open_needs"], "total_fen": link["total_fen"],
              "local_fen": link["local_fen"],
              "nonlocal_fen": link["total_fen"] - link["local_fen"]} for link in links]
    return {"year": year, "cluster": cluster, "layers": ["anchor", "part", "supplier"],
            "nodes": nodes, "edges": edges,
            "missing_links": sum(1 for r in rows if r["missing"])}


def part_suppliers(graph, policy: Policy, year: int, cluster: str | None, part: str) -> dict:
    """An opened part: its local suppliers and the outside ones its anchors bought it from."""
    if graph.read(reference.get_item, "category", part) is None:
        raise NotFound(_l("没有这个零部件品类"), field="part")
    local = graph.read(chain_store.local_suppliers, policy.region, part)
    outside = graph.read(chain_store.outside_sources, year, policy.region, [part], cluster,
                         EVERY_SOURCE).get(part, [])
    return {"part": "p:" + part, "year": year, "cluster": cluster,
            "local": [{"id": "s:" + s["credit_code"], "code": s["credit_code"],
                       "name": s["name"], "region": s["region"], "park": s["park"]}
                      for s in local],
            "outside": [{"id": "s:" + s["credit_code"], "code": s["credit_code"],
                         "name": s["name"], "region": s["region"],
                         "amount_fen": s["amount_fen"]} for s in outside]}
