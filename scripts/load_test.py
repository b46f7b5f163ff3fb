"""Load test: mixed traffic against gunicorn on loopback, for a bounded time.

    scripts/load_test.py [--url http://127.0.0.1:5000] [--seconds 30] [--clients 16]

Without --url it loads the demo city into a scratch database of the embedded graph server (the
same data every run; dropped afterwards) and serves it with gunicorn (--workers × --threads,
gthread) on a free port. After a 3 s warm-up, two phases:
  read   — signed-in browsing: home, needs list, directory, fairs, API lists, messages
  mixed  — the read mix plus matching pages, sign-ins, needs and purchase batches posted via
           the API, and purchase files imported through the web upload (preview, then start)
Prints requests/s, p50/p95/p99 latency and errors per phase, then checks that every write the
server acknowledged is in the graph (no lost writes under concurrency)."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
from graph.db import scratch_graph  # noqa: E402
from matchmaker import config  # noqa: E402

PASSWORD = "demo-password"
USERS = {"anchor": "anchor@demo.cn", "supplier": "supplier@demo.cn", "organizer": "office@demo.cn"}


class Client:
    """One virtual user: a keep-alive connection and a session cookie."""

    def __init__(self, base: str):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes, float]:
        headers = dict(headers or {}, Cookie=self.cookie)
        started = time.perf_counter()
        for attempt in (1, 2):  # a worker may close an idle keep-alive connection
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError, socket.timeout):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            if value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data, time.perf_counter() - started

    def login(self, email: str) -> None:
        _, page, _ = self.request("GET", "/auth/login")
        token = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
        status, _, _ = self.request("POST", "/auth/login", form.encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"login as {email} failed ({status}); is the demo data loaded?")

    def json(self, method: str, path: str, payload=None):
        body = json.dumps(payload).encode() if payload is not None else None
        status, data, seconds = self.request(method, path, body,
                                             {"Content-Type": "application/json"})
        return status, (json.loads(data) if data[:1] in (b"{", b"[") else None), seconds


def read_requests(role: str) -> list[tuple[str, str]]:
    common = [("GET", "/"), ("GET", "/fairs/"), ("GET", "/notifications"),
              ("GET", "/api/v1/needs?per_page=20")]
    return common + {"anchor": [("GET", "/needs/"), ("GET", "/incentives/mine")],
                     "supplier": [("GET", "/suppliers/profile")],
                     "organizer": [("GET", "/companies"), ("GET", "/api/v1/companies")]}[role]


IMPORT_ROWS = 3


def import_purchases(client: Client, csv: str) -> tuple[list[float], str | None]:
    """Upload a purchase CSV, start its import: (latencies, job id or None when refused)."""
    _, page, took_form = client.request("GET", "/imports/?kind=purchases")
    token = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1).decode()
    boundary = "loadtest" + os.urandom(8).hex()
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             for k, v in (("csrf_token", token), ("kind", "purchases"))]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="load.csv"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n'
                 f'--{boundary}--\r\n')
    status, page, took_preview = client.request(
        "POST", "/imports/", "".join(parts).encode(),
        {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    job = re.search(rb"/imports/([0-9a-f]{32})/start", page)
    if status != 200 or not job:
        return [took_form, took_preview], None
    token = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1).decode()
    job_id = job.group(1).decode()
    status, _, took_start = client.request(
        "POST", f"/imports/{job_id}/start", urllib.parse.urlencode({"csrf_token": token}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"})
    return [took_form, took_preview, took_start], job_id if status == 302 else None


def run_phase(base: str, seconds: float, clients: int, mixed: bool, need_ids: list[str],
              supplier_codes: list[str], anchor_code: str) -> dict:
    """Every client signs in first; the clock starts once all have (sign-ins are then part of
    the mixed phase itself, at a realistic rate)."""
    latencies, errors = [], []
    writes = {"needs": 0, "purchases": 0, "import_jobs": []}
    run = f"{int(time.time())}-{os.getpid()}"  # invoice numbers unique to this run
    lock = threading.Lock()
    clock = {}
    ready = threading.Barrier(clients + 1, action=lambda: clock.update(  # before any runs
        started=time.monotonic(), deadline=time.monotonic() + seconds))

    def purchase_row(rng, invoice: str) -> dict:
        return {"anchor_credit_code": anchor_code, "supplier_credit_code": rng.choice(supplier_codes),
                "invoice_no": invoice, "date": "2026-06-01", "amount_yuan": "1000.00",
                "category": ""}

    def user(index: int):
        role = ("anchor", "supplier", "organizer")[index % 3]
        client = Client(base)
        try:
            client.login(USERS[role])
        except BaseException as e:  # SystemExit included: counted, and the clock still starts
            with lock:
                errors.append(f"sign-in as {role}: {e}")
            return
        finally:
            ready.wait()
        reads = read_requests(role)
        rng = random.Random(index)
        n = 0
        while time.monotonic() < clock["deadline"]:
            n += 1
            kind, payload = "read", None
            method, path = rng.choice(reads)
            try:
                if mixed and role == "anchor" and n % 40 == 7:
                    rows = [purchase_row(rng, f"LOAD-{run}-{index}-{n}-{i}")
                            for i in range(IMPORT_ROWS)]
                    csv = ",".join(rows[0]) + "\n" + "".join(
                        ",".join(r.values()) + "\n" for r in rows)
                    took, job_id = import_purchases(client, csv)
                    with lock:
                        latencies.extend(took)
                        if job_id:
                            writes["import_jobs"].append((client, job_id))
                        else:
                            errors.append("import refused")
                    continue
                if mixed and role == "supplier" and n % 25 == 0:
                    started = time.perf_counter()
                    client = Client(base)
                    client.login(USERS[role])
                    with lock:
                        latencies.append(time.perf_counter() - started)
                    continue
                if mixed and role == "anchor" and n % 10 == 0:
                    kind, method, path = "need", "POST", "/api/v1/needs"
                    payload = {"title": f"压测需求 {index}-{n}", "description": "液压油缸，年需求500件"}
                elif mixed and role == "anchor" and n % 10 == 5:
                    kind, method, path = "purchase", "POST", "/api/v1/purchases"
                    payload = {"rows": [purchase_row(rng, f"LOAD-{run}-{index}-{n}")]}
                elif mixed and role == "anchor" and n % 4 == 0:
                    path = f"/needs/{rng.choice(need_ids)}"
                elif mixed and role == "supplier" and n % 6 == 0:
                    path = "/suppliers/needs"
                if payload is None:
                    status, _, took = client.request(method, path)
                else:
                    status, _, took = client.json(method, path, payload)
            except Exception as e:  # a refused or dropped connection is an error, not a crash
                with lock:
                    errors.append(f"{path}: {e}")
                continue
            with lock:
                latencies.append(took)
                if status >= 400:
                    errors.append(f"{method} {path}: {status}")
                elif kind == "need":
                    writes["needs"] += 1
                elif kind == "purchase" and status == 201:
                    writes["purchases"] += 1

    threads = [threading.Thread(target=user, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - clock["started"]
    writes["purchases"] += _imported_rows(writes.pop("import_jobs"), errors)
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return {"requests": len(latencies), "seconds": round(elapsed, 1),
            "requests_per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(pick(0.50), 1), "p95_ms": round(pick(0.95), 1),
            "p99_ms": round(pick(0.99), 1),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if latencies else None,
            "errors": len(errors), "error_samples": errors[:5], "writes": writes}


def _imported_rows(jobs: list[tuple[Client, str]], errors: list[str]) -> int:
    """Waits for the phase's import jobs to end; the purchase rows they stored."""
    stored = 0
    for client, job_id in jobs:
        for _ in range(600):
            _, job, _ = client.json("GET", f"/imports/{job_id}/status")
            if job["status"] != "running":
                break
            time.sleep(0.1)
        if job["status"] == "done":
            stored += job["report"]["created"]
        else:
            errors.append(f"import {job_id}: {job['status']}")
    return stored


def serve(workers: int, threads: int, env: dict) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(workers),
                             "--worker-class", "gthread", "--threads", str(threads),
                             "--bind", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if Client(base).request("GET", "/healthz")[0] == 200:
                return proc, base
        except OSError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not come up")


@contextmanager
def demo_site(args) -> Iterator[str]:
    """The URL to load: --url as given, else gunicorn over a scratch database of the embedded
    server with a freshly loaded demo city, so that every run starts from the same data."""
    if args.url:
        yield args.url
        return
    data_dir = config.load()["DATA_DIR"]
    model = os.environ.get("EMBEDDING_MODEL") or str(data_dir / "models" / "multilingual-e5-small")
    with scratch_graph(data_dir, "loadtest") as graph:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "MATCHMAKER_DATA_DIR": str(data_dir),
               "NEO4J_DATABASE": graph.database, "EMBEDDING_MODEL": model,
               # every client signs in from 127.0.0.1, many times a minute in the mixed phase
               "MATCHMAKER_RATE_LIMITS": "login_ip=100000/60",
               # this tree's code for the commands below, whatever the venv was installed from
               "PYTHONPATH": str(ROOT)}
        started = time.monotonic()
        for command in ("init", "demo"):
            subprocess.run([str(BIN / "matchmaker"), command], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        print(f"demo city loaded into {graph.database} in {time.monotonic() - started:.0f} s",
              file=sys.stderr)
        proc, base = serve(args.workers, args.threads, env)
        # imports run on the worker, beside gunicorn as `make run` starts it
        worker = subprocess.Popen([str(BIN / "matchmaker"), "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield base
        finally:
            for process in (proc, worker):
                process.terminate()
                process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="an already running site with the demo data")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    with demo_site(args) as base:
        probe = Client(base)
        probe.login(USERS["anchor"])
        _, needs, _ = probe.json("GET", "/api/v1/needs?per_page=200")
        need_ids = [n["id"] for n in needs["items"] if n["status"] == "open"]
        anchor_code = needs["items"][0]["company"]
        office = Client(base)
        office.login(USERS["organizer"])
        _, suppliers, _ = office.json("GET", "/api/v1/companies?role=supplier&per_page=50")
        supplier_codes = [c["credit_code"] for c in suppliers["items"]]
        before = needs["total"]
        _, rates, _ = probe.json("GET", "/api/v1/rates?year=2026")
        purchases_before = _purchase_total(rates, anchor_code)
        report = {"url": base, "clients": args.clients,
                  "gunicorn": None if args.url else f"{args.workers} workers × {args.threads} threads"}
        run_phase(base, 3, args.clients, False, need_ids, supplier_codes, anchor_code)  # warm-up
        report["read"] = run_phase(base, args.seconds, args.clients, False, need_ids,
                                   supplier_codes, anchor_code)
        report["mixed"] = run_phase(base, args.seconds, args.clients, True, need_ids,
                                    supplier_codes, anchor_code)
        _, after, _ = probe.json("GET", "/api/v1/needs?per_page=1")
        _, rates, _ = probe.json("GET", "/api/v1/rates?year=2026")
        writes = report["mixed"]["writes"]
        report["write_check"] = {
            "needs_acknowledged": writes["needs"], "needs_stored": after["total"] - before,
            "purchases_acknowledged_fen": writes["purchases"] * 100000,
            "purchases_stored_fen": _purchase_total(rates, anchor_code) - purchases_before}
        report["no_data_lost"] = (
            report["write_check"]["needs_acknowledged"] == report["write_check"]["needs_stored"]
            and report["write_check"]["purchases_acknowledged_fen"]
            == report["write_check"]["purchases_stored_fen"])
        print(json.dumps(report, ensure_ascii=False, indent=2))


def _purchase_total(rates: dict, anchor: str) -> int:
    for row in rates.get("anchors", []):
        if row.get("anchor") == anchor:
            return row.get("total_fen", 0)
    return 0


if __name__ == "__main__":
    main()
