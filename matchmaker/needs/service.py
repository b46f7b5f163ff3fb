"""A need from its anchor's side: save it (the first time it is open, the best-fitting suppliers
hear of it), publish, close or reopen it, and shortlist or engage suppliers on its ranking; from a
supplier's side: say it can supply it. Each request reads the need once and passes it down."""
from __future__ import annotations

from graph import catalog
from graph import engagement as engagement_store
from matchmaker import notifications
from matchmaker.errors import NotFound, ValidationError
from matchmaker.matching import fit
from matchmaker.matching import service as matching
from matchmaker.i18n import _l

MARKS = ("shortlisted", "engaged", "not_a_fit")  # 候选, 已对接, 不合适
MAX_REASON = 200
NOTIFY_TOP = 5
MARKABLE_RANKS = 2 * matching.CANDIDATES_PER_INDEX  # every candidate both indexes return


def own_need(graph, user, need_id: str, for_ranking: bool = False) -> dict:
    """The need when it is `user`'s company's own; NotFound otherwise (no hint it exists).
    `for_ranking`: with what ranking reads (vectors, stored requirements)."""
    need = graph.read(catalog.get_need, need_id, for_ranking)
    if not need or need["company"] != user.company:
        raise NotFound(_l("需求不存在"))
    return need


def save_need(graph, model: str, user, data: dict, existing: dict | None = None) -> dict:
    """Create or edit one of the user's company's needs; returns the row as stored. `existing`:
    the need as this request already read it (an edit); else a need that `data` names by id is
    read here (an id is created, or edited when it is the company's own)."""
    if data.get("id") and existing is None:
        existing = graph.read(catalog.get_need, data["id"])
    if existing and existing["company"] != user.company:
        raise NotFound(_l("需求不存在"))
    row = matching.need_row(user.company, data)
    matching.store_needs(graph, model, [row])
    _announce(graph, row)
    return row


def set_need_status(graph, user, need_id: str, status: str) -> dict:
    """Publish a draft, close or reopen a need; only its own anchor may. Returns the need."""
    if status not in matching.NEED_STATUSES:
        raise ValidationError(_l("未知状态“%(status)s”", status=status), field="status")
    need = own_need(graph, user, need_id, for_ranking=True)
    graph.write(catalog.set_need_status, need_id, status)
    need["status"] = status
    _announce(graph, need)
    return matching.shown(need, "need")


def _announce(graph, need: dict) -> int:
    """Tell the best-fitting suppliers about a need the first time it is open (never again on a
    reopening), ranked from the need as stored; returns how many were told."""
    clusters = graph.write(catalog.claim_announcement, need["id"])
    if clusters is None or need["visibility"] != "public":
        return 0
    result = matching.rank_need(graph, dict(need, clusters=clusters))
    # every 高 supplier, and the best one when it is 中 (at least an even bet on the dev sets)
    told = [m["company"] for i, m in enumerate(result["matches"])
            if m["tier"] == fit.HIGH or (i == 0 and m["tier"] == fit.MEDIUM)][:NOTIFY_TOP]
    notifications.send(graph, [(code, "matching_need", need["title"], "/suppliers/needs")
                               for code in told])
    return len(told)


def mark(graph, user, need_id: str, supplier: str, status: str | None,
         reason: str | None = None) -> None:
    """Shortlist or engage a supplier, which shows the anchor its contacts, or say it is not a
    fit (不合适, with an optional reason): only an approved supplier that the need's ranking
    found or that said it is interested (not any company whose credit code the anchor knows).
    Removing a mark is always allowed. Marks are kept as judgments, which `train-ranker`
    learns from."""
    if status not in (*MARKS, None):
        raise ValidationError(_l("未知标记“%(status)s”", status=status), field="status")
    reason = (reason or "").strip() if status == "not_a_fit" else ""
    if len(reason) > MAX_REASON:
        raise ValidationError(_l("原因不能超过%(n)s字", n=MAX_REASON), field="reason")
    need = own_need(graph, user, need_id, for_ranking=status is not None)
    if status is not None and supplier not in _markable(graph, need):
        raise NotFound(_l("该企业不在此需求的匹配结果或意向企业中"))
    graph.write(engagement_store.set_mark, need_id, supplier, status, reason, user.email)


def _markable(graph, need: dict) -> set[str]:
    """Approved suppliers in the need's whole ranking (any filter shows a subset of it) or
    interested in it."""
    ranked = matching.rank_need(graph, need, limit=MARKABLE_RANKS)["matches"]
    return {m["company"] for m in ranked} | {
        s["credit_code"] for s in graph.read(engagement_store.interested_in, need["id"])}


def for_need(graph, user, need: dict) -> dict:
    """What the anchor sees beside the ranking of its own `need` (as this request read it): its
    marks, the marked and the interested suppliers."""
    if need["company"] != user.company:
        raise NotFound(_l("需求不存在"))
    return {"marks": graph.read(engagement_store.marks_of, need["id"]),
            "marked": graph.read(engagement_store.marked_suppliers, need["id"]),
            "interested": graph.read(engagement_store.interested_in, need["id"])}


def public_need(graph, need_id: str) -> dict:
    """An open, public need of an approved anchor, as any approved supplier may read it."""
    need = graph.read(catalog.get_need, need_id)
    if not need or not matching.is_public(need):
        raise NotFound(_l("需求不存在或已关闭"))
    return matching.shown(need, "need")


def express_interest(graph, user, need_id: str, message: str = "") -> bool:
    """A supplier tells the anchor it can supply an open need (and may ask to meet)."""
    need = public_need(graph, need_id)
    message = (message or "").strip()
    if len(message) > 500:
        raise ValidationError(_l("留言不能超过500字"), field="message")
    added = graph.write(engagement_store.add_interest, need_id, user.company, message)
    if added:
        notifications.send(graph, [(need["company"], "interest", user.company_name or "",
                                    f"/needs/{need_id}")])
    return added


def interests_of(graph, user) -> set[str]:
    return set(graph.read(engagement_store.interests_of, user.company))
