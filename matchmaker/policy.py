"""Policy configuration (TOML), versioned by year. Plain data, no Flask or graph."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from matchmaker.clock import DEFAULT_ZONE


@dataclass(frozen=True)
class ParkTier:
    threshold_fen: int
    award_fen: int


@dataclass(frozen=True)
class Period:
    from_year: int
    rate_target_phase1_pct: int
    rate_target_phase2_pct: int
    designated_clusters: tuple[str, ...]
    increment_step_fen: int
    increment_award_fen: int
    park_tiers: tuple[ParkTier, ...]
    park_top_up: bool
    overlapping_rules: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Policy:
    region: str
    region_name: str
    periods: tuple[Period, ...]
    timezone: str = DEFAULT_ZONE  # the city's calendar (clock.py)

    @property
    def first_year(self) -> int:
        """The first year the policy has rules for."""
        return min(p.from_year for p in self.periods)

    def for_year(self, year: int) -> Period:
        applicable = [p for p in self.periods if p.from_year <= year]
        if not applicable:
            raise ValueError(f"policy has no rules for {year}")
        return max(applicable, key=lambda p: p.from_year)


def _period(raw: dict) -> Period:
    for key in ("increment_step_fen", "increment_award_fen"):
        if not isinstance(raw[key], int) or raw[key] <= 0:
            raise ValueError(f"policy: {key} must be a positive integer (fen)")
    return Period(
        from_year=int(raw["from_year"]),
        rate_target_phase1_pct=int(raw["rate_target_phase1_pct"]),
        rate_target_phase2_pct=int(raw["rate_target_phase2_pct"]),
        designated_clusters=tuple(raw["designated_clusters"]),
        increment_step_fen=raw["increment_step_fen"],
        increment_award_fen=raw["increment_award_fen"],
        park_tiers=tuple(sorted((ParkTier(int(t["threshold_fen"]), int(t["award_fen"]))
                                 for t in raw["park_tiers"]), key=lambda t: t.threshold_fen)),
        park_top_up=bool(raw.get("park_top_up", True)),
        overlapping_rules=tuple(tuple(g) for g in raw.get("overlapping_rules", [])))


def parse(text: str) -> Policy:
    raw = tomllib.loads(text)
    zone = str(raw.get("timezone", DEFAULT_ZONE))
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"policy: unknown timezone {zone!r} (e.g. Asia/Shanghai)") from None
    return Policy(region=str(raw["region"]), region_name=raw.get("region_name", ""),
                  periods=tuple(_period(p) for p in raw["period"]), timezone=zone)


@lru_cache(maxsize=8)
def load(path: str) -> Policy:
    return parse(Path(path).read_text(encoding="utf-8"))
