from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from graph import reference
from matchmaker import notifications, policy
from matchmaker.auth import accounts
from matchmaker.auth import bp
from matchmaker.auth import tokens as api_tokens
from matchmaker.auth.access import roles_required
from matchmaker.auth.forms import LoginForm, RegisterForm, TokenForm
from matchmaker.errors import DomainError
from matchmaker.extensions import db, limiter
from matchmaker.ratelimit import RateLimited
from matchmaker.web import safe_next


def _client_address() -> str:
    """The caller's address; behind a reverse proxy ProxyFix has set it (MATCHMAKER_PROXY_HOPS)."""
    return request.remote_addr or "-"


def _start_session(user) -> None:
    """A fresh session for a new sign-in: nothing from before it (the anonymous CSRF token
    included) carries over, except the language chosen."""
    lang = session.get("lang")
    session.clear()
    session.permanent = True
    if lang:
        session["lang"] = lang
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db(), limiter(), form.email.data,
                                         form.password.data, _client_address())
        except RateLimited as e:
            form.email.errors.append(_("尝试次数过多，请稍后再试"))
            return render_template("auth/login.html", form=form), 429, \
                {"Retry-After": str(e.retry_after)}
        if user:
            _start_session(user)
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
        form.password.errors.append(_("邮箱或密码不正确"))
        return render_template("auth/login.html", form=form), 401
    status = 200 if request.method == "GET" else 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Ends every session of this user, on every device, not only this cookie."""
    accounts.end_sessions(db(), current_user.email)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    parks = db().read_once(reference.list_parks)
    form.park.choices = [("", _("（无）"))] + [(p["code"], p["name"]) for p in parks]
    if form.validate_on_submit():
        limiter().hit("register_ip", _client_address())
        try:
            company = accounts.register_company(
                db(),
                {"credit_code": form.credit_code.data, "name": form.company_name.data,
                 "role": form.role.data, "region": form.region.data, "park": form.park.data,
                 "address": form.address.data, "contact_name": form.contact_name.data,
                 "contact_phone": form.contact_phone.data},
                {"email": form.email.data, "name": form.contact_name.data,
                 "password": form.password.data},
                policy.load(current_app.config["POLICY_FILE"]).region)
        except DomainError as e:
            field = {"name": "company_name"}.get(e.field, e.field)
            getattr(form, field, form.company_name).errors.append(e.message)
        else:
            if company:
                notifications.send(db(), [(notifications.ORGANIZERS, "registered",
                                              company["name"], "/companies?status=pending")])
            # The same answer when the e-mail already had an account (nothing was stored then).
            flash(_("注册申请已提交。请用登录邮箱和密码登录，查看审核进度；"
                    "如该邮箱已有账户，请直接登录。"), "success")
            return redirect(url_for("auth.login"))
    status = 200 if request.method == "GET" else 400
    return render_template("auth/register.html", form=form), status


@bp.route("/tokens", methods=["GET", "POST"])
@roles_required()
def tokens():
    """API tokens of the signed-in user; a new token's secret is shown on this response only."""
    form = TokenForm()
    form.scopes.choices = [(k, f"{k} — {_(v)}") for k, v in api_tokens.SCOPES.items()]
    secret = None
    if form.validate_on_submit():
        limiter().hit("token_user", current_user.email)
        try:
            secret = api_tokens.issue(db(), current_user.email, form.name.data,
                                      form.scopes.data, form.days.data)
        except DomainError as e:
            getattr(form, e.field or "name", form.name).errors.append(e.message)
    status = 400 if request.method == "POST" and not secret else 200
    return render_template("auth/tokens.html", form=form, secret=secret,
                           tokens=api_tokens.tokens_of(db(), current_user.email)), status


@bp.route("/tokens/<prefix>/revoke", methods=["POST"])
@roles_required()
def revoke_token(prefix):
    if api_tokens.revoke(db(), current_user.email, prefix):
        flash(_("令牌已撤销"), "success")
    else:
        flash(_("没有找到这个令牌"), "error")
    return redirect(url_for("auth.tokens"))
