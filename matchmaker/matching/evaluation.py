"""`matchmaker eval-matching`: matching quality through the normal write and match paths.

Suppliers are loaded into a scratch graph database as approved local companies with one
capability each; each need is stored as a need and matched exactly as the web app does."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from graph import companies
from graph.db import scratch_graph
from matchmaker import credit_code
from matchmaker.matching import lexical, service


def _metrics(ranks: list[tuple[str, list[str], set[str]]]) -> dict:
    def summary(rows):
        rows = [r for r in rows if r[2]]
        if not rows:
            return {"needs": 0}
        r1 = np.mean([ids[:1] and ids[0] in rel for _, ids, rel in rows])
        r5 = np.mean([bool(rel & set(ids[:5])) for _, ids, rel in rows])
        mrr = np.mean([next((1 / (i + 1) for i, x in enumerate(ids) if x in rel), 0.0)
                       for _, ids, rel in rows])
        return {"needs": len(rows), "recall_at_1": round(float(r1), 3),
                "recall_at_5": round(float(r5), 3), "mrr": round(float(mrr), 3)}

    out = summary(ranks)
    out["per_lang"] = {lang: summary([r for r in ranks if r[0] == lang])
                       for lang in sorted({r[0] for r in ranks})}
    return out


def run(path: Path, config: dict, log=print) -> dict:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    suppliers = [r for r in rows if r["type"] == "supplier"]
    needs = [r for r in rows if r["type"] == "need"]
    model = config["EMBEDDING_MODEL"]
    with scratch_graph(config["DATA_DIR"], "eval") as graph:
        code_of = {s["id"]: credit_code.make("430100", i + 1) for i, s in enumerate(suppliers)}
        anchor = credit_code.make("430100", 999_999)
        graph.write(companies.upsert_companies, [
            {"credit_code": code_of[s["id"]], "name": s["id"], "role": "supplier",
             "status": "approved", "address": "", "contact_name": "", "contact_phone": "",
             "region": "430100", "park": None, "clusters": [], "local": True} for s in suppliers]
            + [{"credit_code": anchor, "name": "eval anchor", "role": "anchor", "status": "approved",
                "address": "", "contact_name": "", "contact_phone": "", "region": "430100",
                "park": None, "clusters": [], "local": True}])
        log(f"loading {len(suppliers)} suppliers into {graph.database}")
        for s in suppliers:
            service.save_capabilities(graph, model, code_of[s["id"]], [{"text": s["text"]}])
        id_of = {v: k for k, v in code_of.items()}
        ranks, bm25_ranks, confident_tops = [], [], []
        docs_plain = [lexical.terms(s["text"]) for s in suppliers]
        for n in needs:
            need_id = service.save_need(graph, model, anchor, {"title": n["text"][:100],
                                                                "description": n["text"][100:]})
            result = service.rank_need(graph, service.stored_need(graph, need_id), limit=20)
            ids = [id_of[m["company"]] for m in result["matches"]]
            rel = set(n.get("relevant") or [])
            ranks.append((n.get("lang", "?"), ids, rel))
            scores, _ = lexical.bm25(lexical.terms(n["text"]), docs_plain)
            bm25_ranks.append((n.get("lang", "?"),
                               [suppliers[i]["id"] for i in np.argsort(scores)[::-1]], rel))
            confident_tops.append(not result["abstain"])
        out = _metrics(ranks)
        out.update(_abstention(ranks, confident_tops))
        out["baseline_bm25_char_bigrams"] = _metrics(bm25_ranks)
        return out


def _abstention(ranks: list[tuple[str, list[str], set[str]]], confident: list[bool]) -> dict:
    """No-answer needs shown a confident top match (should be none), and answerable needs whose
    top match is relevant and confident (should be all), overall and per language."""
    def summary(rows):
        answerable = [(ids, rel, ok) for (_, ids, rel), ok in rows if rel]
        relevant_top = [ok for ids, rel, ok in answerable if ids[:1] and ids[0] in rel]
        return {"needs_without_relevant": len(rows) - len(answerable),
                "confident_top_match_without_relevant": sum(
                    ok for (_, _, rel), ok in rows if not rel),
                "answerable_with_confident_relevant_top": _share(sum(relevant_top),
                                                                 len(answerable)),
                "relevant_top_matches_confident": _share(sum(relevant_top), len(relevant_top))}
    rows = list(zip(ranks, confident))
    out = summary(rows)
    out["abstention_per_lang"] = {lang: summary([r for r in rows if r[0][0] == lang])
                                  for lang in sorted({r[0] for r in ranks})}
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
