"""The organizer's priorities for a fair's schedule: meetings of chosen groups first (anchors
with missing links, suppliers new to the platform) and, optionally, meetings weighted by the
local purchasing they may bring (the anchor's spend outside the city on the part × fit)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from matchmaker.i18n import _l

from graph import attribution as attribution_store
from graph import fairs as fair_store
from matchmaker import clock
from matchmaker.chainmap import service as chain
from matchmaker.fairs import scheduling
from matchmaker.policy import Policy

GROUPS = {"missing_links": _l("存在缺失环节的主机企业"),
          "new_suppliers": _l("新入驻平台（一年内）的配套企业")}
NEW_SUPPLIER_DAYS = 365


def weights(graph, policy: Policy | None, fair: dict) -> dict[str, tuple[bool, int]]:
    """{meeting key: (in a priority group, expected-value points)}; empty when the fair sets
    no priorities. Spend is last year's, relative to the fair's first day."""
    groups = set(fair.get("priority_groups") or [])
    if not (groups or fair.get("weight_expected_value")) or policy is None:
        return {}
    day = date.fromisoformat(fair["days"][0])
    year = day.year - 1
    local = graph.read(attribution_store.local_suppliers, policy.region)
    # midnight of the city's day, not UTC's (registrations are instants)
    since = datetime.combine(day - timedelta(days=NEW_SUPPLIER_DAYS), time(0),
                             tzinfo=clock.zone()).isoformat()
    rows = graph.read(fair_store.meeting_context, fair["id"], year, local, since)
    missing = set()
    if "missing_links" in groups:
        missing = {r["category"] for r in chain.coverage(graph, policy, year,
                                                          fair.get("cluster"))["missing_links"]}
    out = {}
    for r in rows:
        priority = (bool(missing & set(r["open_need_categories"]))
                    or ("new_suppliers" in groups and bool(r["new_supplier"])))
        points = (scheduling.expected_value_points(r["outside_fen"], r["fit"] or 0)
                  if fair.get("weight_expected_value") else 0)
        out[r["key"]] = (priority, points)
    return out
