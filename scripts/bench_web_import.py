"""Benchmark: a 200,000-row purchase file imported through the web while other pages are read.

    python scripts/bench_web_import.py [--rows 200000] [--url http://127.0.0.1:5000]

Serves the demo city as scripts/load_test.py does (gunicorn and the worker over a scratch
database of the embedded graph server), uploads a purchase file of the demo's companies as the
city office (preview, then start) and, until the import ends, reads the job's status every
second (phase, rows done of total) while a second session reads other pages one after another.
Prints one JSON object: the progress seen, the import's seconds, the other pages' latencies
(and each page's time just before and just after the import)."""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rewards import purchases_csv  # noqa: E402
from load_test import USERS, Client, demo_site, import_purchases  # noqa: E402

PAGES = ["/", "/companies", "/fairs/", "/notifications", "/api/v1/needs"]


def codes(client: Client, role: str) -> list[str]:
    _, page, _ = client.json("GET", f"/api/v1/companies?role={role}&status=approved&per_page=100")
    return [c["credit_code"] for c in page["items"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="an already running site with the demo data and a worker")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with demo_site(args) as base:
        office, reader = Client(base), Client(base)
        office.login(USERS["organizer"])
        reader.login(USERS["organizer"])
        csv = purchases_csv(args.rows, codes(office, "anchor"), codes(office, "supplier"), 11)
        before = {path: round(reader.request("GET", path)[2] * 1000) for path in PAGES}
        took, job_id = import_purchases(office, csv)
        if not job_id:
            raise SystemExit("the upload was refused")
        result = {"rows": args.rows, "upload_mb": round(len(csv.encode()) / 2**20, 1),
                  "preview_s": round(took[1], 2)}
        started = time.perf_counter()
        latencies: list[tuple[str, float]] = []
        stop = threading.Event()

        def read_pages() -> None:
            n = 0
            while not stop.is_set():
                path = PAGES[n % len(PAGES)]
                status, _, seconds = reader.request("GET", path)
                latencies.append((f"{time.perf_counter() - started:.1f}s {path}", seconds)
                                 if status == 200 else (f"{path} {status}", 99))
                n += 1
                time.sleep(0.1)
        pages = threading.Thread(target=read_pages)
        pages.start()
        progress = []
        while True:
            _, job, _ = office.json("GET", f"/imports/{job_id}/status")
            progress.append(f"{time.perf_counter() - started:.1f}s {job['phase'] or 'queued'} "
                            f"{job['done']}/{job['total']}")
            if job["status"] != "running":
                break
            time.sleep(1)
        stop.set()
        pages.join()
        seconds = sorted(s for _, s in latencies)
        after = {path: round(reader.request("GET", path)[2] * 1000) for path in PAGES}
        result.update({
            "status": job["status"], "created": (job["report"] or {}).get("created"),
            "import_s": round(time.perf_counter() - started, 1),
            "progress": progress[::max(1, len(progress) // 12)] + progress[-1:],
            "other_pages": {"requests": len(seconds),
                            "p50_ms": round(statistics.median(seconds) * 1000),
                            "p95_ms": round(seconds[int(0.95 * (len(seconds) - 1))] * 1000),
                            "max_ms": round(seconds[-1] * 1000),
                            "over_1s": [f"{at} {round(s * 1000)} ms" for at, s in latencies
                                        if s >= 1]},
            "pages_before_ms": before, "pages_after_ms": after})
        print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
