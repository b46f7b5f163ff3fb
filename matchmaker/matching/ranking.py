"""Ranking of a need's candidates: pure functions over plain data (no Flask, no graph).

Signals of each capability candidate:
  the two encoders' cosines (computed in the graph) and BM25 over character bigrams and words,
  each z-normalized over the need's candidates (raw e5 cosines are compressed, 0.8–0.95);
  base = z(e5) + z(USE) + z(BM25), for an English text against a Chinese one e5 0.5 and USE
  1.5, plus the requirement checks (checks.py): +0.5 for each met, −0.5 for each soft one not
  met; the share of the need's terms found, and of the capability's; trade terms in common.
The re-ranker (fit.py: logistic regression over these features, `matchmaker train-ranker`)
scores each pair, and its calibrated fit (0–100) and tier (高/中/低) are what every page shows.
Order: a candidate with a hard requirement not met (checks.py) comes after every candidate
without one, whatever its fit; then by fit; equal fits put local suppliers, a category link and
prior supply to the cluster first; then the re-ranker's score.
A need abstains (no reliable supplier) when its top candidate is not 高.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from matchmaker.i18n import Text, _l
from matchmaker.matching import checks, fit, lexical, requirements, vocabulary
from matchmaker.matching.glossary import bridged

CONFIDENT_CROSS_COSINE = 0.35
CONFIDENT_TERM_COVERAGE = 0.40

# e5-small is weak across languages (English need, Chinese capability: R@1 .17 against .83 for
# USE, docs/embedding-model.md), so in the base score such a pair leans on USE; the
# re-ranker learns its own weights for cross-lingual pairs (the *_cross features).
WEIGHT_E5_CROSS_LINGUAL = 0.5
# The encoders' cosines over a need's candidate pool, typically (mean, sd; measured on the
# development pools): a small pool (a young city, a rare part) is normalized as if it also held
# PRIOR_CANDIDATES typical candidates, so that the best of three is not taken for the best of a
# hundred, and a lone candidate is judged on its own cosines.
COSINE_PRIORS = {"e5": (0.86, 0.016), "use": (0.29, 0.11)}
PRIOR_CANDIDATES = 10
BONUS_REQUIREMENT_MET = 0.5
PENALTY_SOFT_UNMET = 0.5


@dataclass
class Query:
    """The need matched: its text, and its requirements as stored with the typed fields folded
    in (checks.with_structured)."""
    text: str
    requirements: dict
    certs_required: list[str] = field(default_factory=list)
    category: str | None = None
    category_name: str | None = None   # for explanations; the code is what the graph links
    anchor: str | None = None          # the anchor that posted it


@dataclass
class Filters:
    local_only: bool = False
    required_certs: list[str] = field(default_factory=list)  # hard filter
    region_names: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)  # these suppliers only


def _z(values, prior: tuple[float, float] | None = None) -> np.ndarray:
    """z-scores over the candidates; with a prior (mean, sd), as if the pool also held
    PRIOR_CANDIDATES typical candidates."""
    v = np.asarray(values, dtype=float)
    if prior is not None:
        n, (m0, s0) = len(v), prior
        mean = (n * v.mean() + PRIOR_CANDIDATES * m0) / (n + PRIOR_CANDIDATES)
        var = (n * (v.var() + (v.mean() - mean) ** 2)
               + PRIOR_CANDIDATES * (s0 ** 2 + (m0 - mean) ** 2)) / (n + PRIOR_CANDIDATES)
        return (v - mean) / np.sqrt(var)
    if len(v) < 2 or v.std() < 1e-9:
        return np.zeros_like(v)
    return (v - v.mean()) / v.std()


def stored_requirements(node: dict, role: str) -> dict:
    """A need's or capability's requirements as stored (read again from its text for a node
    written before they were stored and not yet backfilled)."""
    stored = node.get("requirements")
    return json.loads(stored) if stored else _read_from_text(node["text"], role)


def requirements_of(node: dict, role: str) -> dict:
    """Its stored requirements with its typed certifications and volume folded in."""
    req = stored_requirements(node, role)
    if role == "need":
        return checks.with_structured(req, node["text"], node.get("certs_required"),
                                      node.get("annual_volume"), "need")
    return checks.with_structured(req, node["text"], node.get("certifications"),
                                  node.get("capacity"), "capability")


@lru_cache(maxsize=4096)
def _read_from_text(text: str, role: str) -> dict:
    """Cached: the same old nodes come back as candidates match after match (never mutated:
    checks.with_structured copies)."""
    return requirements.extract(text, role)


def rank_suppliers(query: Query, candidates: list[dict], model: fit.Model | None = None,
                   filters: Filters | None = None, limit: int | None = 20,
                   with_features: bool = False) -> list[dict]:
    """Rank capability candidates (one supplier appears once, by its best capability). Features
    are computed over every candidate before the filters, so a filter never changes a fit."""
    model = model or fit.shipped()
    filters = filters or Filters()
    if not candidates:
        return []
    pairs = _pairs(query, candidates)
    best: dict[str, dict] = {}
    for i, (c, pair) in enumerate(zip(candidates, pairs)):
        have = set(c.get("certifications") or [])
        if ((filters.local_only and not c.get("local"))
                or any(x not in have for x in filters.required_certs)
                or (filters.region_names and c.get("region_name") not in filters.region_names)
                or (filters.companies and c["company"] not in filters.companies)):
            continue
        result = _result(query, c, pair, model, have)
        result["_i"] = i
        kept = best.get(c["company"])
        if kept is None or _rank_key(result) < _rank_key(kept):
            best[c["company"]] = result
    ranked = sorted(best.values(), key=_rank_key)[:limit]
    for result in ranked:  # explanations for the results returned only
        i = result.pop("_i")
        explanation = result["explanation"]
        explanation["matched_terms"] = lexical.matched_phrases(candidates[i]["text"],
                                                               pairs[i]["hits"])
        explanation["graph_path"] = _graph_path(query, candidates[i],
                                                explanation["category_link"])
        score = result.pop("_score")
        if with_features:
            result["features"], result["score"] = pairs[i]["features"], score
    return ranked


def _result(query: Query, c: dict, pair: dict, model: fit.Model, have: set[str]) -> dict:
    category_link = bool(query.category and query.category in (c.get("categories") or []))
    supplies_anchor, others = _prior_supply(c, query.anchor)
    return {
        "company": c["company"], "company_name": c["company_name"],
        "capability": c["capability"], **_scored(model, pair["features"]),
        "unmet": pair["failed"],
        "explanation": {
            "matched_terms": None,  # filled in for the results returned only
            "similarity": {"dense": round(float(c["cos_e"]), 4),
                           "cross_lingual": round(float(c["cos_x"]), 4),
                           "lexical": round(pair["lexical"], 3),
                           "term_coverage": round(pair["features"]["need_terms_found"], 3)},
            "certifications_met": [x for x in query.certs_required
                                   if vocabulary.holds(have, x)],
            "certifications_missing": [x for x in query.certs_required
                                       if not vocabulary.holds(have, x)],
            "requirements": pair["checks"],
            "local": bool(c.get("local")), "region": c.get("region_name"),
            "park": c.get("park_name"),
            "capacity_sufficient": _capacity_sufficient(pair["checks"]),
            "category_link": category_link,
            "graph_path": None,
            "supplies_this_anchor": supplies_anchor,
            "cluster_anchors_supplied": others,
        },
    }


def _scored(model: fit.Model, features: dict) -> dict:
    """The re-ranker's score (kept for the order only), the fit and its tier."""
    score = model.score(features)
    value = model.fit(score, bool(features["confident_rule"]))
    tier = model.tier(value)
    return {"fit": value, "tier": tier, "confident": tier == fit.HIGH, "_score": score}


def rescore(results: list[dict], model: fit.Model) -> list[dict]:
    """Results ranked `with_features`, scored by another model and ordered again (to compare
    models on the same rankings)."""
    out = [dict(r, **_scored(model, r["features"])) for r in results]
    out.sort(key=_rank_key)
    for r in out:
        r["score"] = r.pop("_score")
    return out


def _pairs(query: Query, candidates: list[dict]) -> list[dict]:
    """Each candidate's checks, lexical hits and ranking features (fit.FEATURES), in the
    context of all the need's candidates."""
    cos_e = np.array([c["cos_e"] for c in candidates], dtype=float)
    cos_x = np.array([c["cos_x"] for c in candidates], dtype=float)
    query_terms = lexical.terms(bridged(query.text))
    # Nodes written before text_bridged was stored fall back to bridging here.
    docs = [lexical.terms(c.get("text_bridged") or bridged(c["text"])) for c in candidates]
    lex, hits = lexical.bm25(query_terms, docs)
    share = _han_share(query.text)
    cross = np.array([_cross_lingual(share, _han_share(c["text"])) for c in candidates])
    z_e, z_x = _z(cos_e, COSINE_PRIORS["e5"]), _z(cos_x, COSINE_PRIORS["use"])
    z_lex = _z(lex)
    fused = np.where(cross, WEIGHT_E5_CROSS_LINGUAL, 1.0) * z_e \
        + np.where(cross, 2.0 - WEIGHT_E5_CROSS_LINGUAL, 1.0) * z_x + z_lex
    asked = set(query_terms)
    need = query.requirements
    pairs = []
    for i, c in enumerate(candidates):
        cap = requirements_of(c, "capability")
        found = checks.check(need, cap)
        failed = [f["reason"] for f in checks.hard_failures(found)]
        offered = set(docs[i])
        coverage = len(set(hits[i])) / max(len(asked), 1)
        concepts = checks.concepts_found(need, cap)
        pairs.append({"cap": cap, "checks": found, "failed": failed, "hits": hits[i],
                      "lexical": float(lex[i]),
                      "base": float(fused[i]) + _requirement_adjustment(found),
                      "rule": _confident_rule(failed, concepts, cos_x[i], coverage),
                      "features": {
                          "cos_e": float(cos_e[i]), "cos_x": float(cos_x[i]),
                          "cross_lingual": float(cross[i]),
                          "z_e": float(z_e[i]), "z_x": float(z_x[i]), "z_lex": float(z_lex[i]),
                          "z_e_cross": float(z_e[i] * cross[i]),
                          "z_x_cross": float(z_x[i] * cross[i]),
                          "z_lex_cross": float(z_lex[i] * cross[i]),
                          "need_terms_found": coverage,
                          "capability_terms_found": len(asked & offered) / max(len(offered), 1),
                          "concepts_found": concepts, "shares_concept": float(concepts > 0),
                          "met": float(sum(x["status"] == checks.MET for x in found)),
                          "soft_unmet": float(sum(x["status"] == checks.NOT_MET and not x["hard"]
                                                  for x in found)),
                          "hard_unmet": float(bool(failed)),
                          "unknown": float(sum(x["status"] == checks.UNKNOWN for x in found))}})
    _confirm_over_near_misses(pairs)
    ok = sorted((p["base"] for p in pairs if not p["failed"]), reverse=True) \
        or [max(p["base"] for p in pairs)]
    top, runner_up = ok[0], ok[1] if len(ok) > 1 else 0.0  # alone: a lead over a typical one
    for p in pairs:
        f = p["features"]
        # the lead over the best other candidate without a hard failure (negative when behind)
        leader = runner_up if not p["failed"] and p["base"] >= top else top
        f["base"], f["margin"], f["lead"] = p["base"], p["base"] - top, p["base"] - leader
        f["confident_rule"] = float(p["rule"])
    return pairs


def _confident_rule(failed: list, concepts: float, cos_x: float, coverage: float) -> bool:
    """What a confident fit needs besides its fit: no hard requirement fails, a trade term in
    common with the need (checks.concepts_found), and the cross-lingual cosine or the share of
    the need's terms found clears a bar (then `_confirm_over_near_misses`)."""
    return not failed and concepts > 0 and (
        cos_x >= CONFIDENT_CROSS_COSINE or coverage >= CONFIDENT_TERM_COVERAGE)


def _confirm_over_near_misses(pairs: list[dict]) -> None:
    """A candidate ranked above a more similar one that failed a hard requirement passes the
    rule only if it is known to meet that requirement itself: when the suppliers most like the
    need are ruled out on a detail (缸径, 年产能, 不做…), the next most similar one is often
    silent on it, and then the need has no reliable match."""
    failures = sorted(((p["base"], f) for p in pairs if p["failed"]
                       for f in checks.hard_failures(p["checks"])), key=lambda x: -x[0])
    for p in pairs:
        if p["rule"]:
            p["rule"] = all(checks.verified(f, p["checks"], p["cap"])
                            for base, f in failures if base > p["base"])


_HAN, _LATIN = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]")


def _han_share(text: str) -> float:
    han, latin = len(_HAN.findall(text)), len(_LATIN.findall(text))
    return han / max(han + latin, 1)


def _cross_lingual(share_a: float, share_b: float) -> bool:
    """An English text against a Chinese one, by their shares of Han characters (mixed texts
    count as both)."""
    return min(share_a, share_b) < 0.2 and max(share_a, share_b) > 0.8


def order(result: dict) -> tuple:
    """Any candidate without a failed hard requirement first, then by fit; equal fits put a
    local supplier, a category link and prior supply (as the explanation shows it) first."""
    e = result["explanation"]
    preference = bool(e.get("local")) + bool(e.get("category_link")) \
        + bool(e.get("supplies_this_anchor") or e.get("cluster_anchors_supplied"))
    return bool(result["unmet"]), -result["fit"], -preference


def _rank_key(result: dict) -> tuple:
    return *order(result), -result["_score"]


def abstains(matches: list[dict]) -> bool:
    """No reliable supplier: the best candidate is not 高 (or there is none)."""
    return not (matches and matches[0]["tier"] == fit.HIGH)


def _requirement_adjustment(found: list[dict]) -> float:
    met = sum(c["status"] == checks.MET for c in found)
    soft_unmet = sum(c["status"] == checks.NOT_MET and not c["hard"] for c in found)
    return BONUS_REQUIREMENT_MET * met - PENALTY_SOFT_UNMET * soft_unmet


def _capacity_sufficient(found: list[dict]) -> bool | None:
    for c in found:
        if c["kind"] in ("annual_count", "annual_mass") and c["status"] != checks.UNKNOWN:
            return c["status"] == checks.MET
    return None


def _shortened(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _graph_path(query: Query, c: dict, category_link: bool) -> list[Text]:
    path = []
    if category_link:
        path.append(_l("需求 → 品类 %(category)s ← 能力「%(capability)s」 ← %(company)s",
                       category=query.category_name or query.category,
                       capability=_shortened(c.get("products") or c.get("text") or ""),
                       company=c["company_name"]))
    if c.get("region_name"):
        path.append(_l("%(company)s → 注册地 %(region)s → 园区 %(park)s", company=c["company_name"],
                       region=c["region_name"], park=c["park_name"]) if c.get("park_name") else
                    _l("%(company)s → 注册地 %(region)s", company=c["company_name"],
                       region=c["region_name"]))
    supplies_anchor, others = _prior_supply(c, query.anchor)
    if supplies_anchor:
        path.append(_l("%(company)s → 已向该需求企业供货（采购台账）", company=c["company_name"]))
    if others:
        path.append(_l("%(company)s → 已为同产业集群 %(n)s 家其他主机企业供货（采购台账）",
                       company=c["company_name"], n=others))
    return path


# Other anchors of the cluster a supplier has supplied are counted from this many: fewer could
# name them (in a cluster of two anchors, "supplies one other" is the other one).
MIN_ANCHORS_COUNTED = 3


def _prior_supply(c: dict, anchor: str | None) -> tuple[bool, int]:
    """Whether the supplier has supplied the need's anchor, and how many other anchors of its
    cluster (0 below MIN_ANCHORS_COUNTED). Explanations never say which: an anchor's purchases
    are its own business, not its competitors'."""
    codes = set(c.get("supplied_cluster_anchors") or [])
    others = len(codes - {anchor})
    return anchor in codes, others if others >= MIN_ANCHORS_COUNTED else 0
