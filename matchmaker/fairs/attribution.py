"""What a fair changed in local purchasing, measured on the ledger (plain data in, data out).

Every met pair (checked in, outcome recorded) is followed in the ledger: purchases between the
two companies in the 12 months after the fair's first day against the 12 months before, whether
the meeting started a supply relationship (their first purchase ever falls after it), the pair's
share of the anchor's local purchases and rate after the fair, and its share of the anchor's
increment awards (R1) for the years the window touches. Money is integer fen throughout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

WINDOW = timedelta(days=365)

FULFILLED, PARTLY, NOT_YET = "fulfilled", "partly", "not_yet"


@dataclass(frozen=True)
class MetPair:
    key: str
    anchor: str
    supplier: str
    local: bool                      # the supplier counts as local (approved, inside the city)
    outcome: str                     # no_interest / follow_up / intent / contract
    declared_fen: int | None = None  # contract amount declared at the fair
    expected_fen: int | None = None  # the expected purchase it was turned into, if any


@dataclass(frozen=True)
class Purchase:
    anchor: str
    supplier: str
    day: date
    amount_fen: int


@dataclass
class PairResult:
    pair: MetPair
    before_fen: int = 0
    after_fen: int = 0
    first_purchase: date | None = None
    new_relationship: bool = False
    reconciliation: str | None = None   # for expected purchases: fulfilled / partly / not_yet
    share_of_local_pct: float | None = None   # display only; the sums stay in fen
    rate_points: float | None = None
    award_share_fen: int = 0

    @property
    def change_fen(self) -> int:
        return self.after_fen - self.before_fen


@dataclass
class Windows:
    """The fair's two windows: [start, day) before and [day, end) after, cut at `as_of`."""
    day: date
    as_of: date

    @property
    def before(self) -> tuple[date, date]:
        return self.day - WINDOW, self.day

    @property
    def after(self) -> tuple[date, date]:
        return self.day, min(self.day + WINDOW, self.as_of + timedelta(days=1))

    @property
    def complete(self) -> bool:
        """The after-window has fully elapsed (figures before that are provisional)."""
        return self.as_of >= self.day + WINDOW - timedelta(days=1)


@dataclass
class AnchorWindow:
    """An anchor's purchases in the after-window: all of them and those from local suppliers."""
    total_fen: int
    local_fen: int


@dataclass
class Award:
    key: str
    anchor: str
    year: int
    status: str
    amount_fen: int
    delta_fen: int   # the anchor's year-over-year local increase the award was computed from


@dataclass
class Attribution:
    windows: Windows
    pairs: list[PairResult]
    awards: list[dict] = field(default_factory=list)

    @property
    def new_local_fen(self) -> int:
        """Local purchases after the fair by pairs that met there and never traded before."""
        return sum(p.after_fen for p in self.pairs if p.pair.local and p.new_relationship)

    @property
    def met_local_after_fen(self) -> int:
        return sum(p.after_fen for p in self.pairs if p.pair.local)

    @property
    def new_relationships(self) -> int:
        """New local supply relationships: the pair's first purchase came after the fair."""
        return sum(1 for p in self.pairs if p.pair.local and p.new_relationship)


def _in(day: date, window: tuple[date, date]) -> bool:
    return window[0] <= day < window[1]


def reconcile(expected_fen: int | None, actual_fen: int) -> str | None:
    if not expected_fen:
        return None
    if actual_fen >= expected_fen:
        return FULFILLED
    return PARTLY if actual_fen > 0 else NOT_YET


def follow(pairs: list[MetPair], purchases: list[Purchase], windows: Windows,
           anchor_windows: dict[str, AnchorWindow],
           yearly: dict[tuple[str, str, int], int], awards: list[Award]) -> Attribution:
    """`purchases`: every recorded purchase between the met pairs (any date, credit notes
    included); `anchor_windows`: each anchor's after-window totals; `yearly`: purchases per
    (anchor, supplier, calendar year) for the award years and the years before them;
    `awards`: the anchors' R1 awards for the years the after-window touches."""
    by_pair: dict[tuple[str, str], list[Purchase]] = {}
    for p in purchases:
        by_pair.setdefault((p.anchor, p.supplier), []).append(p)
    results = []
    for pair in pairs:
        rows = by_pair.get((pair.anchor, pair.supplier), [])
        before = sum(p.amount_fen for p in rows if _in(p.day, windows.before))
        after = sum(p.amount_fen for p in rows if _in(p.day, windows.after))
        first = min((p.day for p in rows if p.amount_fen > 0), default=None)
        result = PairResult(pair, before, after, first,
                            new_relationship=first is not None and first >= windows.day,
                            reconciliation=reconcile(pair.expected_fen, after))
        totals = anchor_windows.get(pair.anchor)
        if totals and pair.local:
            if totals.local_fen > 0:
                result.share_of_local_pct = round(100 * after / totals.local_fen, 1)
            if totals.total_fen > 0:
                result.rate_points = round(100 * after / totals.total_fen, 1)
        results.append(result)
    return Attribution(windows, results, _award_shares(results, yearly, awards))


def _award_shares(results: list[PairResult], yearly: dict[tuple[str, str, int], int],
                  awards: list[Award]) -> list[dict]:
    """Each award's part that the fair's local pairs account for: the award × the pairs'
    increase over the year before ÷ the anchor's increase, never more than the award.
    Pairs whose purchases fell are left out (the award rewards increases)."""
    out = []
    for award in awards:
        if award.delta_fen <= 0 or award.amount_fen <= 0:
            continue
        increases = {}
        for r in results:
            if r.pair.anchor != award.anchor or not r.pair.local:
                continue
            this = yearly.get((r.pair.anchor, r.pair.supplier, award.year), 0)
            last = yearly.get((r.pair.anchor, r.pair.supplier, award.year - 1), 0)
            if this > last:
                increases[r.pair.key] = this - last
        if not increases:
            continue
        # More increase than the anchor's own (others' purchases fell): share in proportion.
        denominator = max(sum(increases.values()), award.delta_fen)
        increase = min(sum(increases.values()), award.delta_fen)
        shares = {key: award.amount_fen * inc // denominator for key, inc in increases.items()}
        for r in results:
            r.award_share_fen += shares.get(r.pair.key, 0)
        out.append({"key": award.key, "anchor": award.anchor, "year": award.year,
                    "status": award.status, "amount_fen": award.amount_fen,
                    "increase_fen": increase, "share_fen": sum(shares.values())})
    return out


def rate_change(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
                ) -> dict[str, dict]:
    """Per cluster, (local_fen, total_fen) in the windows before and after → rates and change
    in percentage points (None where a window has no purchases)."""
    def pct(pair):
        return None if not pair or not pair[1] else round(100 * pair[0] / pair[1], 1)
    out = {}
    for cluster in sorted(set(before) | set(after)):
        b, a = pct(before.get(cluster)), pct(after.get(cluster))
        out[cluster] = {"before_pct": b, "after_pct": a,
                        "change_pts": None if a is None or b is None else round(a - b, 1)}
    return out


def meeting_counts(meetings: list[dict]) -> dict:
    """Requests, acceptance, meetings held and no-shows, intents and contracts declared."""
    requested = [m for m in meetings if m.get("requested_by")]
    answered = [m for m in requested if m["status"] in ("accepted", "declined")]
    accepted = sum(1 for m in answered if m["status"] == "accepted")
    held = [m for m in meetings if m.get("attended") is True]
    return {
        "requests": len(requested),
        "acceptance_pct": round(100 * accepted / len(answered), 1) if answered else None,
        "scheduled": sum(1 for m in meetings if m["status"] == "accepted"
                         and m.get("slot") is not None),
        "held": len(held),
        "no_shows": sum(1 for m in meetings if m.get("attended") is False),
        "intents": sum(1 for m in held if m.get("outcome") == "intent"),
        "contracts": sum(1 for m in held if m.get("outcome") == "contract"),
        "declared_fen": sum(m.get("amount_fen") or 0 for m in held
                            if m.get("outcome") == "contract"),
    }
