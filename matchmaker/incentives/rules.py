"""Policy rules R0–R4 as plain functions over plain data (see docs/policy.md).

Nothing here knows Flask or the graph: the service gathers figures (aggregated in the graph),
these functions turn them into rates and award proposals, and `plan_changes` says how stored
awards must change so that approved awards stay immutable and corrections become adjustments.
Money is integer fen throughout.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from matchmaker.i18n import Text, _l
from matchmaker.money import yuan
from matchmaker.policy import Period

INCREMENT = "R1"
PARK_OUTPUT = "R2"

# Award states. Open ones may still change on recomputation; decided ones never do.
PROPOSED, NOT_COMPUTABLE, SUPERSEDED = "proposed", "not_computable", "superseded"
APPROVED, REJECTED, WITHDRAWN, NO_AWARD = "approved", "rejected", "withdrawn", "no_award"
OPEN = (PROPOSED, NOT_COMPUTABLE, SUPERSEDED)

# Why a proposal came out as it did: a message id whose parameters are read from the proposal's
# calculation when it is shown (`reason_text`), in the language of whoever reads it.
REASONS = {
    "increment": _l("本地采购额比上年新增%(units)s个%(step)s，每个奖励%(award)s"),
    "below_step": _l("本地采购增量%(delta)s不足%(step)s"),
    "decrease": _l("本地采购额比上年减少或持平"),
    "not_designated_cluster": _l("非指定产业集群的主机企业，不适用本条"),
    "no_prior_year_data": _l("缺少%(prev_year)s年采购数据，无法计算，请组织方录入或确认上年本地采购额（可为0）"),
    "no_data": _l("本年度无采购数据"),
    "tier_reached": _l("年配套产值%(output)s达到%(threshold)s档，奖励%(award)s"),
    "tier_top_up": _l("年配套产值%(output)s达到%(threshold)s档，已获%(paid)s，补发差额"),
    "tier_already_awarded": _l("该档及以上奖励已发放（每档只奖一次）"),
    "below_threshold": _l("年配套产值%(output)s未达到%(threshold)s"),
    "superseded": _l("与%(winner)s重复，按就高不就低原则不重复计奖"),
    "top_up_over_granted": _l("已获%(winner)s奖励%(granted)s，按就高不就低原则补差"),
    "external": _l("其他政策文件的奖励（组织方登记）：%(note)s"),
}


# ---------------------------------------------------------------------------------- R0 rates

def rate(local_fen: int, total_fen: int) -> Decimal | None:
    """Local supporting rate as a percentage with one decimal; None when there were no purchases."""
    if total_fen <= 0:
        return None
    return (Decimal(local_fen) * 100 / Decimal(total_fen)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def meets(local_fen: int, total_fen: int, target_pct: int) -> bool | None:
    """Exact comparison in integers, so 39.96% never rounds up to meet a 40% target."""
    if total_fen <= 0:
        return None
    return local_fen * 100 >= target_pct * total_fen


def rate_row(local_fen: int, total_fen: int, period: Period) -> dict:
    value = rate(local_fen, total_fen)
    return {"local_fen": local_fen, "total_fen": total_fen,
            "rate_pct": None if value is None else str(value),
            "meets_phase1": meets(local_fen, total_fen, period.rate_target_phase1_pct),
            "meets_phase2": meets(local_fen, total_fen, period.rate_target_phase2_pct)}


# ------------------------------------------------------------------------------- proposals

@dataclass(frozen=True)
class Proposal:
    rule: str
    subject: str
    year: int
    amount_fen: int
    status: str
    reason: str
    calculation: dict = field(default_factory=dict)
    superseded_by: str | None = None

    @property
    def base(self) -> str:
        """Identity of an award across recomputations: one rule, one subject, one year."""
        return f"{self.rule}|{self.subject}|{self.year}"

    @property
    def reason_text(self) -> Text:
        return reason_text(self.reason, self.calculation)


def reason_text(reason: str, calculation: dict) -> Text:
    """The reason in words, money as yuan; "?" for a figure the calculation lacks."""
    template = REASONS.get(reason)
    if template is None:
        return Text(reason)
    values = {k: (yuan(v) if k.endswith("_fen") or k in MONEY_KEYS else v)
              for k, v in calculation.items()}
    return Text(template.msgid, {k: values.get(k, "?")
                                 for k in re.findall(r"%\((\w+)\)s", template.msgid)})


MONEY_KEYS = {"step", "award", "delta", "output", "threshold", "paid", "granted"}


@dataclass(frozen=True)
class AnchorYear:
    """What R1 needs to know about one anchor for one year."""
    anchor: str
    clusters: tuple[str, ...]
    year: int
    local_fen: int
    has_data: bool                 # any purchase recorded for the anchor in `year`
    prev_local_fen: int | None     # None: no data for year-1 and no confirmed figure


def increment_award(period: Period, figures: AnchorYear) -> Proposal:
    """R1: floor(Δ / step) × award when Δ ≥ step; not computable without prior-year data."""
    calc = {"prev_year": figures.year - 1, "prev_local_fen": figures.prev_local_fen,
            "local_fen": figures.local_fen, "step": period.increment_step_fen,
            "award": period.increment_award_fen}

    def result(amount, status, reason, **extra):
        return Proposal(INCREMENT, figures.anchor, figures.year, amount, status, reason,
                        {**calc, **extra})

    if not set(figures.clusters) & set(period.designated_clusters):
        return result(0, NO_AWARD, "not_designated_cluster")
    if not figures.has_data:
        return result(0, NO_AWARD, "no_data")
    if figures.prev_local_fen is None:
        return result(0, NOT_COMPUTABLE, "no_prior_year_data")
    delta = figures.local_fen - figures.prev_local_fen
    if delta <= 0:
        return result(0, NO_AWARD, "decrease", delta=delta)
    units = delta // period.increment_step_fen
    if units == 0:
        return result(0, NO_AWARD, "below_step", delta=delta)
    return result(units * period.increment_award_fen, PROPOSED, "increment", delta=delta,
                  units=units)


@dataclass(frozen=True)
class ParkYear:
    park: str
    year: int
    output_fen: int
    earlier_tiers: tuple[tuple[int, int], ...] = ()   # (tier threshold, amount) awarded before


def park_award(period: Period, figures: ParkYear) -> Proposal:
    """R2: one-time tier award; both tiers in one year pay only the higher; a later higher tier
    pays the difference when `park_top_up` (else the full higher award)."""
    reached = [t for t in period.park_tiers if figures.output_fen >= t.threshold_fen]
    calc = {"output": figures.output_fen}

    def result(amount, status, reason, **extra):
        return Proposal(PARK_OUTPUT, figures.park, figures.year, amount, status, reason,
                        {**calc, **extra})

    if not reached:
        return result(0, NO_AWARD, "below_threshold",
                      threshold=period.park_tiers[0].threshold_fen if period.park_tiers else 0)
    top = reached[-1]
    calc.update(threshold=top.threshold_fen, tier_fen=top.threshold_fen, award=top.award_fen)
    if any(threshold >= top.threshold_fen for threshold, _ in figures.earlier_tiers):
        return result(0, NO_AWARD, "tier_already_awarded")
    paid = sum(amount for _, amount in figures.earlier_tiers)
    if paid and period.park_top_up:
        return result(max(top.award_fen - paid, 0), PROPOSED, "tier_top_up", paid=paid)
    return result(top.award_fen, PROPOSED, "tier_reached")


# ----------------------------------------------------------------------------- R3 overlaps

@dataclass(frozen=True)
class Granted:
    """An approved award of another rule that overlaps (same subject and year)."""
    key: str
    rule: str
    subject: str
    year: int
    amount_fen: int


def resolve_overlaps(proposals: list[Proposal], groups: tuple[tuple[str, ...], ...],
                     granted: list[Granted] = ()) -> list[Proposal]:
    """R3: within a group of overlapping rules only the highest award for a subject and year is
    granted. Lower proposals become superseded (pointing at the winner); a higher proposal over
    an already approved one is reduced to the difference, so the total equals the highest."""
    out = list(proposals)
    for group in groups:
        contenders: dict[tuple[str, int], list[int]] = {}
        for i, p in enumerate(out):
            if p.rule in group and p.status == PROPOSED:
                contenders.setdefault((p.subject, p.year), []).append(i)
        for (subject, year), indexes in contenders.items():
            fixed = [g for g in granted if g.rule in group and g.subject == subject
                     and g.year == year and g.rule not in {out[i].rule for i in indexes}]
            best_fixed = max(fixed, key=lambda g: g.amount_fen, default=None)
            indexes.sort(key=lambda i: (-out[i].amount_fen, group.index(out[i].rule)))
            winner = out[indexes[0]]
            if best_fixed and best_fixed.amount_fen >= winner.amount_fen:
                losers, winner_key = indexes, best_fixed.key
            else:
                losers, winner_key = indexes[1:], winner.base
                if best_fixed:
                    out[indexes[0]] = replace(
                        winner, amount_fen=winner.amount_fen - best_fixed.amount_fen,
                        reason="top_up_over_granted",
                        calculation={**winner.calculation, "winner": best_fixed.rule,
                                     "granted": best_fixed.amount_fen,
                                     "full_fen": winner.amount_fen})
            for i in losers:
                out[i] = replace(out[i], status=SUPERSEDED, reason="superseded",
                                 superseded_by=winner_key,
                                 calculation={**out[i].calculation, "winner": winner_key})
    return out


# -------------------------------------------------------------------------- R4 stored state

@dataclass(frozen=True)
class StoredAward:
    key: str           # base|seq
    base: str
    seq: int
    amount_fen: int
    status: str
    reason: str = ""


@dataclass(frozen=True)
class Change:
    action: str        # create | update | withdraw
    key: str
    proposal: Proposal | None = None
    amount_fen: int = 0
    kind: str = "original"   # original | adjustment


def plan_changes(computed: list[Proposal], stored: list[StoredAward]) -> list[Change]:
    """How stored awards must change to reflect a fresh computation.

    Approved and rejected records are never touched. When the approved total differs from the
    computed amount, an adjustment proposal (positive or negative) is opened for the difference.
    Open records follow the computation; a computation that no longer yields an award withdraws
    them. Zero results with nothing stored are not stored."""
    by_base: dict[str, list[StoredAward]] = {}
    for s in stored:
        by_base.setdefault(s.base, []).append(s)
    changes: list[Change] = []
    for p in computed:
        records = sorted(by_base.pop(p.base, []), key=lambda s: s.seq)
        changes += _changes_for(p, records)
    for records in by_base.values():  # stored awards whose subject no longer computes at all
        changes += [Change("withdraw", s.key) for s in records if s.status in OPEN]
    return changes


def _changes_for(p: Proposal, records: list[StoredAward]) -> list[Change]:
    open_ = [s for s in records if s.status in OPEN]
    approved_total = sum(s.amount_fen for s in records if s.status == APPROVED)
    next_key = f"{p.base}|{(records[-1].seq + 1) if records else 0}"
    storable = p.status in OPEN

    if any(s.status == APPROVED for s in records):
        if p.status == NOT_COMPUTABLE:
            return []
        target = p.amount_fen if p.status == PROPOSED else 0
        difference = target - approved_total
        if difference == 0:
            return [Change("withdraw", s.key) for s in open_]
        adjusted = replace(p, status=PROPOSED, amount_fen=difference)
        if open_ and open_[-1].amount_fen == difference and open_[-1].status == PROPOSED:
            return []
        if open_:
            return [Change("update", open_[-1].key, adjusted, difference, "adjustment")]
        return [Change("create", next_key, adjusted, difference, "adjustment")]

    if open_:
        current = open_[-1]
        if not storable:
            return [Change("withdraw", current.key)]
        if (current.amount_fen, current.status, current.reason) == (p.amount_fen, p.status,
                                                                     p.reason):
            return []
        return [Change("update", current.key, p, p.amount_fen, "original")]

    rejected = [s for s in records if s.status == REJECTED]
    if rejected and rejected[-1].amount_fen == p.amount_fen:
        return []  # the organizer already said no to exactly this
    if storable:
        return [Change("create", next_key, p, p.amount_fen, "original")]
    return []
