"""Learning from judgments: `matchmaker train-ranker`.

The anchors' marks on a need's ranking are judgments (graph/engagement.py): 候选 and 已对接
say the supplier is relevant, 不合适 that it is not. Training takes them with the development
sets' labels, computes each judged pair's features through the need's ranking as it stands
now, fits a re-ranker (ranker.py), reports the figures before and after, and stores it as the
next version; every process ranks with the newest from its next match. No pair is ever given a
boost of its own: a judgment only moves the weights of the features all pairs share.
"""
from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import numpy as np

from graph import engagement
from graph import matching as store
from matchmaker.errors import NotFound
from matchmaker.i18n import _l
from matchmaker.matching import evaluation, fit, ranker, service
from matchmaker.matching.ranking import rank_suppliers, rescore

RELEVANT = {"shortlisted", "engaged"}
SHOWN = 5  # the half experiment's anchor judges the first five it is shown
# Smaller pools drawn from each development need's candidates, two of each size: a young city
# or a rare part gives a need a handful of candidates, not a hundred.
DRAWN_POOLS = (1, 2, 3, 5, 10, 20)


def judgment_examples(graph) -> tuple[list[dict], int]:
    """(examples, judgments skipped): a judged supplier no longer among its need's candidates,
    or a need gone, cannot be scored and is skipped."""
    by_need = defaultdict(list)
    for j in graph.read(engagement.judgments):
        by_need[j["need"]].append(j)
    examples, skipped = [], 0
    for need_id, judged in by_need.items():
        try:
            results = evaluation.rank(graph, need_id)
        except NotFound:
            skipped += len(judged)
            continue
        by_company = {r["company"]: r for r in results}
        for j in judged:
            r = by_company.get(j["supplier"])
            if r is None:
                skipped += 1
                continue
            examples.append({"group": f"judged:{need_id}", "features": r["features"],
                             "label": int(j["status"] in RELEVANT)})
    return examples, skipped


def train(graph, datasets: list[Path], config: dict, use_judgments: bool = True,
          store_it: bool = True, log=print) -> tuple[fit.Model, dict]:
    """A new re-ranker from the development sets and the graph's judgments; the figures of
    the current one and the new one on each set (the new one's are in-sample there)."""
    ranked_sets = load_sets(datasets, config, log)
    examples = [e for ranked in ranked_sets.values() for e in set_examples(ranked)]
    judged, skipped = judgment_examples(graph) if use_judgments else ([], 0)
    if not examples and not judged:
        raise ValueError(_l("没有可用于训练的数据：请给出开发集（--data）或先在需求页标记企业"))
    before = service.ranker(graph)
    model = ranker.train(examples + judged, before.version + 1,
                         {"sets": sorted(ranked_sets), "judgments": len(judged)})
    figures = {name: {"before": evaluation.report(ranked, before),
                      "after (in-sample)": evaluation.report(ranked, model)}
               for name, ranked in ranked_sets.items()}
    if judged:
        figures["judgments"] = {"before": _judged_fits(judged, before),
                                "after (in-sample)": _judged_fits(judged, model)}
    if store_it:
        graph.write(store.store_ranker, model.version, model.to_json())
    return model, {"version": model.version, "previous_version": before.version,
                   "stored": store_it, "judgments_used": len(judged),
                   "judgments_skipped": skipped, "tiers": {"high": model.high,
                                                           "medium": model.medium},
                   "trained": model.trained, "figures": figures}


def set_examples(ranked: list[dict], seed: int = 0) -> list[dict]:
    """A development set's examples: each need's whole pool, and smaller pools drawn from it
    (marked `drawn`: the re-ranker learns from them, the fit's curves do not)."""
    rng = random.Random(seed)
    out = evaluation.examples(ranked)
    for n in ranked:
        query, candidates = n["pool"]
        id_of = {r["company"]: r["id"] for r in n["results"]}
        for size in DRAWN_POOLS:
            for _ in range(2):
                drawn = rank_suppliers(query, rng.sample(candidates, min(size, len(candidates))),
                                       limit=None, with_features=True)
                out += [{"group": n["group"], "features": r["features"], "drawn": True,
                         "label": int(id_of.get(r["company"]) in n["relevant"])} for r in drawn]
    return out


def _judged_fits(judged: list[dict], model: fit.Model) -> dict:
    """Mean fit of the pairs judged relevant and of those judged not a fit."""
    fits = {1: [], 0: []}
    for e in judged:
        score = model.score(e["features"])
        fits[e["label"]].append(model.fit(score, bool(e["features"]["confident_rule"])))
    return {"relevant_mean_fit": _mean(fits[1]), "not_a_fit_mean_fit": _mean(fits[0])}


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def load_sets(datasets: list[Path], config: dict, log=print) -> dict[str, list[dict]]:
    """Each development set's needs ranked as the service ranks them, by file name."""
    ranked_sets = {}
    for path in datasets:
        with evaluation.loaded(path, config, log) as (_, ranked, _):
            ranked_sets[path.name] = ranked
    return ranked_sets


def out_of_fold(ranked_sets: dict[str, list[dict]], folds: int = ranker.FOLDS) -> dict:
    """How a re-ranker does on needs it never saw: the development sets' needs split into
    `folds` groups (by need, over all sets together); each group is ranked by a re-ranker
    trained, with its calibration, on the others only. Figures per set and over all sets."""
    from sklearn.model_selection import GroupKFold

    examples = [e for ranked in ranked_sets.values() for e in set_examples(ranked)]
    groups = np.array([e["group"] for e in examples])
    if len(set(groups)) < folds:
        raise ValueError(_l("--out-of-fold 需要至少 %(n)s 个需求", n=folds))
    held_out = {}
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(groups, groups=groups):
        model = ranker.train([examples[i] for i in train_idx], 1, {})
        held_out.update(dict.fromkeys(groups[test_idx], model))
    rescored = {name: [dict(n, results=rescore(n["results"], held_out[n["group"]]))
                       for n in ranked] for name, ranked in ranked_sets.items()}
    figures = {name: evaluation.report(ranked) for name, ranked in rescored.items()}
    figures["all sets"] = evaluation.report([n for r in rescored.values() for n in r])
    return {"folds": folds, "figures": figures}


def holdout_half(path: Path, datasets: list[Path], config: dict, log=print) -> dict:
    """Do judgments help? A re-ranker trained on `datasets` only (before) against one trained
    on them plus judgments on half of `path`'s needs (after), both measured on the other half;
    then the halves swap. The judgments are those an anchor would make looking at the first
    SHOWN suppliers the first re-ranker gives (relevant: 已对接, else 不合适) and marking the
    relevant ones further down (候选); they go through the graph like any anchor's marks.
    Nothing is stored in the service's graph."""
    base_examples = []
    for other in datasets:
        with evaluation.loaded(other, config, log) as (_, ranked, _):
            base_examples += set_examples(ranked)
    if not base_examples:
        raise ValueError(_l("--holdout-half 需要另外的开发集（--data）训练对照模型"))
    base = ranker.train(base_examples, 1, {"sets": sorted(p.name for p in datasets)})
    with evaluation.loaded(path, config, log) as (graph, ranked, _):
        halves = [ranked[0::2], ranked[1::2]]
        runs, before_all, after_all = [], [], []
        for k in (0, 1):
            taught, held_out = halves[k], halves[1 - k]
            marks = _judge_like_an_anchor(taught, base)
            for need_id, supplier, status in marks:
                graph.write(engagement.set_mark, need_id, supplier, status, "", "eval")
            judged, _ = judgment_examples(graph)
            after = ranker.train(base_examples + judged, 2, {
                "sets": sorted(p.name for p in datasets), "judgments": len(judged)})
            for need_id, supplier, _ in marks:
                graph.write(engagement.set_mark, need_id, supplier, None)
            runs.append({"judged_needs": len(taught), "judgments": len(judged),
                         "held_out_needs": len(held_out),
                         "before": evaluation.report(held_out, base),
                         "after": evaluation.report(held_out, after)})
            before_all += [dict(n, results=rescore(n["results"], base)) for n in held_out]
            after_all += [dict(n, results=rescore(n["results"], after)) for n in held_out]
    return {"set": path.name, "trained_before_on": sorted(p.name for p in datasets),
            "halves": runs, "both_halves": {"before": evaluation.report(before_all),
                                            "after": evaluation.report(after_all)}}


def _judge_like_an_anchor(needs: list[dict], model: fit.Model) -> list[tuple[str, str, str]]:
    """(need id, supplier, mark) for each need: the first SHOWN suppliers judged, relevant
    ones further down shortlisted."""
    marks = []
    for n in needs:
        for rank, r in enumerate(rescore(n["results"], model)):
            relevant = r["id"] in n["relevant"]
            if rank < SHOWN:
                marks.append((n["need_id"], r["company"], "engaged" if relevant else "not_a_fit"))
            elif relevant:
                marks.append((n["need_id"], r["company"], "shortlisted"))
    return marks
