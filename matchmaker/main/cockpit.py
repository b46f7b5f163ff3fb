"""Each role's home: the few figures that say where things stand and what to do next.

Office: the clusters' local rates against the targets, awards by status, companies waiting
for approval, open needs without a confident local supplier, the next fairs. Anchor: its own
rate and trend, its awards, needs with new supplier interest, its coming meetings. Supplier:
open needs that fit it, meeting requests to answer, its coming meetings."""
from __future__ import annotations

import time
from datetime import date

from flask_babel import gettext as _

from graph import awards as award_store
from graph import catalog
from graph import cockpit as cockpit_store
from graph import companies as company_store
from matchmaker import charts, clock
from matchmaker.chainmap import service as chain
from matchmaker.fairs import setup as fairs
from matchmaker.incentives import rates, rules as rewards
from matchmaker.incentives import service as awards
from matchmaker.matching import service as matching
from matchmaker.policy import Policy

NEW_INTEREST_DAYS = 14
NEEDS_LISTED = 200   # the newest open needs looked up for the missing-link list


def _year(policy: Policy, today: date) -> int:
    """Last year (the latest complete one), as the rates pages default to."""
    return max(policy.first_year, today.year - 1)


def office(graph, policy: Policy, today: date | None = None) -> dict:
    today = today or clock.today()
    year = _year(policy, today)
    rate_report = rates.report(graph, policy, year)
    totals: dict[str, int] = {}
    for a in graph.read(award_store.awards, year):
        totals[a["status"]] = totals.get(a["status"], 0) + a["amount_fen"]
    return {"year": year, "rates": rate_report,
            "chart": charts.rates_vs_targets("cluster-rates", rate_report["clusters"],
                                             rate_report["targets_pct"],
                                             _("%(year)s年 各产业集群本地配套率", year=year)),
            "awards": [{"status": s, "text": awards.STATUS_TEXT.get(s, s), "fen": f}
                       for s, f in sorted(totals.items())],
            "awards_fen": totals.get(rewards.APPROVED, 0) + totals.get(rewards.PROPOSED, 0),
            "pending": graph.read(company_store.count_companies, None, "pending"),
            "unmatched": unmatched_needs(graph, policy, year),
            "fairs": _fairs(graph, today)}


def unmatched_needs(graph, policy: Policy, year: int) -> list[dict]:
    """Open needs in the chain's missing links (no capable local supplier, or no confident
    local match): the same rule the chain map draws."""
    missing = chain.coverage(graph, policy, year, spend=False)["missing_links"]
    wanted = {need_id: row for row in missing for need_id in row["need_ids"]}
    if not wanted:
        return []
    out = []
    for need in graph.read(catalog.list_needs, None, "open", True, 0, NEEDS_LISTED):
        row = wanted.get(need["id"])
        if row:
            best = row.get("best_local_match")
            out.append({"id": need["id"], "title": need["title"],
                        "company_name": need["company_name"], "part": row["name"],
                        "best": best["supplier"] if best else None})
    return out


def anchor(graph, policy: Policy, company: str, today: date | None = None) -> dict:
    today = today or clock.today()
    year = _year(policy, today)
    rate_report = rates.report(graph, policy, year, years_back=4, anchor=company)
    me = rate_report["anchors"][0] if rate_report["anchors"] else None
    chart = charts.anchor_trend(me, rate_report["targets_pct"])
    since = int((time.time() - NEW_INTEREST_DAYS * 86400) * 1000)
    return {"year": year, "me": me, "targets": rate_report["targets_pct"], "chart": chart,
            "awards": [a for a in graph.read(award_store.awards, None, company)
                       if a["status"] in (rewards.PROPOSED, rewards.APPROVED)][:5],
            "needs": graph.read(cockpit_store.interest_by_need, company, since),
            "meetings": _meetings(graph, company, today),
            "requests": graph.read(cockpit_store.requests_to_answer, company)}


def supplier(graph, company: str, today: date | None = None) -> dict:
    today = today or clock.today()
    return {"needs": matching.match_supplier(graph, company, limit=5),
            "requests": graph.read(cockpit_store.requests_to_answer, company),
            "meetings": _meetings(graph, company, today)}


def _fairs(graph, today: date) -> list[dict]:
    return graph.read(cockpit_store.next_fairs, today.isoformat())


def _meetings(graph, company: str, today: date) -> list[dict]:
    rows, slots = [], {}
    for m in graph.read(cockpit_store.upcoming_meetings, company, today.isoformat()):
        if m["fair"] not in slots:
            slots[m["fair"]] = fairs.get(graph, m["fair"])["slots"]
        slot = slots[m["fair"]][m["slot"]]
        rows.append({**m, "day": slot["day"], "start": slot["start"], "table_no": m["table"] + 1})
    return rows


def public_figures(graph) -> dict:
    """What a visitor may see: how many approved companies and open needs are on the platform."""
    return {"suppliers": graph.read(company_store.count_companies, "supplier", "approved"),
            "anchors": graph.read(company_store.count_companies, "anchor", "approved"),
            "needs": graph.read(catalog.count_needs, None, "open", True)}
