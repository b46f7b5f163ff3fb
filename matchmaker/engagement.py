"""After matching: anchors shortlist and engage suppliers for a need, suppliers say they are
interested, and the right side hears about it."""
from __future__ import annotations

from graph import catalog
from graph import engagement as store
from matchmaker import notifications
from matchmaker.errors import NotFound, ValidationError
from matchmaker.matching import fit
from matchmaker.matching import service as matching

MARKS = ("shortlisted", "engaged", "not_a_fit")  # 候选, 已对接, 不合适
MAX_REASON = 200
NOTIFY_TOP = 5
MARKABLE_RANKS = 2 * matching.CANDIDATES_PER_INDEX  # every candidate both indexes return


def own_need(graph, user, need_id: str) -> dict:
    """The need when it is `user`'s company's own; NotFound otherwise (no hint it exists)."""
    need = graph.read(catalog.get_need, need_id)
    if not need or need["company"] != user.company:
        raise NotFound("需求不存在")
    return need


def mark(graph, user, need_id: str, supplier: str, status: str | None,
         reason: str | None = None) -> None:
    """Shortlist or engage a supplier, which shows the anchor its contacts, or say it is not a
    fit (不合适, with an optional reason): only an approved supplier that the need's ranking
    found or that said it is interested (not any company whose credit code the anchor knows).
    Removing a mark is always allowed. Marks are kept as judgments, which `train-ranker`
    learns from."""
    if status not in (*MARKS, None):
        raise ValidationError(f"未知标记“{status}”", field="status")
    reason = (reason or "").strip() if status == "not_a_fit" else ""
    if len(reason) > MAX_REASON:
        raise ValidationError(f"原因不能超过{MAX_REASON}字", field="reason")
    own_need(graph, user, need_id)
    if status is not None and supplier not in _markable(graph, user, need_id):
        raise NotFound("该企业不在此需求的匹配结果或意向企业中")
    graph.write(store.set_mark, need_id, supplier, status, reason, user.email)


def _markable(graph, user, need_id: str) -> set[str]:
    """Approved suppliers in the need's whole ranking (any filter shows a subset of it) or
    interested in it."""
    ranked = matching.match_need(graph, need_id, user, limit=MARKABLE_RANKS)["matches"]
    return {m["company"] for m in ranked} | {
        s["credit_code"] for s in graph.read(store.interested_in, need_id)}


def for_need(graph, user, need_id: str) -> dict:
    """What the anchor sees beside the ranking: its marks, the marked and interested suppliers."""
    own_need(graph, user, need_id)
    return {"marks": graph.read(store.marks_of, need_id),
            "marked": graph.read(store.marked_suppliers, need_id),
            "interested": graph.read(store.interested_in, need_id)}


def express_interest(graph, user, need_id: str, message: str = "") -> bool:
    """A supplier tells the anchor it can supply an open need (and may ask to meet)."""
    need = graph.read(catalog.get_need, need_id)
    if not need or not matching.is_public(need):
        raise NotFound("需求不存在或已关闭")
    message = (message or "").strip()
    if len(message) > 500:
        raise ValidationError("留言不能超过500字", field="message")
    added = graph.write(store.add_interest, need_id, user.company, message)
    if added:
        notifications.send(graph, [(need["company"], "interest", user.company_name or "",
                                    f"/needs/{need_id}")])
    return added


def interests_of(graph, user) -> set[str]:
    return set(graph.read(store.interests_of, user.company))


def save_need(graph, model: str, user, data: dict) -> str:
    """Save (create or edit) a need; the first time it is open, the best-fitting suppliers hear."""
    need_id = matching.save_need(graph, model, user.company, data)
    _announce(graph, user, need_id)
    return need_id


def set_need_status(graph, user, need_id: str, status: str) -> None:
    """Publish a draft, close or reopen a need; only its own anchor may."""
    if status not in matching.NEED_STATUSES:
        raise ValidationError(f"未知状态“{status}”", field="status")
    own_need(graph, user, need_id)
    graph.write(catalog.set_need_status, need_id, status)
    _announce(graph, user, need_id)


def _announce(graph, user, need_id: str) -> int:
    """Tell the best-fitting suppliers about a need the first time it is open (never again on a
    reopening); returns how many were told."""
    if not graph.write(catalog.claim_announcement, need_id):
        return 0
    result = matching.match_need(graph, need_id, user)
    if result["need"]["visibility"] != "public":
        return 0
    # every 高 supplier, and the best one when it is 中 (at least an even bet on the dev sets)
    told = [m["company"] for i, m in enumerate(result["matches"])
            if m["tier"] == fit.HIGH or (i == 0 and m["tier"] == fit.MEDIUM)][:NOTIFY_TOP]
    notifications.send(graph, [(code, "matching_need", result["need"]["title"],
                                "/suppliers/needs") for code in told])
    return len(told)
