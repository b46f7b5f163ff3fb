"""Benchmark: matching latency over N suppliers in a scratch database of the embedded server.

    python scripts/bench_match.py --suppliers 100000

1. Embedding throughput (texts/s) on 1,000 real capability texts (demo templates and the
   development set's suppliers, varied), through the production encoders.
2. N suppliers stored through the normal graph write path (companies + capabilities with their
   vectors and the vector indexes). To keep large N affordable, each synthetic capability reuses
   the vectors of one of the 1,000 real texts with small noise added (then re-normalized).
3. Needs stored through the normal path; matching one need (vector-index retrieval + ranking,
   exactly `service.rank_need` on `service.stored_need`) timed over repeated runs: p50/p95, first right after the bulk
   load (cold: the server reads the indexes in) and then again (steady state).
   Query embedding is timed separately. Prints one JSON object; nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import random
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
    enc = encoders.get(model)
    result: dict = {"suppliers": args.suppliers}

    texts = real_texts(1000)
    enc.encode(["预热"], "passage")
    started = time.perf_counter()
    bridged_texts = [bridged(t) for t, _ in texts]
    vectors = enc.encode(bridged_texts, "passage")
    result["embed_texts_per_s"] = round(len(texts) / (time.perf_counter() - started), 1)

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

        need_ids, embed_times = [], []
        for n, (_, title, description, category, volume) in enumerate(NEEDS):
            started = time.perf_counter()
            enc.encode([bridged(f"{title}。{description}")], "query")
            embed_times.append(time.perf_counter() - started)
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
            "query_embed_p50_ms": round(statistics.median(embed_times) * 1000, 1),
            "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "graph_server_rss_mb": rss_mb(graph.embedded.pid),
        })
    print(json.dumps(result, ensure_ascii=False, indent=1))


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
