"""Integrity flags as the office works with them: raised by the rules in `integrity` each time
award proposals are stored, kept under a stable key so that the office's review survives a
recomputation (a review made on other evidence is shown as such), and shown to organizers only.
A flag never changes an award: approving or rejecting stays the office's decision."""
from __future__ import annotations

import hashlib
import json
import time
from datetime import date

from graph import audit, awards as award_store, integrity as integrity_store
from matchmaker import clock
from matchmaker.incentives import rules as rewards
from matchmaker.errors import NotFound, ValidationError
from matchmaker.incentives import integrity
from matchmaker.i18n import _l

MAX_COMMENT = 500


def refresh(graph, year: int, figures: list[dict]) -> int:
    """Compute the flags of award year `year` and store them; `figures`: each anchor's local
    purchases (ledger.increment_figures). Returns how many flags are raised."""
    start, until = (d.isoformat() for d in integrity.window(year))
    anchors = [f["anchor"] for f in figures]

    def gather(tx):
        trade = integrity_store.trade(tx, year, until)
        return trade, integrity_store.companies(tx, sorted(set(anchors) | set(trade["suppliers"])))
    trade, records = graph.read(gather)
    companies = {c.code: c for c in map(_company, records)}
    screen = integrity.screen(year, companies, anchors, trade["suppliers"], trade["buyers"],
                              [tuple(k.split("|")) for k in trade["credited"]])
    purchases = [integrity.Purchase(anchor, supplier, invoice, date.fromisoformat(day), amount)
                 for anchor, supplier, invoice, day, amount in graph.read(
                     integrity_store.screened_purchases, year, start, until, anchors, screen.as_params())]
    growth = [integrity.AnchorGrowth(f["anchor"], tuple(f["clusters"]), f["prev_local_fen"],
                                     f["local_fen"]) for f in figures]
    found = integrity.flags(year, purchases, companies, growth)
    rows = []
    for flag in found:
        evidence = json.dumps(flag.evidence, ensure_ascii=False, sort_keys=True)
        rows.append({"key": flag.key, "rule": flag.rule, "anchor": flag.anchor,
                     "anchor_name": companies[flag.anchor].name if flag.anchor in companies
                     else flag.anchor, "about": flag.about, "evidence": evidence,
                     "fingerprint": hashlib.sha256(evidence.encode()).hexdigest()[:16]})
    graph.write(integrity_store.save_flags, year, rows, int(time.time()))
    return len(found)


def _company(record: dict) -> integrity.Company:
    created = record["created_at"]
    decisions = sorted(record["decisions"] or [], key=lambda d: d["at"])
    return integrity.Company(
        code=record["code"], name=record["name"] or record["code"],
        status=record["status"] or "pending",
        registered=clock.day_of(created.to_native()) if created else None,
        decisions=tuple(integrity.Decision(clock.day_of(d["at"]), _status(d["before"]),
                                           _status(d["after"]) or "pending")
                        for d in decisions),
        legal_representative=record["legal_representative"] or "",
        phone=record["phone"] or "", address=record["address"] or "")


def _status(state: str | None) -> str | None:
    return (json.loads(state) or {}).get("status") if state else None


def year_review(graph, year: int) -> list[dict]:
    """The active flags of `year` grouped by anchor, largest award first, each group with the
    anchor's award (its latest record), each flag with its evidence and review state: 'open',
    'reviewed', or 'changed' (reviewed, but the evidence has changed since)."""
    def work(tx):
        return integrity_store.flags(tx, year), award_store.awards(tx, year)
    flags, awards = graph.read(work)
    latest = {}
    for a in awards:
        if a["rule"] == rewards.INCREMENT and a["seq"] >= latest.get(a["subject"], {}).get("seq", -1):
            latest[a["subject"]] = a
    groups: dict[str, dict] = {}
    for f in flags:
        group = groups.setdefault(f["anchor"], {"anchor": f["anchor"], "name": f["anchor_name"],
                                                "award": latest.get(f["anchor"]), "flags": [],
                                                "open": 0})
        f["evidence"] = json.loads(f["evidence"])
        f["state"] = ("open" if not f["reviewed_by"] else "reviewed"
                      if f["reviewed_fingerprint"] == f["fingerprint"] else "changed")
        group["open"] += f["state"] != "reviewed"
        group["flags"].append(f)
    return sorted(groups.values(), key=lambda g: (-(g["award"] or {}).get("amount_fen", 0),
                                                  g["name"]))


def review(graph, key: str, comment: str, actor: str) -> dict:
    """The office notes what it found about a flag; on the audit trail like its other acts."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_l("请填写核查意见"), field="comment")
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_l("核查意见不能超过%(MAX_COMMENT)s字", MAX_COMMENT=MAX_COMMENT),
                              field="comment")

    def work(tx):
        before = integrity_store.get_flag(tx, key)
        if before is None:
            raise NotFound(_l("没有这条异常提示"))
        integrity_store.review(tx, key, comment, actor, int(time.time()))
        audit.record(tx, [audit.event(
            actor, "flag.review", f"flag:{key}",
            {"comment": before["review_comment"], "by": before["reviewed_by"]}
            if before["reviewed_by"] else None,
            {"comment": comment, "fingerprint": before["fingerprint"]})])
        return integrity_store.get_flag(tx, key)
    return graph.write(work)
