from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from graph import companies as company_store
from matchmaker import accounts, directory, notifications, tables
from matchmaker.auth.access import company_approved, roles_required
from matchmaker.errors import ValidationError
from matchmaker.web import chart_download, safe_next
from matchmaker.extensions import current_policy, graph
from matchmaker.main import bp, cockpit

PAGE = 50
EXPORT_LABELS = {"credit_code": _l("统一社会信用代码"), "name": _l("企业名称"), "role": _l("企业类型"),
                 "status": _l("审核状态"), "region_name": _l("注册地"), "park_name": _l("园区"),
                 "address": _l("地址"), "contact_name": _l("联系人"), "contact_phone": _l("联系电话"),
                 "clusters": _l("产业集群"), "local": _l("本地企业")}


@bp.route("/")
def home():
    """Visitors see what the platform is; each signed-in role its cockpit."""
    if not current_user.is_authenticated:
        return render_template("main/landing.html", figures=cockpit.public_figures(graph()))
    company = graph().read(company_store.get_company, current_user.company) \
        if current_user.company else None
    if not company_approved(current_user):
        return render_template("main/home.html", company=company, board=None)
    policy = current_policy()
    if current_user.is_organizer:
        board = cockpit.office(graph(), policy)
    elif current_user.role == "anchor":
        board = cockpit.anchor(graph(), policy, current_user.company)
    elif current_user.role == "supplier":
        board = cockpit.supplier(graph(), current_user.company)
    else:
        board = None
    download = chart_download(board and board.get("chart"))
    if download:
        return download
    return render_template("main/home.html", company=company, board=board)


def _directory_filters() -> dict:
    return {"role": request.args.get("role") or None,
            "status": request.args.get("status") or None,
            "search": (request.args.get("q") or "").strip()[:50] or None,
            "region": request.args.get("region") or None,
            "park": request.args.get("park") or None}


@bp.route("/companies")
@roles_required("organizer")
def companies():
    page, _per_page = directory.page_args(request.args.get("page"), PAGE)
    filters = _directory_filters()
    result = directory.companies(graph(), current_user, filters, page, PAGE)
    return render_template("main/companies.html", result=result, filters=filters,
                           companies=directory.with_duplicate_review(graph(), result["items"]),
                           **directory.filter_choices(graph(), current_policy().region))


@bp.route("/companies/export.<fmt>")
@roles_required("organizer")
def export_companies(fmt):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    header, rows = directory.export_rows(graph(), _directory_filters(), EXPORT_LABELS, {
        "role": {"anchor": _("主机企业"), "supplier": _("配套企业")},
        "status": {"approved": _("已审核"), "pending": _("待审核"), "rejected": _("未通过")},
        "local": {True: _("是"), False: _("否")}})
    if fmt == "csv":
        body, mime = tables.write_csv(header, rows), "text/csv; charset=utf-8"
    else:
        body = tables.write_xlsx({_("企业名录"): (header, rows)})
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mime, headers={
        "Content-Disposition": f"attachment; filename=companies.{fmt}"})


@bp.route("/companies/<credit_code>/status", methods=["POST"])
@roles_required("organizer")
def set_company_status(credit_code):
    try:
        accounts.set_company_status(graph(), credit_code, request.form.get("status"),
                                    request.form.get("reason"), current_user.email)
    except ValidationError as e:
        flash(e.message, "error")
    else:
        flash(_("已更新企业状态"), "success")
    return redirect(safe_next(request.form.get("next"), url_for("main.companies")))


@bp.route("/companies/<code>")
@roles_required("organizer", "anchor", "supplier")
def company(code):
    return render_template("main/company.html", **directory.profile(graph(), current_user, code))


@bp.route("/notifications")
@login_required
def inbox():
    """Newest first; opening the page marks them read."""
    items = notifications.inbox(graph(), current_user)
    notifications.mark_read(graph(), current_user, [n["id"] for n in items if not n["read"]])
    return render_template("main/notifications.html", items=items,
                           sentence=notifications.sentence)
