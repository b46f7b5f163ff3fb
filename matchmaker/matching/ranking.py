"""Ranking of candidates: pure functions over plain data (no Flask, no graph).

score = z(e5 cosine) + z(USE cosine) + z(BM25)   — equal-weight fusion of the three signals,
        z-normalized over the candidate set because raw e5 cosines are compressed (0.8–0.95)
      + structured adjustments: certifications met/missing, local supplier, capacity vs volume,
        category link in the taxonomy, prior supply to anchors of the same cluster.
Confidence is absolute, not relative: the cross-lingual cosine or the share of the need's terms
found must clear a bar, so a need nobody can serve is not shown a "confident" match.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from matchmaker.matching import lexical
from matchmaker.matching.glossary import bridged

CERT_PATTERNS = {
    "ISO9001": r"iso\s*9001|gb/t\s*19001",
    "IATF16949": r"iatf\s*16949|ts\s*16949",
    "ISO14001": r"iso\s*14001",
    "ISO45001": r"iso\s*45001|ohsas\s*18001",
    "UL": r"(?<![a-z])ul(?![a-z])",
    "CE": r"(?<![a-z])ce(?![a-z])(?:\s*(?:认证|marking|certif))",
    "CCC": r"(?<![a-z])ccc(?![a-z])|3c认证",
    "GJB9001": r"gjb\s*9001",
}

CONFIDENT_CROSS_COSINE = 0.35
CONFIDENT_TERM_COVERAGE = 0.40

BONUS_CERT_MET = 0.5
PENALTY_CERT_MISSING = 1.0
BONUS_LOCAL = 0.3
BONUS_CATEGORY = 0.4
BONUS_CLUSTER_SUPPLY = 0.2
PENALTY_LOW_CAPACITY = 0.3


def extract_certifications(text: str) -> list[str]:
    lowered = (text or "").lower()
    return [code for code, pattern in CERT_PATTERNS.items() if re.search(pattern, lowered)]


@dataclass
class Query:
    text: str
    certs_required: list[str] = field(default_factory=list)
    annual_volume: int | None = None
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
    fused = _z(cos_e) + _z(cos_x) + _z(lex)
    distinct_terms = max(len(set(query_terms)), 1)

    ranked: dict[str, dict] = {}
    for i, c in enumerate(candidates):
        have = set(c.get("certifications") or [])
        met = [x for x in query.certs_required if x in have]
        missing = [x for x in query.certs_required if x not in have]
        if filters.local_only and not c.get("local"):
            continue
        if any(x not in have for x in filters.required_certs):
            continue
        if filters.region_names and c.get("region_name") not in filters.region_names:
            continue
        adjust = BONUS_CERT_MET * len(met) - PENALTY_CERT_MISSING * len(missing)
        adjust += BONUS_LOCAL if c.get("local") else 0.0
        category_link = bool(query.category and query.category in (c.get("categories") or []))
        adjust += BONUS_CATEGORY if category_link else 0.0
        cluster_anchors = c.get("supplied_cluster_anchors") or []
        adjust += BONUS_CLUSTER_SUPPLY if cluster_anchors else 0.0
        capacity_ok = None
        if query.annual_volume and c.get("capacity"):
            capacity_ok = c["capacity"] >= query.annual_volume
            adjust -= 0 if capacity_ok else PENALTY_LOW_CAPACITY
        coverage = len(set(hits[i])) / distinct_terms
        confident = cos_x[i] >= CONFIDENT_CROSS_COSINE or coverage >= CONFIDENT_TERM_COVERAGE
        result = {
            "company": c["company"], "company_name": c["company_name"],
            "capability": c["capability"], "score": round(float(fused[i] + adjust), 4),
            "confident": bool(confident),
            "explanation": {
                "matched_terms": None,  # filled in below, for the results returned only
                "similarity": {"dense": round(float(cos_e[i]), 4),
                               "cross_lingual": round(float(cos_x[i]), 4),
                               "lexical": round(float(lex[i]), 3),
                               "term_coverage": round(coverage, 3)},
                "certifications_met": met, "certifications_missing": missing,
                "local": bool(c.get("local")), "region": c.get("region_name"),
                "park": c.get("park_name"),
                "capacity_sufficient": capacity_ok,
                "category_link": category_link,
                "graph_path": None,
                "supplied_cluster_anchors": cluster_anchors[:5],
            },
        }
        best = ranked.get(c["company"])
        if best is None or result["score"] > best[0]["score"]:
            ranked[c["company"]] = (result, i)
    top = sorted(ranked.values(), key=lambda r: -r[0]["score"])[:limit]
    for result, i in top:
        explanation = result["explanation"]
        explanation["matched_terms"] = lexical.matched_phrases(candidates[i]["text"], hits[i])
        explanation["graph_path"] = _graph_path(query, candidates[i],
                                                explanation["category_link"])
    return [result for result, _ in top]


def _graph_path(query: Query, c: dict, category_link: bool) -> list[str]:
    path = []
    if category_link:
        path.append(f"需求 → 品类 {query.category} ← 能力 {c['capability']} ← {c['company_name']}")
    if c.get("region_name"):
        path.append(f"{c['company_name']} → 注册地 {c['region_name']}"
                    + (f" → 园区 {c['park_name']}" if c.get("park_name") else ""))
    anchors = c.get("supplied_cluster_anchors") or []
    if anchors:
        path.append(f"{c['company_name']} → 已供货（采购台账） → {'、'.join(anchors[:3])}"
                    "（同产业集群主机企业）")
    return path
