"""Integrity flags on award proposals: what in an anchor's ledger looks wrong before the office
pays public money on figures the anchor reported itself. Plain data in, flags out (no Flask, no
graph). A flag never rejects anything: it names what raised it (purchases, companies, amounts)
for the office to review.

Rules, one function each, for the award year Y (purchases dated in Y, and for reversals the
first weeks of Y+1):

- year_end_reversal: a supplier's purchases bunched in the last weeks of Y, credited back (credit
  notes) early in Y+1 — value moved into the award year and unwound once the books closed;
- new_supplier: large purchases within 90 days after the supplier joined the platform or was
  approved;
- related_party: anchor and supplier share a legal representative, a phone or an address;
- circular_flow: the supplier also sold to the anchor (purchases recorded the other way round);
- unapproved_supplier: purchases dated when, by the office's decisions, the supplier was not
  approved;
- round_amounts / repeated_amounts: a supplier's invoices mostly in whole ¥10,000s, or the same
  sizeable amount again and again;
- growth_outlier: the anchor's local purchases grew far beyond its cluster peers' growth
  (modified z-score on median and MAD of the log growth).

Money is integer fen; shares are compared in integer arithmetic.
"""
from __future__ import annotations

import math
import re
import statistics
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

YEAR_END_DAYS = 31           # December: when purchases are pulled into the award year
EARLY_NEXT_DAYS = 90         # the next first quarter: when a pulled-forward sale is unwound
BUNCH_PCT = 50               # of a supplier's year in its last weeks; an even spread gives ~8%
REVERSAL_PCT = 20            # of those year-end purchases credited back; less is usual returns
LARGE_FEN = 100_000_000      # ¥1M, a tenth of the ¥10M award step: less cannot move an award
NEW_SUPPLIER_DAYS = 90       # a supplier this new has no delivery history to explain big orders
ROUND_UNIT_FEN = 1_000_000   # ¥10,000: invoices carrying 13% VAT seldom land on whole 万元
ROUND_MIN_COUNT = 3          # one or two round invoices happen by chance
ROUND_MIN_PCT = 50           # of a supplier's invoices to the anchor in the year
REPEAT_MIN_COUNT = 3         # the same amount three times is a pattern, twice a coincidence
REPEAT_MIN_FEN = 10_000_000  # ¥100,000: small recurring bills (rent, services) repeat honestly
GROWTH_Z_LIMIT = 3.5         # Iglewicz & Hoaglin's cut-off for the modified z-score
GROWTH_MIN_PEERS = 3         # fewer peers give no stable median and MAD
GROWTH_MAD_FLOOR = 0.10      # log growth: peers growing in step give MAD ≈ 0, and a year's
#                              ordinary spread (±10%) is no outlier
MIN_PHONE_DIGITS = 7         # shorter numbers are extensions or placeholders
MIN_ADDRESS_CHARS = 8        # with a street number; a bare district is shared by thousands
EVIDENCE_ROWS = 50           # purchases listed in one flag's evidence; the rest are counted

APPROVED = "approved"
RULES = ("year_end_reversal", "new_supplier", "related_party", "circular_flow",
         "unapproved_supplier", "round_amounts", "repeated_amounts", "growth_outlier")


@dataclass(frozen=True)
class Purchase:
    anchor: str
    supplier: str
    invoice_no: str
    day: date
    amount_fen: int  # negative: a credit note


@dataclass(frozen=True)
class Decision:
    """The office's decision on a company (the audit trail's company.status event)."""
    day: date
    before: str | None
    after: str


@dataclass(frozen=True)
class Company:
    code: str
    name: str
    status: str                     # now
    registered: date | None = None  # joined the platform (registration or the office's import)
    decisions: tuple[Decision, ...] = ()  # oldest first
    legal_representative: str = ""
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class AnchorGrowth:
    """An anchor's local purchases in Y-1 (None when unknown) and Y, and its clusters."""
    anchor: str
    clusters: tuple[str, ...]
    prev_local_fen: int | None
    local_fen: int


@dataclass(frozen=True)
class Flag:
    rule: str
    anchor: str
    year: int
    about: str  # the supplier or cluster the flag concerns
    evidence: dict = field(compare=False)

    @property
    def key(self) -> str:
        """Stable across recomputations, so the office's review stays with the flag."""
        return f"{self.rule}|{self.anchor}|{self.year}|{self.about}"


def window(year: int) -> tuple[date, date]:
    """The purchases the rules read for award year `year`: all of it and the next year's
    first weeks (where reversals show)."""
    return date(year, 1, 1), date(year + 1, 1, 1) + timedelta(days=EARLY_NEXT_DAYS - 1)


@dataclass(frozen=True)
class Screen:
    """Which anchor–supplier pairs can raise a flag, so that a big ledger is searched in the
    graph and only those pairs' purchases are read (see `flags`). A pair can when its supplier
    is `watched` (its history), the pair is in `pairs` (shared identity, or credited early the
    next year), its supplier is among the `buyers` (circular flows), or its amounts of the year
    pass `AMOUNTS`: at least ROUND_MIN_COUNT whole ¥10,000s, or an amount of REPEAT_MIN_FEN or
    more REPEAT_MIN_COUNT times."""
    watched: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    buyers: tuple[str, ...]

    def as_params(self) -> dict:
        return {"watched": list(self.watched), "keys": [f"{a}|{s}" for a, s in self.pairs],
                "buyers": list(self.buyers), "amounts": AMOUNTS}


AMOUNTS = {"round_unit_fen": ROUND_UNIT_FEN, "round_min": ROUND_MIN_COUNT,
           "repeat_min_fen": REPEAT_MIN_FEN, "repeat_min": REPEAT_MIN_COUNT}


def screen(year: int, companies: dict[str, Company], anchors: list[str], suppliers: list[str],
           buyers: list[str], credited: list[tuple[str, str]]) -> Screen:
    """The screen for award year `year`. `suppliers`: those bought from that year; `buyers`:
    every company that bought in `window(year)`; `credited`: pairs with credit notes in the
    next year's first weeks."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    watched = []
    for code in suppliers:
        company = companies.get(code)
        if company is None:
            continue
        joined = [d.day for d in company.decisions] + [company.registered or date.min]
        if status_on(company, start) != APPROVED or any(
                start - timedelta(days=NEW_SUPPLIER_DAYS) <= day <= end for day in joined):
            watched.append(code)
    identities = _identities(companies)
    by_identity: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code in suppliers:
        for item in identities.get(code, {}).items():
            if item[1]:
                by_identity[item].append(code)
    related = {(anchor, supplier) for anchor in anchors
               for item in identities.get(anchor, {}).items() if item[1]
               for supplier in by_identity.get(item, [])}
    return Screen(tuple(sorted(watched)), tuple(sorted(related | set(map(tuple, credited)))),
                  tuple(sorted(buyers)))


def flags(year: int, purchases: list[Purchase], companies: dict[str, Company],
          anchors: list[AnchorGrowth]) -> list[Flag]:
    """Every flag for award year `year` on the anchors that awards are computed for (each
    with its local purchases). `purchases`: those dated in `window(year)` (others are not
    read) — all of them, or at least those of every pair that passes `screen` in either
    direction; `companies`: every company they name."""
    start, until = window(year)
    purchases = sorted((p for p in purchases if start <= p.day <= until),
                       key=lambda p: (p.day, p.invoice_no))  # evidence lists by date
    subjects = {a.anchor for a in anchors}
    pairs: dict[tuple[str, str], list[Purchase]] = defaultdict(list)
    for p in purchases:
        if p.day.year == year and p.anchor in subjects:
            pairs[(p.anchor, p.supplier)].append(p)
    found: list[Flag] = []
    found += year_end_reversal(year, pairs, purchases, companies)
    found += new_supplier(year, pairs, companies)
    found += related_party(year, pairs, companies)
    found += circular_flow(year, pairs, purchases, companies)
    found += unapproved_supplier(year, pairs, companies)
    found += round_amounts(year, pairs, companies)
    found += repeated_amounts(year, pairs, companies)
    found += growth_outlier(year, anchors, companies)
    order = {rule: n for n, rule in enumerate(RULES)}
    return sorted(found, key=lambda f: (f.anchor, order[f.rule], f.about))


# --------------------------------------------------------------------------------- rules

Pairs = dict[tuple[str, str], list[Purchase]]


def year_end_reversal(year: int, pairs: Pairs, purchases: list[Purchase],
                      companies: dict[str, Company]) -> list[Flag]:
    year_end = date(year, 12, 31) - timedelta(days=YEAR_END_DAYS - 1)
    _, until = window(year)
    credits: dict[tuple[str, str], list[Purchase]] = defaultdict(list)
    for p in purchases:
        if p.amount_fen < 0 and p.day.year == year + 1 and p.day <= until:
            credits[(p.anchor, p.supplier)].append(p)
    out = []
    for pair, credited in credits.items():
        rows = [p for p in pairs.get(pair, []) if p.amount_fen > 0]
        late = [p for p in rows if p.day >= year_end]
        gross, late_fen = _gross(rows), _gross(late)
        credited_fen = -sum(p.amount_fen for p in credited)
        if (late_fen >= LARGE_FEN and late_fen * 100 >= BUNCH_PCT * gross
                and credited_fen * 100 >= REVERSAL_PCT * late_fen):
            out.append(_flag("year_end_reversal", year, pair, companies, {
                "year_fen": gross, "year_end_fen": late_fen, "credited_fen": credited_fen,
                "year_end_from": year_end.isoformat(), "credited_until": until.isoformat(),
                **_listed(late), "credits": _rows(credited)}))
    return out


def new_supplier(year: int, pairs: Pairs, companies: dict[str, Company]) -> list[Flag]:
    out = []
    for pair, rows in pairs.items():
        supplier = companies.get(pair[1])
        if supplier is None:
            continue
        early, since = [], None
        for p in rows:
            start = approved_since(supplier, p.day)
            if p.amount_fen > 0 and start and 0 <= (p.day - start[0]).days < NEW_SUPPLIER_DAYS:
                early.append(p)
                since = since or start
        if early and _gross(early) >= LARGE_FEN:
            out.append(_flag("new_supplier", year, pair, companies, {
                "since": since[0].isoformat(), "how": since[1], "days": NEW_SUPPLIER_DAYS,
                "total_fen": _gross(early), **_listed(early)}))
    return out


def related_party(year: int, pairs: Pairs, companies: dict[str, Company]) -> list[Flag]:
    identities = _identities(companies)
    out = []
    for pair, rows in pairs.items():
        anchor, supplier = companies.get(pair[0]), companies.get(pair[1])
        if anchor is None or supplier is None or _gross(rows) <= 0:
            continue
        mine, theirs = identities[anchor.code], identities[supplier.code]
        shared = [{"field": name, "anchor_value": getattr(anchor, name),
                   "supplier_value": getattr(supplier, name)}
                  for name in IDENTITY if mine[name] and mine[name] == theirs[name]]
        if shared:
            out.append(_flag("related_party", year, pair, companies, {
                "shared": shared, "total_fen": _net(rows), "count": len(rows)}))
    return out


def circular_flow(year: int, pairs: Pairs, purchases: list[Purchase],
                  companies: dict[str, Company]) -> list[Flag]:
    back: dict[tuple[str, str], list[Purchase]] = defaultdict(list)
    for p in purchases:
        if (p.supplier, p.anchor) in pairs:  # p seen from the other side
            back[(p.supplier, p.anchor)].append(p)
    out = []
    for pair, returned in back.items():
        rows = pairs[pair]
        if _gross(rows) > 0:
            out.append(_flag("circular_flow", year, pair, companies, {
                "bought_fen": _net(rows), "sold_back_fen": _net(returned), **_listed(rows),
                "sold_back": _rows(returned[:EVIDENCE_ROWS])}))
    return out


def unapproved_supplier(year: int, pairs: Pairs, companies: dict[str, Company]) -> list[Flag]:
    out = []
    for pair, rows in pairs.items():
        supplier = companies.get(pair[1])
        if supplier is None:
            continue
        outside = [p for p in rows if status_on(supplier, p.day) != APPROVED]
        if outside:
            approvals = [d.day.isoformat() for d in supplier.decisions if d.after == APPROVED]
            out.append(_flag("unapproved_supplier", year, pair, companies, {
                "total_fen": _net(outside), "approved_on": approvals,
                "status_then": sorted({status_on(supplier, p.day) for p in outside}),
                **_listed(outside)}))
    return out


def round_amounts(year: int, pairs: Pairs, companies: dict[str, Company]) -> list[Flag]:
    out = []
    for pair, rows in pairs.items():
        invoices = [p for p in rows if p.amount_fen > 0]
        round_ = [p for p in invoices if p.amount_fen % ROUND_UNIT_FEN == 0]
        if len(round_) >= ROUND_MIN_COUNT and len(round_) * 100 >= ROUND_MIN_PCT * len(invoices):
            out.append(_flag("round_amounts", year, pair, companies, {
                "round": len(round_), "invoices": len(invoices), "total_fen": _gross(round_),
                **_listed(round_)}))
    return out


def repeated_amounts(year: int, pairs: Pairs, companies: dict[str, Company]) -> list[Flag]:
    out = []
    for pair, rows in pairs.items():
        by_amount: dict[int, list[Purchase]] = defaultdict(list)
        for p in rows:
            if p.amount_fen >= REPEAT_MIN_FEN:
                by_amount[p.amount_fen].append(p)
        repeated = {a: ps for a, ps in by_amount.items() if len(ps) >= REPEAT_MIN_COUNT}
        if repeated:
            out.append(_flag("repeated_amounts", year, pair, companies, {
                "amounts": [{"amount_fen": a, "count": len(ps), **_listed(ps)}
                            for a, ps in sorted(repeated.items(), reverse=True)]}))
    return out


def growth_outlier(year: int, growth: list[AnchorGrowth],
                   companies: dict[str, Company]) -> list[Flag]:
    logs = {g.anchor: math.log(g.local_fen / g.prev_local_fen) for g in growth
            if g.prev_local_fen and g.prev_local_fen > 0 and g.local_fen > 0}
    members: dict[str, list[str]] = defaultdict(list)
    for g in growth:
        if g.anchor in logs:
            for cluster in g.clusters:
                members[cluster].append(g.anchor)
    by_anchor = {g.anchor: g for g in growth}
    out = []
    for cluster, anchors in sorted(members.items()):
        for anchor in anchors:
            peers = [a for a in anchors if a != anchor]
            if len(peers) < GROWTH_MIN_PEERS:
                continue
            values = [logs[a] for a in peers]
            median = statistics.median(values)
            mad = max(statistics.median(abs(v - median) for v in values), GROWTH_MAD_FLOOR)
            z = 0.6745 * (logs[anchor] - median) / mad
            if z > GROWTH_Z_LIMIT:
                g = by_anchor[anchor]
                out.append(Flag("growth_outlier", anchor, year, cluster, {
                    "cluster": cluster, "prev_local_fen": g.prev_local_fen,
                    "local_fen": g.local_fen, "growth_pct": _pct(logs[anchor]),
                    "peer_median_pct": _pct(median), "z": round(z, 1),
                    "z_limit": GROWTH_Z_LIMIT,
                    "peers": [{"anchor": a, "name": _name(companies, a),
                               "growth_pct": _pct(logs[a])} for a in sorted(peers)]}))
    return out


# ----------------------------------------------------------------------- company history

def status_on(company: Company, day: date) -> str:
    """The company's standing on `day` by the office's decisions; without any, its status now
    (a company the office listed by import was never reviewed: it counts as it stands)."""
    status = (company.decisions[0].before or "pending") if company.decisions else company.status
    for d in company.decisions:
        if d.day <= day:
            status = d.after
    return status


def approved_since(company: Company, day: date) -> tuple[date, str] | None:
    """When the approved spell that `day` falls in began, and how ('approved' by the office,
    or 'registered' for a company that was approved from the start); None when the company was
    not approved that day or the start is unknown."""
    if status_on(company, day) != APPROVED:
        return None
    initial = (company.decisions[0].before or "pending") if company.decisions else company.status
    since = (company.registered, "registered") if initial == APPROVED else None
    for d in company.decisions:
        if d.day > day:
            break
        if d.after != APPROVED:
            since = None
        elif since is None:
            since = (d.day, "approved")
    return since if since and since[0] else None


# ------------------------------------------------------------------------------- helpers

def _person(text: str) -> str:
    name = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()
    return name if len(name) >= 2 else ""


def _phone(text: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text or ""))
    if digits.startswith("86") and len(digits) > 11:
        digits = digits[2:]  # +86: the country code
    digits = digits.lstrip("0")  # the trunk prefix of an area code (0731)
    return digits if len(digits) >= MIN_PHONE_DIGITS else ""


def _address(text: str) -> str:
    folded = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text or "")).lower()
    return folded if len(folded) >= MIN_ADDRESS_CHARS and re.search(r"\d", folded) else ""


IDENTITY = {"legal_representative": _person, "phone": _phone, "address": _address}


def _identities(companies: dict[str, Company]) -> dict[str, dict[str, str]]:
    """Each company's identity fields, normalized for comparison ('' when no evidence)."""
    return {code: {name: norm(getattr(c, name)) for name, norm in IDENTITY.items()}
            for code, c in companies.items()}


def _gross(rows: list[Purchase]) -> int:
    return sum(p.amount_fen for p in rows if p.amount_fen > 0)


def _net(rows: list[Purchase]) -> int:
    return sum(p.amount_fen for p in rows)


def _pct(log_growth: float) -> float:
    return round((math.exp(log_growth) - 1) * 100, 1)


def _name(companies: dict[str, Company], code: str) -> str:
    company = companies.get(code)
    return company.name if company else code


def _rows(rows: list[Purchase]) -> list[dict]:
    return [{"anchor": p.anchor, "supplier": p.supplier, "invoice_no": p.invoice_no,
             "date": p.day.isoformat(), "amount_fen": p.amount_fen} for p in rows]


def _listed(rows: list[Purchase]) -> dict:
    """The purchases behind a flag (the first EVIDENCE_ROWS by date) and how many more."""
    return {"purchases": _rows(rows[:EVIDENCE_ROWS]), "more": max(len(rows) - EVIDENCE_ROWS, 0)}


def _flag(rule: str, year: int, pair: tuple[str, str], companies: dict[str, Company],
          evidence: dict) -> Flag:
    return Flag(rule, pair[0], year, pair[1],
                {"supplier": pair[1], "supplier_name": _name(companies, pair[1]), **evidence})
