"""The fit of a supplier for a need: one calibrated number, 0–100, and its tier (高/中/低).

A pair is scored in its need's ranking (ranking.py computes the features there, with the need's
other candidates as context), so the need page, the supplier's page, the API, the fairs and the
chain map show the same number for the same pair.

- score: a re-ranker, logistic regression over the ranking features (standardized), trained by
  `matchmaker train-ranker` (ranker.py) on the development sets and the anchors' judgments;
- fit: of the development pairs that scored at least as high (out of fold: each scored by a
  model that never saw its need), the percentage that was relevant. Pairs that pass the rule a
  confident fit needs (ranking._confident_rule: no hard requirement fails, a trade term in
  common, and known to meet what a more similar supplier failed) and pairs that do not have
  a curve each; a pair that fails the rule is shown at most at the top of 中;
- tier: 高 from a fit of 90 — so 高 means a relevant supplier at least 90% of the time on the
  development pairs, as `eval-matching` reports — 中 from 50, 低 below.

Models are versioned JSON. The package ships one (data/ranker.json); `train-ranker` stores newer
versions in the graph, and ranking uses the newest. Pure: no graph, no Flask.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SHIPPED = Path(__file__).parent / "data" / "ranker.json"
HIGH, MEDIUM, LOW = "high", "medium", "low"
HIGH_FIT = 90    # 高: at least 90% of the pairs that scored as high were relevant
MEDIUM_FIT = 50  # 中: at least half

# The ranking features, in the model's order (ranking.py computes them for each pair):
FEATURES = (
    "cos_e", "cos_x", "cross_lingual",              # the two cosines; an English-Chinese pair
    "z_e", "z_x", "z_lex",                          # each signal z-normalized over the need's
    "z_e_cross", "z_x_cross", "z_lex_cross",        # candidates, and again for cross-lingual
    "base", "margin", "lead",                       # pairs; the fused score, its distance to
                                                    # the best, its lead over the next best
    "need_terms_found", "capability_terms_found",   # lexical coverage, both ways
    "concepts_found", "shares_concept",             # trade terms, materials, processes
    "met", "soft_unmet", "hard_unmet", "unknown",   # the requirement checks
    "confident_rule",                               # ranking._confident_rule
)


# A feature is read at most this many standard deviations from its mean on the development
# pairs: a pair far outside them (a one-line capability whose every term the need names; the
# development texts are long) is scored at the edge of what the model saw, not extrapolated.
CLIP_SD = 4.0


def standardized(value, mean, scale):
    """(value - mean) / scale, clipped to ±CLIP_SD (floats or numpy arrays)."""
    z = (value - mean) / scale
    return max(-CLIP_SD, min(CLIP_SD, z)) if isinstance(z, float) else z.clip(-CLIP_SD, CLIP_SD)


@dataclass(frozen=True)
class Model:
    version: int
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    # {"rule": knots, "other": knots}: (lowest score, fit) from the highest score down
    curves: dict[str, tuple[tuple[float, int], ...]]
    trained: dict  # what it was trained on, when, and its out-of-fold figures
    high: int = HIGH_FIT
    medium: int = MEDIUM_FIT

    def score(self, features: dict) -> float:
        """The re-ranker's score (log-odds, before calibration); ranking orders by it."""
        return self.intercept + sum(
            c * standardized(float(features[name]), m, s)
            for name, c, m, s in zip(self.features, self.coef, self.mean, self.scale))

    def fit(self, score: float, confident_rule: bool = True) -> int:
        knots = self.curves["rule" if confident_rule else "other"]
        value = next((v for lowest, v in knots if score >= lowest), knots[-1][1] if knots else 0)
        return value if confident_rule else min(value, self.high - 1)

    def tier(self, fit: int) -> str:
        return HIGH if fit >= self.high else MEDIUM if fit >= self.medium else LOW

    def to_json(self) -> str:
        return json.dumps({"version": self.version, "features": list(self.features),
                           "mean": list(self.mean), "scale": list(self.scale),
                           "coef": list(self.coef), "intercept": self.intercept,
                           "curves": {k: [list(x) for x in v] for k, v in self.curves.items()},
                           "high": self.high, "medium": self.medium, "trained": self.trained},
                          ensure_ascii=False, indent=1)


def from_json(text: str) -> Model:
    data = json.loads(text)
    model = Model(version=int(data["version"]), features=tuple(data["features"]),
                  mean=tuple(data["mean"]), scale=tuple(data["scale"]),
                  coef=tuple(data["coef"]), intercept=float(data["intercept"]),
                  curves={k: tuple((float(t), int(v)) for t, v in data["curves"][k])
                          for k in ("rule", "other")},
                  high=int(data["high"]), medium=int(data["medium"]),
                  trained=data.get("trained") or {})
    unknown = set(model.features) - set(FEATURES)
    if unknown or not (len(model.features) == len(model.mean) == len(model.scale)
                       == len(model.coef)):
        raise ValueError(f"ranker v{model.version}: features {sorted(unknown)} unknown or "
                         "lengths differ")
    return model


@lru_cache(maxsize=1)
def shipped() -> Model:
    return from_json(SHIPPED.read_text(encoding="utf-8"))
