"""Benchmark: embedding speed and matching latency over N suppliers in a scratch database.

    python scripts/bench_match.py --suppliers 100000
    python scripts/bench_match.py --suppliers 0      # the embedding figures only

1. Embedding, through the production encoders: query latency (one need text at a time, as a
   need is saved: p50/p95), bulk throughput (texts/s) on 1,000 real capability texts (demo
   templates and the development set's suppliers, varied), and how close both are to the
   float32 e5 vectors stored before bfloat16 (min/mean cosine per encoder).
2. N suppliers stored through the normal graph write path (companies + capabilities with their
   vectors and the vector indexes). To keep large N affordable, each synthetic capability reuses
   the vectors of one of the 1,000 real texts with small noise added (then re-normalized).
3. Needs stored through the normal path; matching one need (vector-index retrieval + ranking,
   exactly `service.rank_need` on `service.stored_need`) timed over repeated runs: p50/p95, first right after the bulk
   load (cold: the server reads the indexes in) and then again (steady state).
Prints one JSON object, with the machine's load average before and after (the box is shared);
nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import random
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph import catalog, companies  # noqa: E402
from graph.db import scratch_graph  # noqa: E402
from matchmaker import config, credit_code  # noqa: E402
from matchmaker.demo import NEEDS, SUPPLY_TEMPLATES  # noqa: E402
from matchmaker.matching import encoders, service  # noqa: E402
from matchmaker.matching.glossary import bridged  # noqa: E402
from matchmaker.reference.seeds import seed  # noqa: E402

REGIONS = ["430102", "430104", "430111", "430121", "430181", "430182", "430200", "440600"]
SUFFIXES = ["", "，年产能10万件", "，可来图来样加工", "，服务长沙及周边主机厂", "，交期稳定",
            "，通过ISO9001认证", "，拥有检测中心", "，支持小批量试制"]


def real_texts(n: int) -> list[tuple[str, str]]:
    """(text, category) pairs: demo templates and dev-set suppliers with varied suffixes."""
    base = [("；".join([p, q, m]), cat) for cat, p, q, m, _ in SUPPLY_TEMPLATES]
    dev = ROOT.parent / "shared" / "data" / "dev_match_eval.jsonl"
    if dev.exists():
        for line in dev.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("type") == "supplier":
                base.append((row["text"], None))
    return [(text + SUFFIXES[(i // len(base)) % len(SUFFIXES)] + f"（{i}）", cat)
            for i, (text, cat) in ((i, base[i % len(base)]) for i in range(n))]


def rss_mb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()

    settings = config.load()
    model = settings["EMBEDDING_MODEL"]
    result: dict = {"suppliers": args.suppliers, "load_average_before": os.getloadavg()[0]}
    texts = real_texts(1000)
    bridged_texts = [bridged(t) for t, _ in texts]
    queries = [bridged(f"{title}。{description}") for _, title, description, _, _ in NEEDS]
    figures, vectors = embedding_figures(model, bridged_texts, queries)
    result.update(figures)
    if args.suppliers:
        result.update(matching_figures(settings, args, texts, bridged_texts, vectors))
    result["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(result, ensure_ascii=False, indent=1))


QUERY_ROUNDS = 5


def embedding_figures(model: str, passages: list[str],
                      queries: list[str]) -> tuple[dict, list[dict]]:
    """Figures, and the passages' vectors."""
    import torch

    enc = encoders.get(model)
    enc.encode(queries[:1], "query")  # warm-up
    enc.encode(passages[:64], "passage")
    times, query_vectors = [], []
    for _ in range(QUERY_ROUNDS):
        for query in queries:
            started = time.perf_counter()
            query_vectors.append(enc.encode([query], "query")[0])
            times.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    passage_vectors = enc.encode(passages, "passage")
    per_s = len(passages) / (time.perf_counter() - started)
    reference = encoders.Encoders(model, dtype=torch.float32)
    ours = query_vectors[:len(queries)] + passage_vectors
    theirs = reference.encode(queries, "query") + reference.encode(passages, "passage")
    out = {"e5_dtype": str(enc.dtype).removeprefix("torch."),
           "query_embed_p50_ms": round(statistics.median(times), 1),
           "query_embed_p95_ms": round(percentile(times, 95), 1),
           "embed_texts_per_s": round(per_s, 1)}
    for key in ("emb", "emb_x"):
        cosines = np.array([np.dot(a[key], b[key]) for a, b in zip(ours, theirs)])
        out[f"{key}_cosine_vs_float32_min"] = round(float(cosines.min()), 5)
        out[f"{key}_cosine_vs_float32_mean"] = round(float(cosines.mean()), 5)
    return out, passage_vectors


def matching_figures(settings: dict, args, texts: list[tuple[str, str]], bridged_texts: list[str],
                     vectors: list[dict]) -> dict:
    model = settings["EMBEDDING_MODEL"]
    result: dict = {}
    rng = random.Random(11)
    nprng = np.random.default_rng(11)
    with scratch_graph(settings["DATA_DIR"], "benchm", args.keep) as graph:
        seed(graph)
        anchor = credit_code.make("430104", 1)
        graph.write(companies.upsert_companies, [{
            "credit_code": anchor, "name": "基准主机厂", "role": "anchor", "status": "approved",
            "region": "430104", "park": None, "clusters": ["CM"], "local": True}])
        started = time.perf_counter()
        for start in range(0, args.suppliers, args.batch):
            count = min(args.batch, args.suppliers - start)
            firms, caps = [], []
            for i in range(start, start + count):
                j = i if i < len(texts) else rng.randrange(len(texts))
                (text, category), source = texts[j], vectors[j]
                region = REGIONS[i % len(REGIONS)]
                code = credit_code.make(region, 10_000 + i)
                firms.append({"credit_code": code, "name": f"基准配套{i}", "role": "supplier",
                              "status": "approved", "region": region, "park": None,
                              "clusters": [], "local": region.startswith("4301")})
                caps.append({"id": f"{code}-1", "company": code, "products": text,
                             "processes": "", "materials": "", "equipment": "",
                             "certifications": ["ISO9001"] if i % 3 else [],
                             "capacity_per_year": 100_000, "text": text,
                             "text_bridged": bridged_texts[j],
                             "categories": [category] if category else [],
                             **{k: _jitter(v, nprng, i >= len(texts))
                                for k, v in source.items()}})
            graph.write(companies.upsert_companies, firms)
            graph.write(catalog.upsert_capabilities, caps)
            done = start + count
            if done % 10_000 == 0 or done == args.suppliers:
                print(f"stored {done}/{args.suppliers} in {time.perf_counter() - started:.0f}s",
                      file=sys.stderr, flush=True)
        load_s = time.perf_counter() - started
        result["load_s"] = round(load_s, 1)
        result["load_rows_per_s"] = round(args.suppliers / load_s, 1)

        need_ids = []
        for n, (_, title, description, category, volume) in enumerate(NEEDS):
            need_ids.append(service.save_need(graph, model, anchor, {
                "id": f"BENCH-N{n:02d}", "title": title, "description": description,
                "category": category, "annual_volume": volume}))
        service.rank_need(graph, service.stored_need(graph, need_ids[0]))  # warm driver, caches
        # The first matches after a bulk load read the indexes' pages in from disk; both that
        # cold pass and the steady state after it are reported.
        cold = _match_timings(graph, need_ids, args.runs)
        timings = _match_timings(graph, need_ids, args.runs)
        matches = service.rank_need(graph, service.stored_need(graph, need_ids[0]))
        result.update({
            "match_runs": args.runs,
            "match_p50_ms": round(statistics.median(timings), 1),
            "match_p95_ms": round(percentile(timings, 95), 1),
            "match_max_ms": round(max(timings), 1),
            "cold_match_p50_ms": round(statistics.median(cold), 1),
            "cold_match_p95_ms": round(percentile(cold, 95), 1),
            "results_per_match": len(matches["matches"]),
            "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "graph_server_rss_mb": rss_mb(graph.embedded.pid),
        })
    return result


def _match_timings(graph, need_ids: list[str], runs: int) -> list[float]:
    timings = []
    for run in range(runs):
        started = time.perf_counter()
        service.rank_need(graph, service.stored_need(graph, need_ids[run % len(need_ids)]))
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def _jitter(vector: list[float], rng, noisy: bool) -> list[float]:
    if not noisy:
        return vector
    v = np.asarray(vector, dtype=np.float32)
    v = v + rng.normal(0, 0.02, v.shape).astype(np.float32)
    return (v / np.linalg.norm(v)).tolist()


if __name__ == "__main__":
    main()
