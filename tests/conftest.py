"""Fixtures: one real embedded graph server for the session, a fresh database per test, and the
real embedding model (built by `make setup`). Nothing here is mocked."""
from __future__ import annotations

import io
import os
import re
import uuid
from pathlib import Path

import pytest

from graph import server
from matchmaker.config import default_data_dir

MODEL = os.environ.get("EMBEDDING_MODEL") or str(default_data_dir() / "models" / "multilingual-e5-small")


def pytest_collection_modifyitems(items):
    """Every test that drives the browser is slow (the `slow` marker, pyproject.toml); the
    others that are say so themselves."""
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data")
    yield path
    server.stop(path)


@pytest.fixture
def app(data_dir):
    yield from seeded_app(data_dir)


def seeded_app(data_dir):
    """An app on a fresh, seeded database of the session's server, dropped afterwards (a
    generator, for fixtures of any scope)."""
    from matchmaker import create_app
    from matchmaker.reference.seeds import seed

    database = f"t{uuid.uuid4().hex[:10]}"
    app = create_app({"DATA_DIR": data_dir, "NEO4J_DATABASE": database, "TESTING": True,
                      "EMBEDDING_MODEL": MODEL, "SECRET_KEY": "test-secret"})
    graph = app.extensions["graph"]
    seed(graph)
    yield app
    graph.close()
    server.drop_database(graph.embedded, database)


@pytest.fixture
def app_on():
    """An app on its own embedded server under `data_dir` (for tests that stop the server),
    with one anchor user, anchor@a.cn."""
    from graph import server
    from matchmaker import create_app
    from matchmaker.auth import accounts
    from matchmaker.reference.seeds import seed
    made = []

    def make(data_dir):
        app = create_app({"DATA_DIR": data_dir, "TESTING": True, "EMBEDDING_MODEL": MODEL,
                          "SECRET_KEY": "test-secret"})
        graph = app.extensions["graph"]
        seed(graph)
        from graph import companies
        from matchmaker import credit_code
        row = accounts.company_row({"credit_code": credit_code.make("430104", 1), "name": "星联重工",
                                    "role": "anchor", "region": "430104", "clusters": ["CM"]},
                                   "approved", "430100")
        graph.write(companies.upsert_companies, [row])
        accounts.create_user(graph, "anchor@a.cn", "张三", "anchor", "correct-horse-1",
                             row["credit_code"])
        made.append((graph, data_dir))
        return app, graph
    yield make
    for graph, data_dir in made:
        graph.close()
        server.stop(data_dir)


@pytest.fixture
def graph(app):
    return app.extensions["graph"]


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path="/auth/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html).group(1)


def login(client, email, password="correct-horse-1"):
    return client.post("/auth/login", data={"email": email, "password": password,
                                            "csrf_token": csrf_token(client)})


@pytest.fixture
def make_company(graph):
    from graph import companies
    from matchmaker import credit_code
    from matchmaker.auth import accounts

    counter = iter(range(1, 10_000))

    def make(name, role="supplier", region="430104", clusters=(), status="approved", user=None):
        row = accounts.company_row({"credit_code": credit_code.make(region, next(counter)),
                                    "name": name, "role": role, "region": region,
                                    "clusters": list(clusters)}, status, "430100")
        graph.write(companies.upsert_companies, [row])
        if user:
            accounts.create_user(graph, user, name, role, "correct-horse-1", row["credit_code"])
        return row
    return make


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"


@pytest.fixture
def live_server(app):
    """The test's app served over real HTTP on a free loopback port (for the browser)."""
    import threading

    from werkzeug.serving import make_server

    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (installed by `make setup`; no browser download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make setup` (installs Debian chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """A fresh browser context (own cookies) whose relative URLs resolve on the live server;
    `shot(name)` saves a full-page screenshot under test-artifacts/screenshots/."""
    context = chromium.new_context(base_url=live_server, locale="zh-CN",
                                   viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.shot = lambda name: page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    yield page
    context.close()


def browser_login(page, email, password="correct-horse-1"):
    page.goto("/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def browser_logout(page):
    page.click("header form button[type=submit]")
    page.wait_for_load_state()


def upload(client, kind: str, filename: str, data: bytes):
    """Step 1 of an import: the preview page's response."""
    return client.post("/imports/", data={"csrf_token": csrf_token(client, "/imports/"),
                                          "kind": kind, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def job_id_of(response) -> str:
    return re.search(r'/imports/([0-9a-f]{32})/start', response.get_data(as_text=True)).group(1)


def run_import(client, job_id: str, valid_only: bool = False) -> dict:
    """Step 2: start the previewed import, and run the job it queued as the worker does."""
    from matchmaker.worker import Worker
    data = {"csrf_token": csrf_token(client, f"/imports/{job_id}")}
    if valid_only:
        data["valid_only"] = "1"
    started = client.post(f"/imports/{job_id}/start", data=data)
    assert started.status_code == 302, started.get_data(as_text=True)
    Worker(client.application).run_once()
    status = client.get(f"/imports/{job_id}/status").get_json()
    assert status["status"] != "running", status
    return status
