"""Fitting the re-ranker and its calibration on labelled pairs (`matchmaker train-ranker`).

An example is one need–supplier pair as the need's ranking saw it: {"group": the need,
"features": ranking features (fit.FEATURES), "label": 1 relevant / 0 not}. A development set
labels every candidate of its needs; a judgment labels one pair (候选 or 已对接: relevant,
不合适: not).

Logistic regression (scikit-learn), not LightGBM LambdaRank: there are about a hundred needs and
two hundred relevant pairs, too few for boosted trees; a linear model over standardized features
does not overfit them, is stored as a few numbers in JSON and applied without any library at
ranking time, and its score orders pairs across needs, which the fit needs (fit.py reads the
fit off it); a listwise LambdaRank score orders the pairs of one need only.

Examples marked `drawn` come from smaller pools drawn from a development need's candidates
(learning.py): the re-ranker learns from them, the fit's curves ignore them.
"""
from __future__ import annotations

import math
import time

import numpy as np

from matchmaker.i18n import _l
from matchmaker.matching import fit

C = 1.0     # L2 strength on standardized features (chosen by grouped cross-validation)
FOLDS = 5
MIN_PAIRS = 10  # the fit is read only where at least this many pairs scored as high


def train(examples: list[dict], version: int, trained_on: dict) -> fit.Model:
    """The re-ranker on all examples (a development need's pool and smaller pools drawn from
    it, `drawn`); the fit's curves from out-of-fold scores of the pools as rankings see them
    (folds by need, so no pair is scored by a model that saw its need)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    x = np.array([[float(e["features"][f]) for f in fit.FEATURES] for e in examples])
    y = np.array([int(e["label"]) for e in examples])
    groups = np.array([e["group"] for e in examples])
    if len(set(y)) < 2:
        raise ValueError(_l("训练需要相关与不相关的配对各至少一个"))
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = fit.standardized(x, mean, scale)
    final = LogisticRegression(C=C, max_iter=5000).fit(z, y)
    oof = final.decision_function(z)  # in sample only where there are too few needs to fold
    if len(set(groups)) >= 2:
        for train_idx, test_idx in GroupKFold(n_splits=min(FOLDS, len(set(groups)))).split(
                z, y, groups):
            if len(set(y[train_idx])) == 2:
                part = LogisticRegression(C=C, max_iter=5000).fit(z[train_idx], y[train_idx])
                oof[test_idx] = part.decision_function(z[test_idx])
    real = np.array([not e.get("drawn") for e in examples])
    rule = np.array([bool(e["features"]["confident_rule"]) for e in examples])
    curves = {"rule": precision_curve(oof[real & rule], y[real & rule]),
              "other": precision_curve(oof[real & ~rule], y[real & ~rule])}
    model = fit.Model(version=version, features=fit.FEATURES, mean=tuple(map(float, mean)),
                      scale=tuple(map(float, scale)), coef=tuple(map(float, final.coef_[0])),
                      intercept=float(final.intercept_[0]), curves=curves, trained={})
    fits = np.array([model.fit(s, r) for s, r in zip(oof[real], rule[real])])
    return fit.Model(**{**model.__dict__, "trained": {
        **trained_on, "at": time.strftime("%Y-%m-%d %H:%M"), "pairs": int(real.sum()),
        "relevant": int(y[real].sum()), "drawn_pairs": int((~real).sum()),
        "needs": len(set(groups[real])), "C": C,
        "out_of_fold_tiers": _tiers_table(fits, y[real], model)}})


def precision_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[tuple[float, int], ...]:
    """Knots (lowest score, fit) from the highest score down: the fit of a score is the share
    (%) of relevant pairs among those that scored at least as high, never rising as the score
    falls, and read only where at least MIN_PAIRS pairs lie above."""
    if not len(scores):
        return ()
    order = np.argsort(-scores, kind="stable")
    shares = np.cumsum(labels[order]) / np.arange(1, len(order) + 1)
    knots: list[tuple[float, int]] = []
    current = 100
    for i, idx in enumerate(order):
        if i + 1 >= min(MIN_PAIRS, len(order)):
            current = min(current, math.floor(100 * float(shares[i]) + 1e-9))  # 89.5% is not 90
        if knots and knots[-1][1] == current:
            knots[-1] = (float(scores[idx]), current)
        elif i + 1 >= min(MIN_PAIRS, len(order)):
            knots.append((float(scores[idx]), current))
    return tuple(knots)


def _tiers_table(fits: np.ndarray, labels: np.ndarray, model: fit.Model) -> dict:
    out = {}
    for name, low, up in ((fit.HIGH, model.high, 101), (fit.MEDIUM, model.medium, model.high),
                          (fit.LOW, 0, model.medium)):
        inside = (fits >= low) & (fits < up)
        out[name] = {"pairs": int(inside.sum()),
                     "relevant_share": round(float(labels[inside].mean()), 3)
                     if inside.any() else None}
    return out
