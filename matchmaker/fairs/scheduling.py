"""Fair scheduling: place accepted meetings into (time slot, table) pairs.

Pure: takes participants and meetings, returns a schedule. Solved with OR-Tools CP-SAT under a
time limit, warm-started from a greedy schedule (which is also the answer if the solver finds
nothing better in time). Objective, lexicographic through weights:
  1. total meeting value (mutual "must meet" first, then the pair's fit), a published meeting
     kept in its slot earning a bonus worth half the cheapest meeting (so a late change moves
     published meetings only when that schedules more), short of a participant's minimum penalised;
  2. fewest breaks in each participant's day (blocks of back-to-back meetings after the first).
Mutual must-meets are hard: if they cannot all be placed the input is rejected with the reason.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from matchmaker.i18n import Text, _l

MUTUAL_MUST, ONE_MUST, MEET = 10_000, 3_000, 1_000
STAY_BONUS = MEET // 2
SHORT_PENALTY = MEET // 4
# An organizer's priority group (e.g. anchors with missing links) lifts a meeting above every
# ordinary one of the same preference tier, never above a stated "must meet".
PRIORITY_BONUS = MEET // 2
EXPECTED_VALUE_MAX = MEET // 5


def meeting_value(anchor_pref: str | None, supplier_pref: str | None, fit: int | None,
                  priority: bool = False, expected_points: int = 0) -> int:
    """Integer value of one meeting: the preference tier, then the organizer's priority, then
    the expected local value and the pair's fit (0–100, as matching calibrates it)."""
    prefs = (anchor_pref, supplier_pref)
    if "no" in prefs:
        return 0
    tier = MUTUAL_MUST if prefs == ("must", "must") else ONE_MUST if "must" in prefs else MEET
    return (tier + (PRIORITY_BONUS if priority else 0)
            + max(0, min(EXPECTED_VALUE_MAX, expected_points))
            + max(0, min(100, fit or 0)))


def expected_value_points(outside_fen: int, fit: int) -> int:
    """What a meeting may bring home: the anchor's yearly spend outside the city on the part,
    on a log scale (¥1M ≈ 80 points, ¥100M ≈ 160), times the pair's fit (0–100)."""
    if outside_fen <= 0 or fit <= 0:
        return 0
    yuan = outside_fen / 100
    return min(EXPECTED_VALUE_MAX,
               round(40 * math.log10(1 + yuan / 10_000) * min(1.0, fit / 100)))


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    available: frozenset[int]
    max_meetings: int
    min_meetings: int = 0


@dataclass(frozen=True)
class Meeting:
    id: str
    anchor: str
    supplier: str
    value: int
    must: bool = False             # mutual "must meet": placed or the input is rejected
    slot: int | None = None        # where it was published, kept there where possible
    table: int | None = None


@dataclass
class Schedule:
    placements: dict[str, tuple[int, int]]      # meeting id → (slot, table), both 0-based
    unscheduled: list[str]
    moved: list[str]                            # published meetings placed elsewhere
    value: int
    idle_slots: int
    status: str                                 # optimal / feasible / greedy
    objective: int
    bound: int
    gap: float                                  # (bound − objective) / bound, 0 when proven
    seconds: float
    below_minimum: list[str] = field(default_factory=list)


class ScheduleInfeasible(ValueError):
    def __init__(self, reasons: list[Text]):
        super().__init__("; ".join(map(str, reasons)))
        self.reasons = reasons


def check(participants: dict[str, Participant], meetings: list[Meeting], slots: int,
          tables: int) -> list[Text]:
    """Reasons the input cannot be scheduled at all (empty when it can be tried)."""
    reasons = []
    if slots < 1 or tables < 1:
        reasons.append(_l("洽谈会至少需要 1 个时段和 1 张洽谈桌"))
        return reasons
    musts = [m for m in meetings if m.must]
    for m in musts:
        a, b = participants[m.anchor], participants[m.supplier]
        if not a.available & b.available:
            reasons.append(_l("%(a)s 与 %(b)s 的双方必见会谈没有共同的空闲时段", a=a.name, b=b.name))
    for p in participants.values():
        count = sum(1 for m in musts if p.id in (m.anchor, m.supplier))
        room = min(len(p.available), p.max_meetings)
        if count > room:
            reasons.append(_l("%(name)s 有 %(count)s 场双方必见会谈，但最多只能安排 %(room)s 场"
                              "（可用时段 %(free)s，上限 %(most)s）", name=p.name, count=count,
                              room=room, free=len(p.available), most=p.max_meetings))
    if len(musts) > slots * tables:
        reasons.append(_l("双方必见会谈 %(n)s 场，超过全部桌位 %(seats)s 个", n=len(musts),
                          seats=slots * tables))
    return reasons


def solve(participants: dict[str, Participant], meetings: list[Meeting], slots: int,
          tables: int, time_limit: float = 10.0, workers: int = 8) -> Schedule:
    """Two CP-SAT stages sharing the time limit. Selection: which meetings to hold, with each
    participant's meetings capped by their free slots and the venue by slots × tables — a
    bipartite b-matching whose bound is tight, and a valid upper bound on any schedule's value.
    Placement: the selected meetings into slots, dropping one only if it cannot fit, and fewest
    breaks in each participant's day. The gap is reported against the selection bound."""
    reasons = check(participants, meetings, slots, tables)
    if reasons:
        raise ScheduleInfeasible(reasons)
    started = time.perf_counter()
    deadline = started + time_limit - min(1.0, time_limit * 0.1)   # room to build and finish
    requested = meetings
    common = {m.id: sorted(participants[m.anchor].available & participants[m.supplier].available
                           & set(range(slots))) for m in meetings}
    meetings = [m for m in meetings if m.value > 0 and common[m.id]]
    greedy = _greedy(participants, meetings, common, tables)

    selection = _select(participants, meetings, common, slots, tables, greedy,
                        (deadline - time.perf_counter()) * 0.3, workers)
    best, label, bound = greedy, "greedy", 0
    if selection is not None:
        chosen_ids, bound, selection_optimal = selection
        chosen = [m for m in meetings if m.id in chosen_ids]
        start = _greedy(participants, chosen, common, tables)
        placed, status = _place(participants, chosen, common, slots, tables, start,
                                deadline - time.perf_counter(), workers)
        if _score(participants, meetings, placed) >= _score(participants, meetings, best):
            best, label = placed, status
            if label == "optimal" and not selection_optimal:
                label = "feasible"
    return _finish(participants, requested, best, tables, label,
                   _score(participants, meetings, best), bound, started)


def _score(participants, meetings, placed: dict[str, int]) -> int:
    """The selection stage's objective for a placement (comparable with its bound)."""
    count: dict[str, int] = {}
    total = 0
    for m in meetings:
        if m.id in placed:
            total += m.value + (STAY_BONUS if placed[m.id] == m.slot else 0)
            count[m.anchor] = count.get(m.anchor, 0) + 1
            count[m.supplier] = count.get(m.supplier, 0) + 1
    involved = _by_participant(meetings)
    return total - SHORT_PENALTY * sum(max(0, p.min_meetings - count.get(p.id, 0))
                                       for p in participants.values() if p.id in involved)


def _by_participant(meetings) -> dict[str, list[Meeting]]:
    mine: dict[str, list[Meeting]] = {}
    for m in meetings:
        mine.setdefault(m.anchor, []).append(m)
        mine.setdefault(m.supplier, []).append(m)
    return mine


def _select(participants, meetings, common, slots, tables, greedy, seconds, workers):
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    y = {m.id: model.NewBoolVar(m.id) for m in meetings}
    for m in meetings:
        if m.must:
            model.Add(y[m.id] == 1)
    score = [m.value * y[m.id] for m in meetings]
    score += [STAY_BONUS * y[m.id] for m in meetings if m.slot is not None]
    for pid, mine in _by_participant(meetings).items():
        p = participants[pid]
        free = set().union(*(common[m.id] for m in mine))
        count = sum(y[m.id] for m in mine)
        if len(mine) > min(p.max_meetings, len(free)):
            model.Add(count <= min(p.max_meetings, len(free)))
        if p.min_meetings:
            short = model.NewIntVar(0, p.min_meetings, f"short_{pid}")
            model.Add(short >= p.min_meetings - count)
            score.append(-SHORT_PENALTY * short)
    model.Add(sum(y.values()) <= slots * tables)
    model.Maximize(sum(score))
    for mid, var in y.items():
        model.AddHint(var, mid in greedy)
    solver = _solver(seconds, workers)
    status = solver.Solve(model)
    if status == cp_model.INFEASIBLE:
        raise ScheduleInfeasible(["双方必见会谈超出了参会方的可用时段或桌位，请减少必见会谈或增加时段/洽谈桌"])
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return ({mid for mid, var in y.items() if solver.BooleanValue(var)},
            round(solver.BestObjectiveBound()),
            status == cp_model.OPTIMAL)


def _place(participants, meetings, common, slots, tables, greedy, seconds, workers):
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x = {(m.id, s): model.NewBoolVar(f"{m.id}@{s}") for m in meetings for s in common[m.id]}
    cells: dict[tuple[str, int], list] = {}
    for m in meetings:
        placed = [x[m.id, s] for s in common[m.id]]
        (model.Add(sum(placed) == 1) if m.must else model.AddAtMostOne(placed))
        for s in common[m.id]:
            cells.setdefault((m.anchor, s), []).append(x[m.id, s])
            cells.setdefault((m.supplier, s), []).append(x[m.id, s])
    for s in range(slots):
        here = [x[m.id, s] for m in meetings if (m.id, s) in x]
        if len(here) > tables:
            model.Add(sum(here) <= tables)
    # Per-participant maximums need no constraint here: the selection already kept them.
    value = [m.value * x[m.id, s] for m in meetings for s in common[m.id]]
    value += [STAY_BONUS * x[m.id, m.slot] for m in meetings if (m.id, m.slot) in x]
    # A block of meetings starts where a participant is busy after a free slot; every block
    # after the first is a break in their day. Busy is a sum of booleans under an at-most-one.
    blocks = []
    for p in participants.values():
        per_slot = [cells.get((p.id, s), []) for s in range(slots)]
        for here in per_slot:
            if len(here) > 1:
                model.AddAtMostOne(here)
        if sum(map(len, per_slot)) < 2:
            continue
        busy = [sum(here) if here else 0 for here in per_slot]
        for s in range(slots):
            if isinstance(busy[s], int):
                continue
            start = model.NewBoolVar(f"start_{p.id}_{s}")
            model.Add(start >= busy[s] - busy[s - 1]) if s else model.Add(start >= busy[s])
            blocks.append(start)
    weight = len(blocks) + 1    # any gain in value outweighs every break
    model.Maximize(weight * sum(value) - sum(blocks))
    for (mid, s), var in x.items():
        model.AddHint(var, greedy.get(mid) == s)
    solver = _solver(seconds, workers)
    status = solver.Solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ({mid: s for (mid, s), var in x.items() if solver.BooleanValue(var)},
                "optimal" if status == cp_model.OPTIMAL else "feasible")
    if status == cp_model.INFEASIBLE:
        raise ScheduleInfeasible(["双方必见会谈无法同时安排（时段、桌位或人员冲突），"
                                  "请减少必见会谈或增加时段/洽谈桌"])
    return greedy, "greedy"


def _solver(seconds: float, workers: int):
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, seconds)
    solver.parameters.num_workers = workers
    return solver


def _greedy(participants, meetings, common, tables) -> dict[str, int]:
    """Highest value first, each into the free slot nearest the pair's other meetings (a published
    meeting's own slot first). Gives the solver a feasible start and the fallback answer."""
    busy: dict[str, set[int]] = {p: set() for p in participants}
    load: dict[int, int] = {}
    chosen: dict[str, int] = {}
    for m in sorted(meetings, key=lambda m: (not m.must, m.slot is None, -m.value, m.id)):
        a, b = busy[m.anchor], busy[m.supplier]
        if (len(a) >= participants[m.anchor].max_meetings
                or len(b) >= participants[m.supplier].max_meetings):
            continue
        free = [s for s in common[m.id] if s not in a and s not in b and load.get(s, 0) < tables]
        if not free:
            continue
        taken = a | b
        s = m.slot if m.slot in free else min(
            free, key=lambda s: (min((abs(s - t) for t in taken), default=0), s))
        a.add(s), b.add(s)
        load[s] = load.get(s, 0) + 1
        chosen[m.id] = s
    return chosen


def _finish(participants, meetings, chosen, tables, status, objective, bound, started) -> Schedule:
    """Tables: a published meeting keeps its table; an anchor keeps one table through the day
    where it can (suppliers walk to the anchor), otherwise the lowest free table."""
    home: dict[str, int] = {}
    placements: dict[str, tuple[int, int]] = {}
    by_slot: dict[int, list[Meeting]] = {}
    for m in meetings:
        if m.id in chosen:
            by_slot.setdefault(chosen[m.id], []).append(m)
    for s in sorted(by_slot):
        used: set[int] = set()
        order = sorted(by_slot[s], key=lambda m: (not (m.slot == s and m.table is not None),
                                                  m.anchor not in home, m.id))
        for m in order:
            wanted = m.table if m.slot == s and m.table is not None else home.get(m.anchor)
            table = wanted if wanted is not None and wanted not in used and wanted < tables else (
                min(set(range(tables)) - used))
            used.add(table)
            home.setdefault(m.anchor, table)
            placements[m.id] = (s, table)
    days: dict[str, list[int]] = {}
    for m in meetings:
        if m.id in placements:
            days.setdefault(m.anchor, []).append(placements[m.id][0])
            days.setdefault(m.supplier, []).append(placements[m.id][0])
    idle = sum(max(d) - min(d) + 1 - len(d) for d in days.values())
    below = sorted(p.name for p in participants.values()
                   if p.min_meetings and len(days.get(p.id, ())) < p.min_meetings)
    gap = 0.0 if status == "optimal" or not bound else max(0.0, (bound - objective) / abs(bound))
    return Schedule(
        placements=placements,
        unscheduled=sorted(m.id for m in meetings if m.id not in placements),
        moved=sorted(m.id for m in meetings if m.slot is not None and
                     placements.get(m.id, (None,))[0] != m.slot),
        value=sum(m.value for m in meetings if m.id in placements),
        idle_slots=idle, status=status, objective=objective, bound=bound, gap=round(gap, 5),
        seconds=round(time.perf_counter() - started, 2), below_minimum=below)


@dataclass(frozen=True)
class Standby:
    placements: dict[str, tuple[int, int]]   # meeting id → (slot, table)
    status: str                              # optimal / feasible / none


def fill_freed(participants: dict[str, Participant], fixed: dict[str, tuple[int, int]],
               fixed_pairs: dict[str, tuple[str, str]], candidates: list[Meeting],
               slots: range, tables: int, time_limit: float = 5.0, workers: int = 8
               ) -> Standby:
    """On the day: place unmet meetings into the slots `slots` (those not yet begun) around
    every meeting that stays (`fixed`: id → (slot, table), `fixed_pairs`: id → (anchor,
    supplier)), without moving any of them. CP-SAT maximises the value placed; each
    participant's maximum counts the meetings it already has."""
    from ortools.sat.python import cp_model

    busy: dict[str, set[int]] = {}
    used_tables: dict[int, set[int]] = {}
    held: dict[str, int] = {}
    for mid, (slot, table) in fixed.items():
        used_tables.setdefault(slot, set()).add(table)
        for pid in fixed_pairs[mid]:
            busy.setdefault(pid, set()).add(slot)
            held[pid] = held.get(pid, 0) + 1
    free_tables = {s: tables - len(used_tables.get(s, ())) for s in slots}
    options = {m.id: [s for s in slots if free_tables[s] > 0
                      and s in participants[m.anchor].available
                      and s in participants[m.supplier].available
                      and s not in busy.get(m.anchor, ()) and s not in busy.get(m.supplier, ())]
               for m in candidates if m.value > 0}
    meetings = [m for m in candidates if options.get(m.id)]
    if not meetings:
        return Standby({}, "none")
    model = cp_model.CpModel()
    x = {(m.id, s): model.NewBoolVar(f"{m.id}@{s}") for m in meetings for s in options[m.id]}
    cells: dict[tuple[str, int], list] = {}
    mine: dict[str, list] = {}
    for m in meetings:
        model.AddAtMostOne(x[m.id, s] for s in options[m.id])
        for s in options[m.id]:
            for pid in (m.anchor, m.supplier):
                cells.setdefault((pid, s), []).append(x[m.id, s])
                mine.setdefault(pid, []).append(x[m.id, s])
    for here in cells.values():
        if len(here) > 1:
            model.AddAtMostOne(here)
    for s in slots:
        here = [var for (mid, t), var in x.items() if t == s]
        if len(here) > free_tables[s]:
            model.Add(sum(here) <= free_tables[s])
    for pid, placed in mine.items():
        model.Add(sum(placed) <= max(0, participants[pid].max_meetings - held.get(pid, 0)))
    value = {m.id: m.value for m in meetings}
    model.Maximize(sum(value[mid] * var for (mid, _), var in x.items()))
    solver = _solver(time_limit, workers)
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Standby({}, "none")
    chosen = sorted(((s, mid) for (mid, s), var in x.items() if solver.BooleanValue(var)))
    placements = {}
    for s, mid in chosen:
        table = min(set(range(tables)) - used_tables.setdefault(s, set()))
        used_tables[s].add(table)
        placements[mid] = (s, table)
    return Standby(placements, "optimal" if status == cp_model.OPTIMAL else "feasible")
