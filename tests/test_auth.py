"""Accounts, roles, CSRF and cross-company isolation through the real app and graph."""
from conftest import csrf_token, login

from matchmaker import credit_code


PUBLIC = ("/static", "/auth", "/healthz", "/api/v1/openapi.json")


def _get_routes(app):
    return [r.rule for r in app.url_map.iter_rules()
            if "GET" in r.methods and not r.arguments and not r.rule.startswith(PUBLIC)]


def test_anonymous_is_sent_to_login_everywhere(app, client):
    """Except the landing page, which says what the platform is (and shows no company data)."""
    landing = client.get("/").get_data(as_text=True)
    assert "产业链配套撮合平台" in landing and 'href="/auth/register"' in landing
    for rule in _get_routes(app):
        if rule == "/":
            continue
        response = client.get(rule)
        assert response.status_code in (302, 401), rule
        if response.status_code == 302:
            assert "/auth/login" in response.headers["Location"], rule


def test_wrong_role_gets_403(client, make_company):
    make_company("配套甲", user="s@a.cn")
    login(client, "s@a.cn")
    assert client.get("/companies").status_code == 403
    assert client.post("/companies/X/status", data={"status": "approved",
                                                     "csrf_token": csrf_token(client, "/")}).status_code == 403


def test_organizer_approves_registered_company(app, client, graph):
    from matchmaker.auth import accounts
    accounts.create_user(graph, "office@a.cn", "办公室", "organizer", "correct-horse-1")
    code = credit_code.make("430181", 77)
    response = client.post("/auth/register", data={
        "company_name": "浏阳新材料有限公司", "credit_code": code, "role": "supplier",
        "region": "浏阳市", "park": "", "address": "", "contact_name": "张三",
        "contact_phone": "13800000000", "email": "new@a.cn", "password": "long-enough-1",
        "password2": "long-enough-1", "csrf_token": csrf_token(client, "/auth/register")})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login(client, "office@a.cn")
    page = client.get("/companies?status=pending").get_data(as_text=True)
    assert "浏阳新材料有限公司" in page
    client.post(f"/companies/{code}/status", data={"status": "approved",
                                                  "csrf_token": csrf_token(client, "/companies")})
    assert "浏阳新材料有限公司" in client.get("/companies?status=approved").get_data(as_text=True)


def test_registration_rejects_bad_credit_code_by_field(client):
    response = client.post("/auth/register", data={
        "company_name": "某公司", "credit_code": "91350100M000100Y44", "role": "supplier",
        "region": "浏阳市", "contact_name": "张三", "contact_phone": "1", "email": "b@a.cn",
        "password": "long-enough-1", "password2": "long-enough-1",
        "csrf_token": csrf_token(client, "/auth/register")})
    assert response.status_code == 400
    assert "校验位不正确" in response.get_data(as_text=True)


def test_csrf_rejects_forged_post(client, make_company):
    make_company("配套甲", user="s@a.cn")
    response = client.post("/auth/login", data={"email": "s@a.cn", "password": "correct-horse-1"})
    assert response.status_code == 400
    assert client.get("/notifications").status_code == 302  # still anonymous


def test_login_throttled_after_repeated_failures(client, make_company):
    make_company("配套甲", user="s@a.cn")
    for _ in range(5):
        assert login(client, "s@a.cn", "wrong-password").status_code == 401
    refused = login(client, "s@a.cn")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_session_cookie_flags(client, make_company):
    make_company("配套甲", user="s@a.cn")
    cookie = login(client, "s@a.cn").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires" in cookie
