"""Benchmark: N synthetic purchase rows imported through the normal importer into a scratch
database of the embedded graph server, then rates, awards and the chain's missing-link analysis computed in the graph.

    python scripts/bench_rewards.py --rows 1000000

Prints one JSON object: import rows/s with the seconds of its phases (parsing the file,
validating, storing), the CPU seconds this process and the graph server spent on the import (on
a busy machine wall time overstates what the import needs), rates and awards computation seconds,
peak memory of this process. Nothing is asserted."""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.db import scratch_graph  # noqa: E402
from matchmaker import config, credit_code, policy, tables  # noqa: E402
from matchmaker.chainmap import service as chain  # noqa: E402
from matchmaker.imports import companies, purchases as ledger  # noqa: E402
from matchmaker.imports.rows import BATCH  # noqa: E402
from matchmaker.incentives import rates as rate_figures  # noqa: E402
from matchmaker.incentives import service as awards  # noqa: E402
from matchmaker.reference.seeds import seed  # noqa: E402

LOCAL = ["430102", "430104", "430111", "430121", "430181", "430182"]
OUTSIDE = ["430200", "430300", "440600", "320500"]
CATEGORIES = ["HYD-CYL", "CAST-DIE", "STRU-WELD", "ELEC-HARN", "PLAS-INJ", "MAT-FAST"]


def companies_csv(anchors: int, suppliers: int) -> tuple[str, list[str], list[str]]:
    lines = [",".join(companies.COMPANY_COLUMNS)]
    anchor_codes, supplier_codes = [], []
    for i in range(anchors):
        code = credit_code.make("430104", 1 + i)
        anchor_codes.append(code)
        lines.append(f"{code},主机{i},anchor,{['CM', 'AU', 'HA'][i % 3]},430104,")
    rng = random.Random(3)
    for i in range(suppliers):
        region = rng.choice(OUTSIDE if i % 3 == 0 else LOCAL)  # a third outside the city
        code = credit_code.make(region, 100_000 + i)
        supplier_codes.append(code)
        lines.append(f"{code},配套{i},supplier,,{region},")
    return "\n".join(lines), anchor_codes, supplier_codes


def purchases_csv(rows: int, anchors: list[str], suppliers: list[str], seed_: int) -> str:
    rng = random.Random(seed_)
    out = io.StringIO()
    out.write(",".join(ledger.PURCHASE_COLUMNS) + "\n")
    for i in range(rows):
        year = 2024 if i % 2 else 2025
        out.write(f"{rng.choice(anchors)},{rng.choice(suppliers)},INV{i:09d},{year}-"
                  f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
                  f"{rng.randint(10_000, 5_000_000)}.{rng.randint(0, 99):02d},"
                  f"{rng.choice(CATEGORIES)}\n")
    return out.getvalue()


def _peak_mb(pid: int) -> int | None:
    """Peak resident memory of the embedded graph server (its own process, JVM included)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(round(int(line.split()[1]) / 1024) for line in status
                        if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--anchors", type=int, default=60)
    parser.add_argument("--suppliers", type=int, default=3000)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()

    settings = config.load()
    rules = policy.load(settings["POLICY_FILE"])
    result: dict = {"rows": args.rows, "anchors": args.anchors, "suppliers": args.suppliers}
    with scratch_graph(settings["DATA_DIR"], "bench", args.keep) as graph:
        result["database"] = graph.database
        seed(graph)
        text, anchor_codes, supplier_codes = companies_csv(args.anchors, args.suppliers)
        started = time.perf_counter()
        companies.import_companies(graph, tables.read(text.encode(), "c.csv",
                                                      companies.COMPANY_COLUMNS), rules, "bench")
        result["companies_import_s"] = round(time.perf_counter() - started, 2)

        data = purchases_csv(args.rows, anchor_codes, supplier_codes, 7).encode()
        server_cpu, own_cpu = cpu_seconds(graph.embedded.pid), time.process_time()
        started = time.perf_counter()
        table = tables.read(data, "p.csv", ledger.PURCHASE_COLUMNS)
        del data
        parsed = time.perf_counter()
        validated = []

        def progress(done, total):
            if not validated:  # the first call comes when every row is validated
                validated.append(time.perf_counter())
            if done % 100_000 < BATCH or done == total:
                print(f"stored {done}/{total} in {time.perf_counter() - parsed:.0f}s",
                      file=sys.stderr, flush=True)
        report = ledger.import_purchases(graph, table, "bench", progress=progress)
        done = time.perf_counter()
        del table
        result.update({
            "import_created": report.created,
            "import_s": round(done - started, 2),
            "import_rows_per_s": round(args.rows / (done - started)),
            "parse_s": round(parsed - started, 2),
            "validate_s": round(validated[0] - parsed, 2),
            "store_s": round(done - validated[0], 2),
            "import_cpu_s": {"bench": round(time.process_time() - own_cpu, 1),
                             "graph_server": round(cpu_seconds(graph.embedded.pid)
                                                   - server_cpu, 1)},
        })
        started = time.perf_counter()
        rates = rate_figures.report(graph, rules, 2025, years_back=1)
        result["rates_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        computed = awards.compute(graph, rules, 2025, "bench")
        result["awards_s"] = round(time.perf_counter() - started, 2)
        result["awards_proposed"] = sum(1 for r in computed["anchors"] if r["award_fen"] > 0)
        result["clusters"] = {c["cluster"]: c["rate_pct"] for c in rates["clusters"]}
        started = time.perf_counter()
        coverage = chain.coverage(graph, rules, 2025)
        result["missing_links_s"] = round(time.perf_counter() - started, 2)
        result["missing_links"] = len(coverage["missing_links"])
        started = time.perf_counter()
        again = ledger.import_purchases(graph, tables.read(
            purchases_csv(min(args.rows, 10_000), anchor_codes, supplier_codes, 7).encode(),
            "p.csv", ledger.PURCHASE_COLUMNS), "bench")
        result["reimport_10k_unchanged"] = again.unchanged
        result["reimport_10k_s"] = round(time.perf_counter() - started, 2)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        result["graph_server_peak_rss_mb"] = _peak_mb(graph.embedded.pid)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
