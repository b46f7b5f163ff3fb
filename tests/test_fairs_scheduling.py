"""Fair scheduler (pure, real CP-SAT): hard constraints, clear refusals, stability on re-run."""
from __future__ import annotations

import random

import pytest

from matchmaker.fairs import scheduling
from matchmaker.fairs.scheduling import Meeting, Participant, ScheduleInfeasible, meeting_value


def fair(n_anchors=4, n_suppliers=10, slots=6, requests=30, seed=1, away=True):
    rng = random.Random(seed)
    people = {}
    for pid in [f"A{i}" for i in range(n_anchors)] + [f"S{i}" for i in range(n_suppliers)]:
        gone = rng.randrange(slots) if away and rng.random() < 0.5 else None
        people[pid] = Participant(pid, pid, frozenset(s for s in range(slots) if s != gone),
                                  max_meetings=rng.choice([3, 4, slots]))
    pairs = sorted({(f"A{rng.randrange(n_anchors)}", f"S{rng.randrange(n_suppliers)}")
                    for _ in range(requests)})
    meetings = [Meeting(f"M{i}", a, b, meeting_value(rng.choice(["must", "meet"]), "meet",
                                                     round(rng.random() * 100)))
                for i, (a, b) in enumerate(pairs)]
    return people, meetings


def assert_valid(people, meetings, result, slots, tables):
    by_id = {m.id: m for m in meetings}
    seen_person, seen_table = set(), set()
    count: dict[str, int] = {}
    for mid, (slot, table) in result.placements.items():
        m = by_id[mid]
        assert 0 <= slot < slots and 0 <= table < tables
        assert (slot, table) not in seen_table, "two meetings at one table"
        seen_table.add((slot, table))
        for pid in (m.anchor, m.supplier):
            assert (pid, slot) not in seen_person, f"{pid} double-booked in slot {slot}"
            seen_person.add((pid, slot))
            assert slot in people[pid].available, f"{pid} not available in slot {slot}"
            count[pid] = count.get(pid, 0) + 1
    for pid, n in count.items():
        assert n <= people[pid].max_meetings


@pytest.mark.parametrize("seed", range(5))
def test_hard_constraints_hold(seed):
    people, meetings = fair(seed=seed)
    result = scheduling.solve(people, meetings, slots=6, tables=3, time_limit=5)
    assert_valid(people, meetings, result, 6, 3)
    assert len(result.placements) + len(result.unscheduled) == len(meetings)
    assert result.bound >= result.objective and 0 <= result.gap <= 1


def test_table_limit_binds():
    people = {p: Participant(p, p, frozenset(range(2)), 2) for p in ["A", "B", "S1", "S2", "S3"]}
    meetings = [Meeting("1", "A", "S1", 1050), Meeting("2", "B", "S2", 1040),
                Meeting("3", "A", "S3", 1030), Meeting("4", "B", "S3", 1020)]
    result = scheduling.solve(people, meetings, slots=2, tables=1, time_limit=3)
    assert_valid(people, meetings, result, 2, 1)
    assert len(result.placements) == 2 and result.status == "optimal"
    assert set(result.placements) == {"1", "2"}      # the two most valuable fit


def test_mutual_must_meet_beats_higher_scores():
    people = {p: Participant(p, p, frozenset({0}), 1) for p in ["A", "S1", "S2"]}
    meetings = [Meeting("meet", "A", "S1", meeting_value("meet", "meet", 99)),
                Meeting("must", "A", "S2", meeting_value("must", "must", 10), must=True)]
    result = scheduling.solve(people, meetings, slots=1, tables=5, time_limit=3)
    assert set(result.placements) == {"must"} and result.unscheduled == ["meet"]


def test_no_thanks_is_never_scheduled():
    assert meeting_value("no", "must", 100) == 0
    people = {p: Participant(p, p, frozenset({0, 1}), 2) for p in ["A", "S"]}
    result = scheduling.solve(people, [Meeting("x", "A", "S", 0)], 2, 1, time_limit=2)
    assert result.placements == {} and result.unscheduled == ["x"]


def test_more_must_meets_than_slots_is_refused_with_names():
    people = {"A": Participant("A", "星联重工", frozenset({0, 1}), 5)}
    people.update({f"S{i}": Participant(f"S{i}", f"配套{i}", frozenset({0, 1}), 5)
                   for i in range(3)})
    meetings = [Meeting(f"M{i}", "A", f"S{i}", meeting_value("must", "must", 50), must=True)
                for i in range(3)]
    with pytest.raises(ScheduleInfeasible) as error:
        scheduling.solve(people, meetings, slots=2, tables=5)
    assert "星联重工 有 3 场双方必见会谈，但最多只能安排 2 场" in str(error.value)


def test_must_meet_without_common_time_is_refused():
    people = {"A": Participant("A", "星联重工", frozenset({0}), 3),
              "S": Participant("S", "浏阳液压", frozenset({1}), 3)}
    with pytest.raises(ScheduleInfeasible, match="没有共同的空闲时段"):
        scheduling.solve(people, [Meeting("m", "A", "S", 10_050, must=True)], 2, 1)


def test_breaks_in_a_day_are_avoided():
    people = {p: Participant(p, p, frozenset(range(5)), 5) for p in ["A", "S1", "S2", "S3"]}
    meetings = [Meeting(f"M{i}", "A", f"S{i}", 1000 + i) for i in (1, 2, 3)]
    result = scheduling.solve(people, meetings, slots=5, tables=2, time_limit=3)
    slots = sorted(s for s, _ in result.placements.values())
    assert slots == list(range(slots[0], slots[0] + 3)) and result.idle_slots == 0
    assert len({t for _, t in result.placements.values()}) == 1   # the anchor keeps its table


def test_rerun_keeps_published_meetings_in_place():
    people, meetings = fair(seed=3, requests=25)
    first = scheduling.solve(people, meetings, slots=6, tables=3, time_limit=5)
    published = [Meeting(m.id, m.anchor, m.supplier, m.value, m.must,
                         *first.placements.get(m.id, (None, None))) for m in meetings]
    late = Meeting("late", "A0", "S9", meeting_value("meet", "meet", 30))
    again = scheduling.solve(people, published + [late], slots=6, tables=3, time_limit=5)
    assert_valid(people, published + [late], again, 6, 3)
    kept = [m.id for m in published if m.slot is not None
            and again.placements.get(m.id) == (m.slot, m.table)]
    assert len(kept) >= len(first.placements) - 2 and len(again.moved) <= 2
