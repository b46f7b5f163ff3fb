"""产业链配套撮合 — supply-chain matchmaking for a city's industrial clusters."""
from __future__ import annotations

import secrets

from flask import Flask, g, has_request_context, jsonify, render_template, request, session
from flask.json.provider import DefaultJSONProvider
from flask_babel import get_locale, gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix

from graph import schema
from graph.db import Graph, GraphUnavailable, Settings
from matchmaker import clock, policy
from matchmaker import config as app_config
from matchmaker import i18n
from matchmaker.errors import DomainError
from matchmaker.extensions import babel, csrf, login_manager
from matchmaker.ratelimit import Limiter
from matchmaker.web import domain_error_response, wants_json


def select_locale():
    if not has_request_context():   # the CLI and the worker: Chinese, unless force_locale says
        return "zh"
    lang = request.args.get("lang")
    if lang in ("zh", "en"):
        session["lang"] = lang
    return session.get("lang") or request.accept_languages.best_match(["zh", "en"]) or "zh"


class JSONProvider(DefaultJSONProvider):
    """JSON answers (and `tojson` in pages) with every i18n Text in the request's language."""
    @staticmethod
    def default(o):
        return str(o) if isinstance(o, i18n.Text) else DefaultJSONProvider.default(o)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.config.update(app_config.load(test_config))

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    i18n.install(_)
    app.jinja_env.filters["text"] = i18n.restored
    app.jinja_env.globals["get_locale"] = get_locale
    from matchmaker.auth.access import company_approved
    app.jinja_env.globals["company_approved"] = company_approved
    from matchmaker.money import yuan
    app.jinja_env.filters["yuan"] = yuan
    app.jinja_env.filters["datetime"] = clock.shown
    clock.use(policy.load(app.config["POLICY_FILE"]).timezone)

    graph = Graph(Settings.from_env(app.config["DATA_DIR"], app.config["NEO4J_DATABASE"]))
    app.extensions["graph"] = graph
    app.extensions["limiter"] = Limiter(graph, app.config["RATE_LIMITS"])
    schema.migrate(graph)
    if app.config["PROXY_HOPS"]:  # trust X-Forwarded-* from this many reverse proxies
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_prefix=hops)

    from matchmaker.auth import accounts

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            return jsonify({"error": "Unauthorized", "message": _("请先登录")}), 401
        from flask import redirect, url_for
        return redirect(url_for("auth.login", next=request.full_path))

    @login_manager.user_loader
    def load_user(session_id):
        return accounts.load_session_user(graph, session_id)

    @login_manager.request_loader
    def load_token_user(req):
        """`Authorization: Bearer mmk_…` on API routes only: a token never opens web pages."""
        header = req.headers.get("Authorization", "")
        if not (req.path.startswith("/api/") and header.startswith("Bearer ")):
            return None
        from matchmaker.auth import tokens as api_tokens
        found = api_tokens.authenticate(graph, header[7:].strip())
        user = accounts.load_user(graph, found[0]) if found else None
        if user is None or not user.is_active:
            return None
        user.scopes = found[1]
        return user

    # A feature's routes register on its blueprint when its views module is imported; the
    # feature's package itself stays free of Flask views, so services import without them.
    from matchmaker.api import views as api
    from matchmaker.auth import views as auth
    from matchmaker.chainmap import views as chainmap
    from matchmaker.companies import views as companies
    from matchmaker.fairs import views as fairs
    from matchmaker.imports import views as imports
    from matchmaker.incentives import views as incentives
    from matchmaker.mail import views as mail
    from matchmaker.main import views as main
    from matchmaker.needs import views as needs
    from matchmaker.reference import commands as _reference_commands  # noqa: F401
    from matchmaker.reference import views as reference
    from matchmaker.suppliers import views as suppliers
    for feature in (auth, main, companies, needs, suppliers, incentives, chainmap, fairs,
                    imports, reference, mail, api):
        app.register_blueprint(feature.bp)

    _register_error_handlers(app)

    @app.before_request
    def refresh_session():
        session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME of inactivity
        g.csp_nonce = secrets.token_urlsafe(16)

    app.jinja_env.globals["csp_nonce"] = lambda: g.get("csp_nonce", "")

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # Scripts only from this site or carrying this response's nonce: an injected <script>
        # or event attribute does not run. Styles may be inline (the SVG charts carry theirs).
        response.headers.setdefault("Content-Security-Policy", (
            f"default-src 'self'; script-src 'self' 'nonce-{g.get('csp_nonce', '')}'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"))
        if app.config["PRODUCTION"]:  # served over HTTPS only
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        return response

    return app


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error_response)

    @app.errorhandler(GraphUnavailable)
    def graph_unavailable(e):
        app.logger.warning("graph unavailable: %s", e)
        message = _("图数据库暂时无法连接，请稍后重试")
        if wants_json():
            return jsonify({"error": "GraphUnavailable", "message": message}), 503
        # Flask-Login loads the user for every template; without the graph it cannot.
        g._login_user = login_manager.anonymous_user()
        return render_template("error.html", status=503, message=message), 503

    for status, name, text in (
            (400, "BadRequest", "请求有误"), (403, "Forbidden", "没有权限访问此页面"),
            (404, "NotFound", "页面不存在"), (405, "MethodNotAllowed", "不支持的请求方法"),
            (413, "PayloadTooLarge", "上传的文件太大"),
            (500, "InternalServerError", "服务器内部错误，请稍后重试")):
        def handler(e, status=status, name=name, text=text):
            message = getattr(e, "description", None) if status == 400 else None
            message = message or _(text)
            if wants_json():
                return jsonify({"error": name, "message": message}), status
            return render_template("error.html", status=status, message=message), status
        app.register_error_handler(status, handler)
