"""Registration, and the pairs the matching engine proposes between registered anchors and
suppliers, each with the fit and reasons the need's ranking gives (matching/service.py)."""
from __future__ import annotations

import time
from datetime import date

from graph import catalog
from graph import fairs as fair_store
from matchmaker import clock
from matchmaker.errors import Conflict, Forbidden, ValidationError
from matchmaker.fairs.setup import get
from matchmaker.i18n import _l, stored
from matchmaker.matching import service as matching

PROPOSALS_PER_NEED = 30


def register(graph, fair_id: str, user, available: list, today: date | None = None) -> int:
    """Register the user's company with the slots it is free; returns the proposals added."""
    fair = get(graph, fair_id)
    if user.role not in ("anchor", "supplier") or not user.company:
        raise Forbidden(_l("只有主机企业和配套企业可以报名"))
    today = today or clock.today()
    if not fair["registration_opens"] <= today.isoformat() <= fair["registration_closes"]:
        raise Conflict(_l("报名时间为 %(registration_opens)s 至 %(registration_closes)s",
                          registration_opens=fair['registration_opens'],
                       registration_closes=fair['registration_closes']))
    if fair["status"] == "published":
        raise Conflict(_l("日程已发布，报名已结束"))
    try:
        chosen = sorted({int(s) for s in available})
    except (TypeError, ValueError):
        raise ValidationError(_l("可参会时段无效"), field="available") from None
    if not chosen or not set(chosen) <= {s["index"] for s in fair["slots"]}:
        raise ValidationError(_l("请至少选择一个可参会时段"), field="available")
    graph.write(fair_store.register, {"key": f"{fair_id}|{user.company}", "fair": fair_id,
                                 "company": user.company, "role": user.role,
                                 "available": chosen, "at": int(time.time())})
    return refresh_proposals(graph, fair_id, user.company, user.role)


def refresh_proposals(graph, fair_id: str, company: str, role: str) -> int:
    """Pairs the matching engine proposes between this company and those already registered:
    an anchor's open needs against registered suppliers, or a supplier against registered
    anchors' open needs. Each pair keeps the need it fits best, with the fit and reasons the
    need's ranking gives (the same as on the need page)."""
    registered = {r["company"]: r["role"] for r in graph.read(fair_store.registrations, fair_id)}
    best: dict[tuple[str, str], dict] = {}

    def offer(anchor, supplier, need, title, match):
        pair = (anchor, supplier)
        if pair not in best or match["fit"] > best[pair]["fit"]:
            best[pair] = {"key": f"{fair_id}|{anchor}|{supplier}", "fair": fair_id,
                          "anchor": anchor, "supplier": supplier, "need": need,
                          "need_title": title, "fit": match["fit"], "tier": match["tier"],
                          "reasons": [stored(r) for r in
                                      matching.short_reasons(match["explanation"])],
                          "at": int(time.time())}

    if role == "anchor":
        for need in graph.read(catalog.needs_of, company):
            if need["status"] != "open":
                continue
            found = matching.rank_need(graph, matching.stored_need(graph, need["id"]),
                                       limit=PROPOSALS_PER_NEED)
            for r in found["matches"]:
                if registered.get(r["company"]) == "supplier":
                    offer(company, r["company"], need["id"], need["title"], r)
    else:
        anchors = {c for c, role in registered.items() if role == "anchor"}
        for r in matching.match_supplier(graph, company, PROPOSALS_PER_NEED, anchors):
            offer(r["anchor_credit_code"], company, r["need"], r["title"], r)
    return graph.write(fair_store.add_proposals, list(best.values())) if best else 0
