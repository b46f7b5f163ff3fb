"""The calibrated fit and its tiers: pure functions, no graph, no model."""
import json
import random

import numpy as np
import pytest
from test_requirements import _candidate

from matchmaker.matching import checks, fit, ranker, ranking
from matchmaker.matching.requirements import extract


def _model(**changes) -> fit.Model:
    n = len(fit.FEATURES)
    base = dict(version=7, features=fit.FEATURES, mean=(0.0,) * n, scale=(1.0,) * n,
                coef=tuple(1.0 if f == "base" else 0.0 for f in fit.FEATURES), intercept=0.0,
                curves={"rule": ((2.0, 96), (0.0, 70), (-1e9, 3)), "other": ((1.0, 95), (-1e9, 2))},
                trained={})
    return fit.Model(**{**base, **changes})


def test_fit_is_read_off_the_curve_and_tiers_follow_it():
    model = _model()
    assert [model.fit(s) for s in (5.0, 2.0, 1.0, -3.0)] == [96, 96, 70, 3]
    assert [model.tier(v) for v in (96, 90, 89, 50, 49, 0)] == [
        fit.HIGH, fit.HIGH, fit.MEDIUM, fit.MEDIUM, fit.LOW, fit.LOW]
    # a pair that fails the rule of a confident fit is never 高, however it scores
    assert model.fit(5.0, confident_rule=False) == 89
    assert model.tier(model.fit(5.0, confident_rule=False)) == fit.MEDIUM


def test_a_feature_far_outside_the_development_pairs_is_read_at_their_edge():
    # a one-line capability whose every term the need names: far above the long development
    # texts' shares, so scored as if at CLIP_SD standard deviations, not extrapolated
    coef = tuple(-1.0 if f == "capability_terms_found" else 0.0 for f in fit.FEATURES)
    scale = tuple(0.05 if f == "capability_terms_found" else 1.0 for f in fit.FEATURES)
    model = _model(coef=coef, scale=scale)
    features = {f: 0.0 for f in fit.FEATURES}
    assert model.score(dict(features, capability_terms_found=0.45)) == -fit.CLIP_SD
    assert model.score(dict(features, capability_terms_found=0.1)) == pytest.approx(-2.0)
    assert list(fit.standardized(np.array([-9.0, 0.5, 9.0]), 0.0, 1.0)) == [-4.0, 0.5, 4.0]


def test_model_survives_json_and_refuses_unknown_features():
    model = _model()
    again = fit.from_json(model.to_json())
    assert again == model
    data = json.loads(model.to_json())
    data["features"][0] = "made_up"
    with pytest.raises(ValueError, match="made_up"):
        fit.from_json(json.dumps(data))


def test_the_shipped_model_reads_the_ranking_features():
    shipped = fit.shipped()
    assert shipped.version >= 1 and shipped.features == fit.FEATURES
    assert shipped.trained["out_of_fold_tiers"]["high"]["relevant_share"] >= 0.9


def test_precision_curve_never_rises_as_the_score_falls():
    scores = np.array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1, -2], dtype=float)
    labels = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0])
    knots = ranker.precision_curve(scores, labels)
    # read only from the tenth pair down: 9 of the top 10 relevant, then 10 of 11, 10 of 12
    assert knots == ((-1.0, 90), (-2.0, 83))
    model = _model(curves={"rule": knots, "other": ()})
    assert model.fit(100.0) == 90 and model.fit(-1.5) == 83 and model.fit(-50.0) == 83
    assert model.fit(0.0, confident_rule=False) == 0


def test_training_keeps_high_tier_reliable_out_of_fold():
    rng = random.Random(3)
    examples = []
    for need in range(60):
        for pair in range(30):
            relevant = pair == 0 and need % 6 != 0
            signal = rng.gauss(2.5 if relevant else 0.0, 1.0)
            features = {f: 0.0 for f in fit.FEATURES}
            features.update(base=signal, confident_rule=1.0 if signal > 0 else 0.0,
                            need_terms_found=rng.random())
            examples.append({"group": f"n{need}", "features": features, "label": int(relevant)})
    model = ranker.train(examples, 3, {"sets": ["synthetic"]})
    tiers = model.trained["out_of_fold_tiers"]
    assert model.version == 3 and tiers["high"]["pairs"] >= 10
    assert tiers["high"]["relevant_share"] >= 0.9 and tiers["low"]["relevant_share"] < 0.1
    fits = [model.fit(s) for s in np.linspace(6, -4, 50)]
    assert fits == sorted(fits, reverse=True)


def test_filters_do_not_change_a_fit_and_rescoring_keeps_the_order():
    need = "液压油缸新品，缸径Φ140"
    query = ranking.Query(text=need, requirements=checks.with_structured(
        extract(need, "need"), need))
    candidates = [_candidate("fit", "液压油缸，缸径Φ80–Φ250", 0.9, cos_x=0.6, local=True),
                  _candidate("near_miss", "液压油缸新品制造，缸径Φ32–Φ100", 0.91, cos_x=0.62),
                  _candidate("other", "铝合金压铸件", 0.84, cos_x=0.2, local=True)]
    everyone = ranking.rank_suppliers(query, candidates, limit=None, with_features=True)
    local = ranking.rank_suppliers(query, candidates, filters=ranking.Filters(local_only=True))
    fits = {m["company"]: m["fit"] for m in everyone}
    assert {m["company"]: m["fit"] for m in local} == {k: fits[k] for k in ("fit", "other")}
    near_miss = next(m for m in everyone if m["company"] == "near_miss")
    assert near_miss["unmet"] and near_miss["tier"] != fit.HIGH and everyone[-1] is near_miss
    again = ranking.rescore(everyone, fit.shipped())
    assert [m["company"] for m in again] == [m["company"] for m in everyone]
    assert [m["fit"] for m in again] == [m["fit"] for m in everyone]


def test_out_of_fold_ranks_each_need_with_a_model_that_never_saw_it():
    from matchmaker.matching import learning
    texts = ["液压油缸", "铝合金压铸件", "线束总成", "齿轮泵", "橡胶密封件", "钣金机柜"]
    rng = random.Random(5)
    ranked = []
    for k in range(12):
        right = texts[k % len(texts)]
        query = ranking.Query(text=f"采购{right}", requirements=extract(f"采购{right}", "need"))
        candidates = [_candidate(t, t, 0.9 if t == right else rng.uniform(0.80, 0.86),
                                 cos_x=0.6 if t == right else rng.uniform(0.1, 0.4))
                      for t in texts]
        results = ranking.rank_suppliers(query, candidates, limit=None, with_features=True)
        ranked.append({"group": f"synthetic:{k}", "lang": "zh", "relevant": {right},
                       "need_id": str(k), "pool": (query, candidates),
                       "results": [dict(r, id=r["company"]) for r in results]})
    report = learning.out_of_fold({"synthetic.jsonl": ranked}, folds=4)
    figures = report["figures"]
    assert report["folds"] == 4 and set(figures) == {"synthetic.jsonl", "all sets"}
    assert figures["all sets"]["needs"] == 12 and figures["all sets"]["recall_at_1"] == 1.0
    with pytest.raises(ValueError):
        learning.out_of_fold({"synthetic.jsonl": ranked[:3]}, folds=4)
