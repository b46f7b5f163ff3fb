"""Ranking of candidates: pure functions over plain data (no Flask, no graph).

score = z(e5 cosine) + z(USE cosine) + z(BM25)   — equal-weight fusion of the three signals,
        z-normalized over the candidate set because raw e5 cosines are compressed (0.8–0.95);
        for an English text against a Chinese one e5 weighs 0.5 and USE 1.5
      + structured adjustments: requirements met (checks.py: certifications, sizes, volume,
        repair vs new, design, materials), local supplier, category link in the taxonomy, prior
        supply to anchors of the same cluster; a soft requirement not met costs as much.
Order: candidates with a hard requirement not met (checks.py) come after every candidate without
one, whatever their score; the reasons are returned with them (`unmet`).
Confidence is absolute, not relative, so a need nobody can serve is not shown a "confident"
match: the cross-lingual cosine or the share of the need's terms found clears a bar, no hard
requirement fails, the capability names one of the need's trade terms, and where a more similar
supplier failed a hard requirement, this one is known to meet it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from matchmaker.i18n import Text, _l
from matchmaker.matching import checks, lexical, requirements, vocabulary
from matchmaker.matching.glossary import bridged

CONFIDENT_CROSS_COSINE = 0.35
CONFIDENT_TERM_COVERAGE = 0.40

# e5-small is weak across languages (English need, Chinese capability: R@1 .17 against .83 for
# USE, docs/embedding-model.md), so such a pair leans on USE.
WEIGHT_E5_CROSS_LINGUAL = 0.5
BONUS_REQUIREMENT_MET = 0.5
PENALTY_SOFT_UNMET = 0.5
BONUS_LOCAL = 0.3
BONUS_CATEGORY = 0.4
BONUS_CLUSTER_SUPPLY = 0.2


@dataclass
class Query:
    """What is matched: a need (role 'need', candidates are capabilities) or a capability (role
    'capability', candidates are needs). `requirements` as stored, with the typed fields folded
    in (checks.with_structured)."""
    text: str
    requirements: dict
    role: str = "need"
    certs_required: list[str] = field(default_factory=list)
    category: str | None = None


@dataclass
class Filters:
    local_only: bool = False
    required_certs: list[str] = field(default_factory=list)  # hard filter
    region_names: list[str] = field(default_factory=list)


def _z(values) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if len(v) < 2 or v.std() < 1e-9:
        return np.zeros_like(v)
    return (v - v.mean()) / v.std()


def requirements_of(node: dict, role: str) -> dict:
    """A need's or capability's requirements as stored (read again from its text for a node
    written before they were stored), with its typed certifications and volume folded in."""
    stored = node.get("requirements")
    req = json.loads(stored) if stored else _read_from_text(node["text"], role)
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


def rank_suppliers(query: Query, candidates: list[dict], filters: Filters | None = None,
                   limit: int = 20) -> list[dict]:
    """Rank capability candidates (one supplier may appear once, by its best capability)."""
    filters = filters or Filters()
    if not candidates:
        return []
    cos_e = np.array([c["cos_e"] for c in candidates], dtype=float)  # computed in the graph
    cos_x = np.array([c["cos_x"] for c in candidates], dtype=float)
    query_terms = lexical.terms(bridged(query.text))
    # Nodes written before text_bridged was stored fall back to bridging here.
    lex, hits = lexical.bm25(query_terms, [lexical.terms(c.get("text_bridged") or bridged(c["text"]))
                                           for c in candidates])
    share = _han_share(query.text)
    cross = np.array([_cross_lingual(share, _han_share(c["text"])) for c in candidates])
    fused = np.where(cross, WEIGHT_E5_CROSS_LINGUAL, 1.0) * _z(cos_e) \
        + np.where(cross, 2.0 - WEIGHT_E5_CROSS_LINGUAL, 1.0) * _z(cos_x) + _z(lex)
    distinct_terms = max(len(set(query_terms)), 1)
    other = "capability" if query.role == "need" else "need"

    ranked: dict[str, dict] = {}
    for i, c in enumerate(candidates):
        have = set(c.get("certifications") or [])
        if filters.local_only and not c.get("local"):
            continue
        if any(x not in have for x in filters.required_certs):
            continue
        if filters.region_names and c.get("region_name") not in filters.region_names:
            continue
        theirs = requirements_of(c, other)
        need, cap = (query.requirements, theirs) if query.role == "need" else (theirs,
                                                                              query.requirements)
        found = checks.check(need, cap)
        failed = [f["reason"] for f in checks.hard_failures(found)]
        adjust = _requirement_adjustment(found)
        adjust += BONUS_LOCAL if c.get("local") else 0.0
        category_link = bool(query.category and query.category in (c.get("categories") or []))
        adjust += BONUS_CATEGORY if category_link else 0.0
        cluster_anchors = c.get("supplied_cluster_anchors") or []
        adjust += BONUS_CLUSTER_SUPPLY if cluster_anchors else 0.0
        coverage = len(set(hits[i])) / distinct_terms
        confident = not failed and checks.shares_concept(need, cap) and (
            cos_x[i] >= CONFIDENT_CROSS_COSINE or coverage >= CONFIDENT_TERM_COVERAGE)
        result = {
            "company": c["company"], "company_name": c["company_name"],
            "capability": c["capability"], "score": round(float(fused[i] + adjust), 4),
            "confident": bool(confident),
            "unmet": failed,
            "explanation": {
                "matched_terms": None,  # filled in below, for the results returned only
                "similarity": {"dense": round(float(cos_e[i]), 4),
                               "cross_lingual": round(float(cos_x[i]), 4),
                               "lexical": round(float(lex[i]), 3),
                               "term_coverage": round(coverage, 3)},
                "certifications_met": [x for x in query.certs_required
                                       if vocabulary.holds(have, x)],
                "certifications_missing": [x for x in query.certs_required
                                           if not vocabulary.holds(have, x)],
                "requirements": found,
                "local": bool(c.get("local")), "region": c.get("region_name"),
                "park": c.get("park_name"),
                "capacity_sufficient": _capacity_sufficient(found),
                "category_link": category_link,
                "graph_path": None,
                "supplied_cluster_anchors": cluster_anchors[:5],
            },
        }
        best = ranked.get(c["company"])
        if best is None or order(result) < order(best[0]):
            ranked[c["company"]] = (result, i, cap)
    everyone = sorted(ranked.values(), key=lambda r: order(r[0]))
    if query.role == "need":  # suppliers competing for one need; needs do not compete so
        _confirm_over_near_misses(everyone)
    top = everyone[:limit]
    for result, i, _ in top:
        explanation = result["explanation"]
        explanation["matched_terms"] = lexical.matched_phrases(candidates[i]["text"], hits[i])
        explanation["graph_path"] = _graph_path(query, candidates[i],
                                                explanation["category_link"])
    return [result for result, _, _ in top]


def _confirm_over_near_misses(ranked: list[tuple[dict, int, dict]]) -> None:
    """A candidate shown above a more similar one that failed a hard requirement is confident
    only if it is known to meet that requirement itself: when the suppliers most like the need
    are ruled out on a detail (缸径, 年产能, 不做…), the next most similar one is often silent on
    it, and then the need has no reliable match."""
    for result, _, cap in ranked:
        if not result["confident"]:
            continue
        failures = [f for other, _, _ in ranked
                    if other["unmet"] and other["score"] > result["score"]
                    for f in checks.hard_failures(other["explanation"]["requirements"])]
        result["confident"] = all(checks.verified(f, result["explanation"]["requirements"], cap)
                                  for f in failures)


_HAN, _LATIN = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]")


def _han_share(text: str) -> float:
    han, latin = len(_HAN.findall(text)), len(_LATIN.findall(text))
    return han / max(han + latin, 1)


def _cross_lingual(share_a: float, share_b: float) -> bool:
    """An English text against a Chinese one, by their shares of Han characters (mixed texts
    count as both)."""
    return min(share_a, share_b) < 0.2 and max(share_a, share_b) > 0.8


def order(result: dict) -> tuple[bool, float]:
    """Any candidate without a failed hard requirement first, then by score."""
    return bool(result["unmet"]), -result["score"]


def abstains(matches: list[dict]) -> bool:
    """No reliable supplier: the best candidate is not a confident fit (or there is none)."""
    return not (matches and matches[0]["confident"])


def _requirement_adjustment(found: list[dict]) -> float:
    met = sum(c["status"] == checks.MET for c in found)
    soft_unmet = sum(c["status"] == checks.NOT_MET and not c["hard"] for c in found)
    return BONUS_REQUIREMENT_MET * met - PENALTY_SOFT_UNMET * soft_unmet


def _capacity_sufficient(found: list[dict]) -> bool | None:
    for c in found:
        if c["kind"] in ("annual_count", "annual_mass") and c["status"] != checks.UNKNOWN:
            return c["status"] == checks.MET
    return None


def _graph_path(query: Query, c: dict, category_link: bool) -> list[Text]:
    path = []
    if category_link:
        path.append(_l("需求 → 品类 %(category)s ← 能力 %(capability)s ← %(company)s",
                       category=query.category, capability=c["capability"],
                       company=c["company_name"]))
    if c.get("region_name"):
        path.append(_l("%(company)s → 注册地 %(region)s → 园区 %(park)s", company=c["company_name"],
                       region=c["region_name"], park=c["park_name"]) if c.get("park_name") else
                    _l("%(company)s → 注册地 %(region)s", company=c["company_name"],
                       region=c["region_name"]))
    anchors = c.get("supplied_cluster_anchors") or []
    if anchors:
        path.append(_l("%(company)s → 已供货（采购台账） → %(anchors)s（同产业集群主机企业）",
                       company=c["company_name"], anchors="、".join(anchors[:3])))
    return path
