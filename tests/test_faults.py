"""The graph server stopped mid-session: a clear 503 page and JSON, no stack trace, and the same
running app recovers once the server is back."""
import pytest
from conftest import login

from graph import server

pytestmark = pytest.mark.slow


def test_graph_outage_is_a_503_and_the_app_recovers(tmp_path, app_on):
    app, graph = app_on(tmp_path)
    client = app.test_client()
    login(client, "anchor@a.cn")
    assert client.get("/needs/").status_code == 200
    assert server.stop(tmp_path)
    page = client.get("/needs/")
    html = page.get_data(as_text=True)
    assert page.status_code == 503 and "图数据库暂时无法连接" in html
    assert "Traceback" not in html and "neo4j" not in html.lower()
    api = client.get("/api/v1/needs")
    assert api.status_code == 503 and api.get_json()["error"] == "GraphUnavailable"
    assert client.get("/healthz").status_code == 503
    server.ensure_running(tmp_path)  # an operator restarts the server; the app is not restarted
    assert client.get("/needs/").status_code == 200
    assert client.get("/healthz").get_json()["status"] == "ok"
