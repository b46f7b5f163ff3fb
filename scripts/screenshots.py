"""The README's screenshots, retaken from the demo city: each role's main pages on a desktop
(1366 px wide) and on a 390×844 phone, in the Chinese UI.

    HF_HUB_OFFLINE=1 .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Loads the demo city into an embedded graph server of its own (in a temporary directory, stopped
and removed afterwards), serves the site in this process and drives Debian's Chromium with
Playwright, like the browser tests. Desktop shots are the page from the top, at most 1,200 px
tall; phone shots are the first two screens (Chromium's PNGs at device scale 1, 85-370 KB
each)."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from werkzeug.serving import make_server  # noqa: E402

from graph import server  # noqa: E402
from graph.db import scratch_graph  # noqa: E402
from matchmaker import config, create_app, demo  # noqa: E402
from matchmaker.reference.seeds import city_of, seed  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
DESKTOP_MAX_HEIGHT = 1200
YEAR = demo.PURCHASE_YEARS[-1]

# (name, login, path, what to wait for, viewports); "need" is the anchor's first need.
SHOTS = [
    ("landing", None, "/", None, (DESKTOP, PHONE)),
    ("office-home", "office@demo.cn", "/", "figure[data-chart].drawn canvas", (DESKTOP, PHONE)),
    ("office-awards", "office@demo.cn", f"/incentives/?year={YEAR}",
     "figure[data-chart].drawn canvas", (DESKTOP,)),
    ("office-chain-map", "office@demo.cn", f"/chain/?year={YEAR}", "#chain-map canvas",
     (DESKTOP, PHONE)),
    ("office-fair", "office@demo.cn", f"/fairs/{demo.DEMO_FAIR}", None, (DESKTOP,)),
    ("office-fair-report", "office@demo.cn", f"/fairs/{demo.PAST_FAIR}/report", None, (DESKTOP,)),
    ("anchor-home", "anchor@demo.cn", "/", "figure[data-chart].drawn canvas", (DESKTOP, PHONE)),
    ("anchor-need-ranking", "anchor@demo.cn", "need", None, (DESKTOP, PHONE)),
    ("supplier-home", "supplier@demo.cn", "/", None, (DESKTOP, PHONE)),
    ("supplier-matching-needs", "supplier@demo.cn", "/suppliers/needs", None, (PHONE,)),
]


def login(page, email: str) -> None:
    page.goto("/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def shoot(page, path: Path, viewport: dict) -> None:
    if viewport is PHONE:
        page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": PHONE["width"],
                                              "height": min(2 * PHONE["height"], page_height(page))},
                        full_page=True)
    else:
        page.screenshot(path=str(path), full_page=True, clip={
            "x": 0, "y": 0, "width": DESKTOP["width"],
            "height": min(DESKTOP_MAX_HEIGHT, page_height(page))})


def page_height(page) -> int:
    return page.evaluate("document.scrollingElement.scrollHeight")


def take(base: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    taken = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        contexts = {}
        for name, email, path, ready, viewports in SHOTS:
            for viewport in viewports:
                key = (email, viewport["width"])
                if key not in contexts:
                    context = browser.new_context(base_url=base, locale="zh-CN", viewport=viewport)
                    page = context.new_page()
                    page.set_default_timeout(60_000)
                    if email:
                        login(page, email)
                    contexts[key] = page
                page = contexts[key]
                if path == "need":
                    page.goto("/needs/")
                    path = page.locator("main table a[href^='/needs/']").first.get_attribute("href")
                page.goto(path)
                page.wait_for_load_state("networkidle")
                if ready:
                    page.wait_for_selector(ready)
                page.wait_for_timeout(400)   # charts finish their entry animation
                file = out / f"{name}-{'phone' if viewport is PHONE else 'desktop'}.png"
                shoot(page, file, viewport)
                taken.append(file)
                print(f"{file}  {file.stat().st_size // 1024} KB", flush=True)
        browser.close()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    model = config.load()["EMBEDDING_MODEL"]   # the model of the usual data directory
    data_dir = Path(tempfile.mkdtemp(prefix="screenshots-"))   # its own graph server
    try:
        with scratch_graph(data_dir, "screenshots") as graph:
            app = create_app({"DATA_DIR": data_dir, "NEO4J_DATABASE": graph.database,
                              "SECRET_KEY": "screenshots", "EMBEDDING_MODEL": model})
            site_graph = app.extensions["graph"]
            seed(site_graph, city_of(app.config["POLICY_FILE"]))
            demo.load(site_graph, app.config)
            http = make_server("127.0.0.1", 0, app, threaded=True)
            threading.Thread(target=http.serve_forever, daemon=True).start()
            try:
                take(f"http://127.0.0.1:{http.server_port}", Path(args.out))
            finally:
                http.shutdown()
                site_graph.close()
    finally:
        server.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
