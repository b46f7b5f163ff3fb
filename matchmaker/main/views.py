from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from graph import companies as company_store
from matchmaker.auth.access import roles_required
from matchmaker.extensions import graph
from matchmaker.main import bp

PAGE = 50


@bp.route("/")
@login_required
def home():
    company = graph().read(company_store.get_company, current_user.company) \
        if current_user.company else None
    pending = graph().read(company_store.count_companies, None, "pending") \
        if current_user.is_organizer else 0
    return render_template("main/home.html", company=company, pending=pending)


@bp.route("/companies")
@roles_required("organizer")
def companies():
    page = max(request.args.get("page", 1, type=int), 1)
    filters = {"role": request.args.get("role") or None,
               "status": request.args.get("status") or None,
               "search": (request.args.get("q") or "").strip()[:50] or None}
    rows = graph().read(company_store.list_companies, **filters, skip=(page - 1) * PAGE,
                        limit=PAGE)
    return render_template("main/companies.html", companies=rows, filters=filters, page=page)


@bp.route("/companies/<credit_code>/status", methods=["POST"])
@roles_required("organizer")
def set_company_status(credit_code):
    status = request.form.get("status")
    if status not in ("approved", "rejected", "pending"):
        abort(400, _("未知状态"))
    if not graph().write(company_store.set_status, credit_code, status):
        abort(404)
    flash(_("已更新企业状态"), "success")
    return redirect(request.referrer or url_for("main.companies"))
