"""Award proposals, decisions and their audit trail: gathers figures from the graph, applies the
rules (`incentives.rules`), and stores the result so that approved awards never change silently."""
from __future__ import annotations

import json
import time

from graph import audit, awards as award_store, ledger as ledger_store
from matchmaker.errors import Conflict, NotFound, ValidationError
from matchmaker.incentives import flags as integrity_flags
from matchmaker.incentives import rates, rules as rewards
from matchmaker.incentives.rules import AnchorYear, Granted, ParkYear, Proposal, StoredAward
from matchmaker.policy import Policy
from matchmaker.i18n import _l

COMPUTED_RULES = (rewards.INCREMENT, rewards.PARK_OUTPUT)
# The comment the system stores on an award it withdraws (its message id); only the system
# withdraws, so a withdrawn award's comment is this one, shown in the reader's language.
WITHDRAWN_COMMENT = _l("数据更新后不再符合条件")


def compute(graph, policy: Policy, year: int, actor: str, store: bool = True,
            anchor: str | None = None) -> dict:
    """Compute R1/R2 for `year`, resolve overlaps (R3), store proposals (R4) and report.
    `anchor` narrows it to that company's own awards: a preview for its pages, never stored
    (overlaps are resolved per subject, so its outcome is the same as in the full run)."""
    if anchor and store:
        raise ValueError("a computation narrowed to one anchor is never stored")
    period = policy.for_year(year)
    figures = rates.increment_figures(graph, policy, year, anchor)
    names = {f["anchor"]: f["name"] for f in figures}

    proposals, anchor_rows = [], []
    for f in figures:
        proposals.append(rewards.increment_award(period, AnchorYear(
            f["anchor"], tuple(f["clusters"]), year, f["local_fen"], f["has_data"],
            f["prev_local_fen"])))
        anchor_rows.append({k: f[k] for k in ("anchor", "name", "clusters", "prev_local_fen",
                                              "prev_source", "local_fen", "total_fen")}
                           | {"delta_fen": None if f["prev_local_fen"] is None
                              else f["local_fen"] - f["prev_local_fen"]})

    park_proposals, park_rows = ([], []) if anchor else _park_proposals(graph, period, year)
    proposals += park_proposals
    names |= {p["park"]: p["name"] for p in park_rows}
    stored = graph.read(award_store.awards, year, anchor)
    proposals += [_external_proposal(a) for a in stored
                  if a["rule"] not in COMPUTED_RULES and a["status"] in rewards.OPEN]
    granted = [Granted(a["key"], a["rule"], a["subject"], a["year"], a["amount_fen"])
               for a in stored if a["status"] == rewards.APPROVED]
    resolved = rewards.resolve_overlaps(proposals, period.overlapping_rules, granted)
    changes = rewards.plan_changes(resolved, [
        StoredAward(a["key"], a["base"], a["seq"], a["amount_fen"], a["status"], a["reason"])
        for a in stored])
    if store and changes:
        graph.write(_apply, changes, names, actor)
        stored = graph.read(award_store.awards, year)
    if store:  # the office sees what looks wrong in the figures behind the proposals
        integrity_flags.refresh(graph, year, figures)

    by_base = {p.base: p for p in resolved}
    records: dict[str, list[dict]] = {}
    for a in stored:
        records.setdefault(a["base"], []).append(a)
    for row in anchor_rows:
        row.update(_outcome(by_base[f"{rewards.INCREMENT}|{row['anchor']}|{year}"],
                            records))
    for row in park_rows:
        row.update(_outcome(by_base[f"{rewards.PARK_OUTPUT}|{row['park']}|{year}"], records))
    return {"year": year, "stored": store, "changes": len(changes), "anchors": anchor_rows,
            "parks": park_rows,
            "others": [_outcome(p, records) | {"subject": p.subject, "rule": p.rule}
                       for p in resolved if p.rule not in COMPUTED_RULES]}


def _park_proposals(graph, period, year: int) -> tuple[list[Proposal], list[dict]]:
    """R2 for every park: the proposals and the parks' rows."""
    earlier: dict[str, list[tuple[int, int]]] = {}
    for a in graph.read(award_store.earlier_awards, rewards.PARK_OUTPUT, year):
        earlier.setdefault(a["subject"], []).append((a["tier_fen"] or 0, a["amount_fen"]))
    rows = [{"park": p["park"], "name": p["name"], "output_fen": p["output_fen"]}
            for p in graph.read(ledger_store.park_output, [year])]
    return [rewards.park_award(period, ParkYear(r["park"], year, r["output_fen"],
                                                tuple(earlier.get(r["park"], ()))))
            for r in rows], rows


def _outcome(p: Proposal, records: dict[str, list[dict]]) -> dict:
    history = sorted(records.get(p.base, []), key=lambda a: a["seq"])
    latest = history[-1] if history else None
    return {"rule": p.rule, "award_fen": p.amount_fen, "status": latest["status"] if latest
            else p.status, "computed_status": p.status, "reason": p.reason,
            "reason_text": p.reason_text, "calculation": p.calculation,
            "superseded_by": p.superseded_by,
            "granted_fen": sum(a["amount_fen"] for a in history if a["status"] == "approved"),
            "award_key": latest["key"] if latest else None}


def _external_proposal(a: dict) -> Proposal:
    calculation = json.loads(a["calculation"] or "{}")
    return Proposal(a["rule"], a["subject"], a["year"], calculation.get("full_fen",
                    a["amount_fen"]), rewards.PROPOSED, "external", calculation)


def _row(change: rewards.Change, names: dict, now: int) -> dict:
    p = change.proposal
    seq = int(change.key.rsplit("|", 1)[1])
    return {"key": change.key, "base": p.base, "seq": seq, "kind": change.kind, "rule": p.rule,
            "subject": p.subject, "subject_name": names.get(p.subject, p.subject),
            "year": p.year, "amount_fen": change.amount_fen, "status": p.status,
            "reason": p.reason, "reason_text": p.reason_text.source(),
            "calculation": json.dumps(p.calculation, ensure_ascii=False),
            "superseded_by": p.superseded_by, "tier_fen": p.calculation.get("tier_fen"),
            "at": now}


def _apply(tx, changes: list[rewards.Change], names: dict, actor: str) -> None:
    now = int(time.time())
    events = []
    for change in changes:
        before = award_store.get_award(tx, change.key)
        if change.action == "create":
            row = _row(change, names, now)
            award_store.create_award(tx, row)
            events.append(audit.event(actor, f"award.{change.kind}", f"award:{change.key}", None,
                                      _public(row)))
        elif change.action == "update":
            row = _row(change, names, now)
            if not award_store.update_open_award(tx, change.key, row):
                raise Conflict(_l("奖励 %(key)s 已被审定，不能修改", key=change.key))
            events.append(audit.event(actor, "award.recompute", f"award:{change.key}",
                                      _public(before), _public(row)))
        else:
            if award_store.decide(tx, change.key, list(rewards.OPEN), rewards.WITHDRAWN, actor,
                                  WITHDRAWN_COMMENT.msgid, now):
                events.append(audit.event(actor, "award.withdraw", f"award:{change.key}",
                                          _public(before), {"status": rewards.WITHDRAWN}))
    audit.record(tx, events)


def _public(award: dict | None) -> dict | None:
    if award is None:
        return None
    return {k: award.get(k) for k in ("amount_fen", "status", "reason_text", "kind")}


def decide(graph, key: str, decision: str, comment: str, actor: str) -> dict:
    """R4: an organizer approves or rejects a proposal. Decided awards are immutable."""
    comment = (comment or "").strip()[:500]
    if decision not in ("approve", "reject"):
        raise ValidationError(_l("请选择批准或驳回"), field="decision")
    if decision == "reject" and not comment:
        raise ValidationError(_l("驳回时请填写意见"), field="comment")
    status = rewards.APPROVED if decision == "approve" else rewards.REJECTED
    allowed = [rewards.PROPOSED] if decision == "approve" else list(rewards.OPEN)

    def work(tx):
        before = award_store.get_award(tx, key)
        if before is None:
            raise NotFound(_l("没有这条奖励记录"))
        if not award_store.decide(tx, key, allowed, status, actor, comment, int(time.time())):
            now = STATUS_TEXT.get(before["status"])
            raise Conflict(_l("该奖励当前状态为“%(status)s”，不能批准", status=now)
                           if decision == "approve" else
                           _l("该奖励当前状态为“%(status)s”，不能驳回", status=now))
        audit.record(tx, [audit.event(actor, f"award.{decision}", f"award:{key}", _public(before),
                                      {"status": status, "comment": comment})])
        return award_store.get_award(tx, key)
    return graph.write(work)


def confirm_prior_year(graph, policy: Policy, anchor: str, year: int, local_fen: int,
                       actor: str) -> dict:
    """The organizer enters or confirms an anchor's local purchases for a year the ledger lacks
    (may be zero), then the next year's awards are recomputed."""
    if local_fen < 0:
        raise ValidationError(_l("本地采购额不能为负数"), field="local_yuan")
    roles = graph.read(ledger_store.company_roles, [anchor])
    if roles.get(anchor) != "anchor":
        raise NotFound(_l("没有这家主机企业"))

    def work(tx):
        result = ledger_store.set_baseline(tx, anchor, year, local_fen, actor, int(time.time()))
        audit.record(tx, [audit.event(actor, "baseline.confirm", f"baseline:{anchor}|{year}",
                                      {"local_fen": result["before"]} if result["before"]
                                      is not None else None, {"local_fen": local_fen})])
    graph.write(work)
    return compute(graph, policy, year + 1, actor)


def add_other_award(graph, policy: Policy, rule: str, subject: str, year: int,
                    amount_fen: int, note: str, actor: str) -> dict:
    """Record an award the same subject gets for the same year under another policy document,
    so R3 (no double award, highest wins) can weigh it against the computed ones."""
    period = policy.for_year(year)
    overlapping = {r for group in period.overlapping_rules for r in group} - set(COMPUTED_RULES)
    if rule not in overlapping:
        choices = "、".join(sorted(overlapping)) or "无"
        raise ValidationError(_l("“%(rule)s”不在政策配置的重复奖励规则中（可选：%(choices)s）", rule=rule,
                              choices=choices),
                              field="rule")
    if amount_fen <= 0:
        raise ValidationError(_l("金额必须大于0"), field="amount_yuan")
    if not graph.read(ledger_store.company_roles, [subject]):
        raise NotFound(_l("没有这家企业"))
    proposal = Proposal(rule, subject, year, amount_fen, rewards.PROPOSED, "external",
                        {"note": (note or "")[:200], "full_fen": amount_fen})
    key = f"{proposal.base}|0"

    def work(tx):
        if award_store.get_award(tx, key):
            raise Conflict(_l("该企业本年度已登记此项奖励"))
        row = _row(rewards.Change("create", key, proposal, amount_fen, "external"), {}, int(
            time.time()))
        award_store.create_award(tx, row)
        audit.record(tx, [audit.event(actor, "award.external", f"award:{key}", None, _public(row))])
    graph.write(work)
    return compute(graph, policy, year, actor)


STATUS_TEXT = {
    rewards.PROPOSED: _l("待审定"), rewards.APPROVED: _l("已批准"), rewards.REJECTED: _l("已驳回"),
    rewards.NOT_COMPUTABLE: _l("无法计算"), rewards.SUPERSEDED: _l("不重复计奖（被替代）"),
    rewards.WITHDRAWN: _l("已撤回"), rewards.NO_AWARD: _l("不奖励"),
}


def records(graph, year: int | None = None, subject: str | None = None) -> list[dict]:
    """Stored awards, newest year first, each reason (and the system's comment on a withdrawn
    one) in the reader's language; organizers' comments as they wrote them."""
    out = graph.read(award_store.awards, year, subject)
    for a in out:
        a["reason_text"] = rewards.reason_text(a["reason"], json.loads(a["calculation"] or "{}"))
        if a["status"] == rewards.WITHDRAWN and a["comment"] == WITHDRAWN_COMMENT.msgid:
            a["comment"] = WITHDRAWN_COMMENT
    return out
