"""Fixtures: one real embedded graph server for the session, a fresh database per test, and the
real embedding model (built by `make setup`). Nothing here is mocked."""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest

from graph import server
from matchmaker.config import default_data_dir

MODEL = os.environ.get("EMBEDDING_MODEL") or str(default_data_dir() / "models" / "multilingual-e5-small")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data")
    yield path
    server.stop(path)


@pytest.fixture
def app(data_dir):
    from matchmaker import create_app
    from matchmaker.reference_data import seed

    database = f"t{uuid.uuid4().hex[:10]}"
    app = create_app({"DATA_DIR": data_dir, "NEO4J_DATABASE": database, "TESTING": True,
                      "EMBEDDING_MODEL": MODEL, "SECRET_KEY": "test-secret"})
    graph = app.extensions["graph"]
    seed(graph)
    yield app
    graph.close()
    server.drop_database(graph.embedded, database)


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
    from matchmaker import accounts, credit_code

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
