from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from graph import reference
from matchmaker import accounts, api_tokens, notifications, policy
from matchmaker.auth import bp
from matchmaker.auth.forms import LoginForm, RegisterForm, TokenForm
from matchmaker.errors import DomainError
from matchmaker.extensions import graph


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(graph(), form.email.data, form.password.data,
                                         current_app.config["LOGIN_MAX_FAILURES"],
                                         current_app.config["LOGIN_LOCK_MINUTES"])
        except accounts.LoginLocked as e:
            form.email.errors.append(e.message)
            return render_template("auth/login.html", form=form), 429
        if user:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("邮箱或密码不正确"))
        return render_template("auth/login.html", form=form), 401
    status = 200 if request.method == "GET" else 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    parks = graph().read_once(reference.list_parks)
    form.park.choices = [("", _("（无）"))] + [(p["code"], p["name"]) for p in parks]
    if form.validate_on_submit():
        try:
            company = accounts.register_company(
                graph(),
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
            notifications.send(graph(), [(notifications.ORGANIZERS, "registered", company["name"],
                                          "/companies?status=pending")])
            login_user(accounts.load_user(graph(), form.email.data.strip().lower()))
            flash(_("注册成功，企业信息待产业链办公室审核。"), "success")
            return redirect(url_for("main.home"))
    status = 200 if request.method == "GET" else 400
    return render_template("auth/register.html", form=form), status


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """API tokens of the signed-in user; a new token's secret is shown on this response only."""
    form = TokenForm()
    form.scopes.choices = [(k, f"{k} — {_(v)}") for k, v in api_tokens.SCOPES.items()]
    secret = None
    if form.validate_on_submit():
        try:
            secret = api_tokens.issue(graph(), current_user.email, form.name.data,
                                      form.scopes.data)
        except DomainError as e:
            getattr(form, e.field or "name", form.name).errors.append(e.message)
    status = 400 if request.method == "POST" and not secret else 200
    return render_template("auth/tokens.html", form=form, secret=secret,
                           tokens=api_tokens.tokens_of(graph(), current_user.email)), status


@bp.route("/tokens/<prefix>/revoke", methods=["POST"])
@login_required
def revoke_token(prefix):
    if api_tokens.revoke(graph(), current_user.email, prefix):
        flash(_("令牌已撤销"), "success")
    else:
        flash(_("没有找到这个令牌"), "error")
    return redirect(url_for("auth.tokens"))
