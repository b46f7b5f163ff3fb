"""Fast tests of the pure reward rules (no graph): worked arithmetic and properties."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, strategies as st

from matchmaker.incentives import rules as rewards
from matchmaker.incentives.rules import AnchorYear, Granted, ParkYear, Proposal, StoredAward
from matchmaker.policy import parse

PERIOD = parse(Path("matchmaker/policy.toml").read_text(encoding="utf-8")).for_year(2025)
STEP, UNIT = PERIOD.increment_step_fen, PERIOD.increment_award_fen
fen = st.integers(min_value=0, max_value=10**13)


def r1(prev, local, clusters=("CM",)):
    return rewards.increment_award(PERIOD, AnchorYear("a", clusters, 2025, local, True, prev))


@given(prev=fen, local=fen)
def test_increment_award_arithmetic(prev, local):
    p = r1(prev, local)
    delta = local - prev
    assert p.amount_fen == (delta // STEP) * UNIT if delta >= STEP else p.amount_fen == 0
    assert p.amount_fen % UNIT == 0 and isinstance(p.amount_fen, int)
    assert (p.status == "proposed") == (p.amount_fen > 0)


@given(prev=fen, local=fen, extra=fen)
def test_more_local_purchases_never_lower_the_award(prev, local, extra):
    assert r1(prev, local + extra).amount_fen >= r1(prev, local).amount_fen


def test_increment_edges():
    assert r1(0, STEP - 1).amount_fen == 0
    assert r1(0, STEP).amount_fen == UNIT
    assert r1(None, 5 * STEP).status == "not_computable"
    assert r1(0, 5 * STEP, ("EI",)).reason == "not_designated_cluster"
    assert "不足" in r1(0, STEP - 1).reason_text and "¥" in r1(0, STEP - 1).reason_text


def park(output, earlier=()):
    return rewards.park_award(PERIOD, ParkYear("P", 2025, output, tuple(earlier)))


def test_park_tiers():
    low, high = PERIOD.park_tiers
    assert park(low.threshold_fen - 1).amount_fen == 0
    assert park(low.threshold_fen).amount_fen == low.award_fen
    assert park(high.threshold_fen + 1).amount_fen == high.award_fen  # not both tiers
    top_up = park(high.threshold_fen, [(low.threshold_fen, low.award_fen)])
    assert top_up.amount_fen == high.award_fen - low.award_fen
    assert park(high.threshold_fen, [(high.threshold_fen, high.award_fen)]).amount_fen == 0
    assert park(low.threshold_fen, [(high.threshold_fen, high.award_fen)]).amount_fen == 0


@given(st.lists(st.integers(min_value=0, max_value=3 * 10**11), min_size=1, max_size=6))
def test_park_awards_over_the_years_never_exceed_the_top_tier(outputs):
    earlier, paid = [], 0
    for output in outputs:
        p = park(output, earlier)
        if p.amount_fen:
            earlier.append((p.calculation["tier_fen"], p.amount_fen))
            paid += p.amount_fen
    assert paid <= PERIOD.park_tiers[-1].award_fen


@given(st.lists(st.tuples(st.sampled_from(["R1", "OTHER"]), st.sampled_from(["a", "b"]),
                          st.integers(min_value=1, max_value=10**9)), min_size=1, max_size=6,
                unique_by=lambda t: (t[0], t[1])))
def test_overlapping_awards_leave_one_winner_with_the_highest_amount(items):
    proposals = [Proposal(rule, subject, 2025, amount, "proposed", "x")
                 for rule, subject, amount in items]
    resolved = rewards.resolve_overlaps(proposals, (("R1", "OTHER"),))
    for subject in {s for _, s, _ in items}:
        mine = [p for p in resolved if p.subject == subject]
        winners = [p for p in mine if p.status == "proposed"]
        assert len(winners) == 1
        assert winners[0].amount_fen == max(p.amount_fen for p in mine)
        assert all(p.superseded_by == winners[0].base for p in mine if p is not winners[0])


def test_higher_award_over_an_approved_one_pays_the_difference():
    granted = [Granted("OTHER|a|2025|0", "OTHER", "a", 2025, 40)]
    [p] = rewards.resolve_overlaps([Proposal("R1", "a", 2025, 90, "proposed", "x")],
                                   (("R1", "OTHER"),), granted)
    assert (p.amount_fen, p.reason) == (50, "top_up_over_granted")
    [p] = rewards.resolve_overlaps([Proposal("R1", "a", 2025, 30, "proposed", "x")],
                                   (("R1", "OTHER"),), granted)
    assert (p.status, p.superseded_by) == ("superseded", "OTHER|a|2025|0")


def apply(changes, stored):
    """What the service does with a plan, on plain records."""
    by_key = {s.key: s for s in stored}
    for c in changes:
        if c.action == "withdraw":
            by_key[c.key] = StoredAward(c.key, by_key[c.key].base, by_key[c.key].seq,
                                        by_key[c.key].amount_fen, "withdrawn")
        else:
            seq = int(c.key.rsplit("|", 1)[1])
            assert c.key not in by_key or by_key[c.key].status in rewards.OPEN
            by_key[c.key] = StoredAward(c.key, c.proposal.base, seq, c.amount_fen,
                                        c.proposal.status, c.proposal.reason)
    return list(by_key.values())


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=20),
                          st.sampled_from(["approve", "reject", "wait"])), min_size=1,
                max_size=6))
def test_recomputation_never_touches_decisions_and_converges(history):
    """Whatever sequence of computed amounts and decisions: decided records never change, and
    once everything open is approved the approved total equals the latest computed amount."""
    stored: list[StoredAward] = []
    for units, decision in history:
        p = r1(0, units * STEP)
        decided = {s.key: s for s in stored if s.status not in rewards.OPEN}
        stored = apply(rewards.plan_changes([p], stored), stored)
        assert all(s == decided[s.key] for s in stored if s.key in decided)
        if decision != "wait":
            stored = [StoredAward(s.key, s.base, s.seq, s.amount_fen,
                                  "approved" if decision == "approve" else "rejected", s.reason)
                      if s.status == "proposed" else s for s in stored]
    final = r1(0, history[-1][0] * STEP)
    stored = apply(rewards.plan_changes([final], stored), stored)
    stored = [StoredAward(s.key, s.base, s.seq, s.amount_fen, "approved", s.reason)
              if s.status == "proposed" else s for s in stored]
    if not any(s.status == "rejected" for s in stored):
        assert sum(s.amount_fen for s in stored if s.status == "approved") == final.amount_fen


def test_rate_is_exact_at_the_target():
    assert rewards.rate(60, 150) == rewards.rate(2, 5)
    assert str(rewards.rate(60, 150)) == "40.0"
    assert rewards.meets(3996, 10_000, 40) is False   # 39.96% rounds to 40.0 but does not meet
    assert rewards.rate(0, 0) is None and rewards.meets(0, 0, 40) is None
