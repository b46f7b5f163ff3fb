"""`matchmaker eval-matching`: matching quality through the normal write and match paths.

Suppliers are loaded into a scratch graph database as approved local companies with one
capability each; each need is stored as a need and ranked exactly as the web app ranks it
(`service.rank_need`, every candidate kept with its features, so that another re-ranker can
score the same rankings: `ranking.rescore`)."""
from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from matchmaker.i18n import _l

from graph import companies
from graph.db import scratch_graph
from matchmaker import credit_code
from matchmaker.matching import fit, glossary, lexical, service
from matchmaker.matching.ranking import rescore


def read(path: Path) -> tuple[list[dict], list[dict]]:
    """(suppliers, needs) of a JSONL development set; each line names its row."""
    suppliers, needs = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows = {"supplier": suppliers, "need": needs}[row["type"]]
            if not (isinstance(row["id"], str) and isinstance(row["text"], str)):
                raise TypeError("id, text")
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(_l("%(file)s 第%(row)s行：应为含 type、id、text 的 JSON（%(error)s）",
                                file=path.name, row=number, error=str(e))) from None
        rows.append(row)
    return suppliers, needs


@contextmanager
def loaded(path: Path, config: dict, log=print):
    """A scratch graph holding the set's suppliers and needs, and the needs ranked in it:
    [{group, lang, relevant, need_id, results, pool}], each result with its supplier's `id` in
    the set and its features, and the pool (query, candidates) it was ranked from. They stay
    valid after the graph is dropped."""
    suppliers, needs = read(path)
    model = config["EMBEDDING_MODEL"]
    with scratch_graph(config["DATA_DIR"], "eval") as graph:
        code_of = {s["id"]: credit_code.make("430100", i + 1) for i, s in enumerate(suppliers)}
        anchor = credit_code.make("430100", 999_999)
        graph.write(companies.upsert_companies, [
            _company(code_of[s["id"]], s["id"], "supplier") for s in suppliers]
            + [_company(anchor, "eval anchor", "anchor")])
        log(f"loading {len(suppliers)} suppliers and {len(needs)} needs of {path.name} "
            f"into {graph.database}")
        for s in suppliers:
            service.save_capabilities(graph, model, code_of[s["id"]], [{"text": s["text"]}])
        id_of = {v: k for k, v in code_of.items()}
        ranked = []
        for n in needs:
            need_id = service.save_need(graph, model, anchor, {"title": n["text"][:100],
                                                                "description": n["text"][100:]})
            ranked.append({"group": f"{path.stem}:{n['id']}", "lang": n.get("lang", "?"),
                           "relevant": set(n.get("relevant") or []), "need_id": need_id,
                           "results": with_ids(rank(graph, need_id), id_of),
                           "pool": service.pool(graph, service.stored_need(graph, need_id))})
        yield graph, ranked, {"suppliers": suppliers, "needs": needs, "id_of": id_of}


def _company(code: str, name: str, role: str) -> dict:
    return {"credit_code": code, "name": name, "role": role, "status": "approved",
            "address": "", "contact_name": "", "contact_phone": "", "region": "430100",
            "park": None, "clusters": [], "local": True}


def rank(graph, need_id: str) -> list[dict]:
    """Every candidate of the need as its page ranks them, with features."""
    return service.rank_need(graph, service.stored_need(graph, need_id), limit=None,
                             with_features=True)["matches"]


def with_ids(results: list[dict], id_of: dict[str, str]) -> list[dict]:
    return [dict(r, id=id_of[r["company"]]) for r in results]


def examples(ranked: list[dict]) -> list[dict]:
    """Training examples: every ranked pair, labelled by the set."""
    return [{"group": n["group"], "features": r["features"], "label": int(r["id"] in n["relevant"])}
            for n in ranked for r in n["results"]]


def run(path: Path, config: dict, use_glossary: bool = True, log=print) -> dict:
    """Figures of the newest re-ranker (in a scratch graph: the shipped one) on a set."""
    with glossary.switched(use_glossary), loaded(path, config, log) as (graph, ranked, data):
        out = report(ranked)
        out["ranker_version"] = service.ranker(graph).version
    docs_plain = [lexical.terms(s["text"]) for s in data["suppliers"]]
    bm25 = []
    for n, need in zip(ranked, data["needs"]):
        scores, _ = lexical.bm25(lexical.terms(need["text"]), docs_plain)
        ids = [data["suppliers"][i]["id"] for i in np.argsort(scores)[::-1]]
        bm25.append(dict(n, results=[{"id": i} for i in ids]))
    out["glossary"] = use_glossary
    out["baseline_bm25_char_bigrams"] = _recall(bm25)
    return out


def report(ranked: list[dict], model: fit.Model | None = None) -> dict:
    """Recall, abstention and the tiers' reliability; with `model`, of that re-ranker scoring
    the same rankings."""
    if model is not None:
        ranked = [dict(n, results=rescore(n["results"], model)) for n in ranked]
    out = _recall(ranked)
    out.update(_abstention(ranked))
    out["reliability"] = reliability(ranked)
    return out


def _recall(ranked: list[dict]) -> dict:
    def summary(rows):
        rows = [n for n in rows if n["relevant"]]
        if not rows:
            return {"needs": 0}
        ids = [[r["id"] for r in n["results"]] for n in rows]
        r1 = np.mean([bool(i[:1]) and i[0] in n["relevant"] for i, n in zip(ids, rows)])
        r5 = np.mean([bool(n["relevant"] & set(i[:5])) for i, n in zip(ids, rows)])
        mrr = np.mean([next((1 / (k + 1) for k, x in enumerate(i) if x in n["relevant"]), 0.0)
                       for i, n in zip(ids, rows)])
        return {"needs": len(rows), "recall_at_1": round(float(r1), 3),
                "recall_at_5": round(float(r5), 3), "mrr": round(float(mrr), 3)}

    out = summary(ranked)
    out["per_lang"] = {lang: summary([n for n in ranked if n["lang"] == lang])
                       for lang in sorted({n["lang"] for n in ranked})}
    return out


def _abstention(ranked: list[dict]) -> dict:
    """No-answer needs shown a confident (高) top match (should be none), and answerable needs
    whose top match is relevant and 高 (should be all), overall and per language."""
    def summary(rows):
        confident = [bool(n["results"]) and n["results"][0]["tier"] == fit.HIGH for n in rows]
        answerable = [(n, ok) for n, ok in zip(rows, confident) if n["relevant"]]
        relevant_top = [ok for n, ok in answerable
                        if n["results"] and n["results"][0]["id"] in n["relevant"]]
        return {"needs_without_relevant": len(rows) - len(answerable),
                "confident_top_match_without_relevant": sum(
                    ok for n, ok in zip(rows, confident) if not n["relevant"]),
                "answerable_with_confident_relevant_top": _share(sum(relevant_top),
                                                                 len(answerable)),
                "relevant_top_matches_confident": _share(sum(relevant_top), len(relevant_top))}
    out = summary(ranked)
    out["abstention_per_lang"] = {lang: summary([n for n in ranked if n["lang"] == lang])
                                  for lang in sorted({n["lang"] for n in ranked})}
    return out


def reliability(ranked: list[dict]) -> dict:
    """Per tier: how many pairs, and the share of them that is relevant — over every ranked
    pair, and over the top match of each need."""
    def table(pairs):
        return {tier: {"pairs": len(inside := [rel for t, rel in pairs if t == tier]),
                       "relevant_share": _share(sum(inside), len(inside))}
                for tier in (fit.HIGH, fit.MEDIUM, fit.LOW)}
    every = [(r["tier"], r["id"] in n["relevant"]) for n in ranked for r in n["results"]]
    tops = [(n["results"][0]["tier"], n["results"][0]["id"] in n["relevant"])
            for n in ranked if n["results"]]
    return {"all_pairs": table(every), "top_matches": table(tops)}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def print_reliability(table: dict, echo=print) -> None:
    """The tiers' reliability as a small table (eval-matching prints it after the JSON)."""
    echo(f"{'tier':8} {'pairs':>6} {'relevant':>9}   {'top matches':>11} {'relevant':>9}")
    for tier, label in ((fit.HIGH, "高 high"), (fit.MEDIUM, "中 medium"), (fit.LOW, "低 low")):
        a, t = table["all_pairs"][tier], table["top_matches"][tier]
        echo(f"{label:8} {a['pairs']:>6} {_pct(a['relevant_share']):>9}   {t['pairs']:>11} "
             f"{_pct(t['relevant_share']):>9}")


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"
